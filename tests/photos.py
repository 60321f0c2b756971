"""Photos made in the test: real JPEG and PNG bytes with the EXIF a phone would write."""

from __future__ import annotations

import hashlib
import io
import random
from fractions import Fraction

from PIL import Image
from PIL.ExifTags import GPS, Base


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction(round((value - degrees - minutes / 60) * 3600 * 100), 100)
    return Fraction(degrees), Fraction(minutes), seconds


def jpeg(
    width: int = 800,
    height: int = 600,
    taken: str | None = "2026:11:20 10:15:00",
    place: tuple[float, float] | None = (34.6, 114.5),
    orientation: int | None = None,
    seed: int = 1,
    quality: int = 85,
) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    # a bright mark in the top-left corner shows which way is up after orientation
    image.paste((255, 255, 255), (0, 0, width // 4, height // 4))
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(image, noise, 0.3)
    exif = Image.Exif()
    if taken:
        exif.get_ifd(Base.ExifOffset)[Base.DateTimeOriginal] = taken
    if place:
        gps = exif.get_ifd(Base.GPSInfo)
        gps[GPS.GPSLatitudeRef] = "N"
        gps[GPS.GPSLatitude] = _dms(place[0])
        gps[GPS.GPSLongitudeRef] = "E"
        gps[GPS.GPSLongitude] = _dms(place[1])
    if orientation:
        exif[Base.Orientation] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def png(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def bomb_png(side: int = 12_000) -> bytes:
    """A small file that would decode to side x side pixels."""
    out = io.BytesIO()
    Image.new("1", (side, side), 0).save(out, "PNG", optimize=True)
    return out.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
