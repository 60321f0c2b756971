"""Photo checks and thumbnails with Pillow.

The type comes from the bytes, never from a header or file name: the image is opened, its size
checked against the pixel limit before any pixel is decoded (so a decompression bomb is refused
cheaply), then decoded in full. Only JPEG (MPO, the multi-picture JPEG some phones write, is
JPEG to every viewer) and PNG are accepted. The thumbnail is made once, from the same decoded
pixels, with the EXIF orientation applied, for every pixel mode the two formats decode to.

Every failure of the decoder or the encoder, whatever Pillow raises, is a refusal (415), never a
server error. EXIF is only read for the reviewer: capture time and GPS that are odd, garbled or
impossible are left out (an impossible place is reported so the photo gets a flag), and never
make an upload fail.
"""

from __future__ import annotations

import contextlib
import io
import logging
import numbers
import re
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, ImageFile
from PIL.ExifTags import GPS, Base

from server.domain.errors import DomainError
from server.domain.evidence import clean_text, place_or_none

FORMATS = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png"}
# Formats worth naming in a refusal; nothing else is even parsed (fewer parsers, less surface).
IDENTIFIED = ("JPEG", "PNG", "GIF", "BMP", "TIFF", "WEBP")
EXIF_TEXT_MAX = 40  # the exif_captured_at column
WHITE = 255
ORIENTATION = 0x0112
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhotoInfo:
    content_type: str
    width: int
    height: int
    exif_time: str | None
    exif_latitude: float | None
    exif_longitude: float | None
    exif_place_invalid: bool = False  # GPS present in the EXIF but not a place on the globe


def not_an_image() -> DomainError:
    return DomainError("evidence.not_an_image")


@contextlib.contextmanager
def _strict_decoding() -> Iterator[None]:
    """Truncated files must fail to decode. WeasyPrint switches Pillow's global
    LOAD_TRUNCATED_IMAGES on when it is imported; the check never runs with it on."""
    with _decoding_lock:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


_decoding_lock = threading.Lock()


def process_photo(data: bytes, max_pixels: int, edge: int) -> tuple[PhotoInfo, bytes]:
    """Check a photo fully and make its thumbnail from the same decoded pixels.

    DomainError with a stable code when it is not an acceptable image.
    """
    with _strict_decoding():
        return _process(data, max_pixels, edge)


def _process(data: bytes, max_pixels: int, edge: int) -> tuple[PhotoInfo, bytes]:
    try:
        with warnings.catch_warnings():
            # Pillow warns about corrupt metadata it then skips; that is no reason to refuse
            # (nor, where warnings are errors, to fail). A bomb warning is a refusal.
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=_identified())
            if image.format not in FORMATS:
                raise DomainError("evidence.unsupported_type")
            width, height = image.size
            if width < 1 or height < 1:
                raise not_an_image()
            if width * height > max_pixels:
                raise DomainError("evidence.too_many_pixels", max_pixels=max_pixels)
            image.load()  # decode every pixel: a truncated or corrupt file fails here
            info = _info(image, width, height)
            thumb = _thumbnail(image, edge, _orientation(image))
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DomainError("evidence.too_many_pixels", max_pixels=max_pixels) from exc
    except MemoryError:
        raise
    except Exception as exc:
        # Whatever a decoder or encoder raises on hostile bytes (OSError, SyntaxError,
        # ValueError, struct.error, EOFError, IndexError, ...) means the same: not an image we
        # can take. Logged, so that a fault of our own would still be seen.
        log.info("photo refused: %s: %s", type(exc).__name__, exc)
        raise not_an_image() from exc
    return info, thumb


def _identified() -> list[str]:
    Image.init()
    return [name for name in IDENTIFIED if name in Image.OPEN]


# --- EXIF: read for the reviewer, never a reason to fail ----------------------------------------


def _exif(image: Image.Image) -> Image.Exif | None:
    try:
        return image.getexif()
    except Exception:  # a garbled EXIF block is no EXIF
        return None


def _info(image: Image.Image, width: int, height: int) -> PhotoInfo:
    exif = _exif(image)
    latitude = longitude = None
    place_invalid = False
    if exif is not None:
        coordinates, place_invalid = _gps(exif)
        if coordinates is not None:
            latitude, longitude = coordinates
    return PhotoInfo(
        content_type=FORMATS[str(image.format)],
        width=width,
        height=height,
        exif_time=_capture_time(exif) if exif is not None else None,
        exif_latitude=latitude,
        exif_longitude=longitude,
        exif_place_invalid=place_invalid,
    )


def _text(value: object) -> str | None:
    """EXIF ASCII is NUL-terminated: what follows a NUL is not part of it."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    return clean_text(value.split("\x00", 1)[0], EXIF_TEXT_MAX)


def _capture_time(exif: Image.Exif) -> str | None:
    """DateTimeOriginal, else DateTime: as written, cleaned and bounded (parsed later). When the
    camera also wrote the matching offset (OffsetTimeOriginal, OffsetTime: "+08:00"), it follows
    the time ("2026:11:20 10:31:05+08:00"); without one the time is the camera's clock, no zone."""
    try:
        sub = exif.get_ifd(Base.ExifOffset)
        original = _text(sub.get(Base.DateTimeOriginal))
        if original:
            return _with_offset(original, sub.get(Base.OffsetTimeOriginal))
    except Exception as exc:  # an unreadable EXIF sub-IFD: fall back on IFD0's DateTime
        log.info("EXIF sub-IFD unreadable: %s: %s", type(exc).__name__, exc)
        sub = None
    try:
        plain = _text(exif.get(Base.DateTime))
        return _with_offset(plain, sub.get(Base.OffsetTime) if sub is not None else None) if plain else None
    except Exception as exc:  # values are decoded when read: a garbled one fails here
        log.info("EXIF DateTime unreadable: %s: %s", type(exc).__name__, exc)
        return None


def _with_offset(time: str, offset: object) -> str:
    """The time followed by its EXIF offset when that is a real one ("+08:00"); else the time."""
    text = _text(offset)
    if (
        text
        and re.fullmatch(r"[+-](?:[01]\d|2[0-3]):[0-5]\d", text)
        and re.fullmatch(r"\d{4}:\d\d:\d\d \d\d:\d\d:\d\d", time)
    ):
        return time + text
    return time


def _coordinate(value: object, ref: object, negative: str) -> float:
    """Degrees from EXIF's (degrees, minutes, seconds) rationals; NaN when they are no number
    (a rational with a zero denominator reads as NaN)."""
    values = list(value) if isinstance(value, (tuple, list)) else [value]
    if not 1 <= len(values) <= 3 or not all(isinstance(x, numbers.Real) for x in values):
        return float("nan")  # text, or no numbers at all: EXIF writes rationals here
    parts = [float(x) for x in values]  # type: ignore[arg-type]
    degrees, minutes, seconds = (*parts, 0.0, 0.0)[:3]
    decimal = degrees + minutes / 60 + seconds / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("latin-1")
    return -decimal if isinstance(ref, str) and ref.strip("\x00 ").upper().startswith(negative) else decimal


def _gps(exif: Image.Exif) -> tuple[tuple[float, float] | None, bool]:
    """((latitude, longitude) or None, whether GPS is there but names no place on the globe)."""
    try:
        info = exif.get_ifd(Base.GPSInfo)
    except Exception:
        return None, True
    if not info or (GPS.GPSLatitude not in info and GPS.GPSLongitude not in info):
        return None, False
    try:
        latitude = _coordinate(info[GPS.GPSLatitude], info.get(GPS.GPSLatitudeRef), "S")
        longitude = _coordinate(info[GPS.GPSLongitude], info.get(GPS.GPSLongitudeRef), "W")
    except Exception:  # one of the two missing, or values that are no numbers
        return None, True
    place = place_or_none(latitude, longitude)
    if place is None:
        return None, True
    return (place.latitude, place.longitude), False


def _orientation(image: Image.Image) -> int:
    exif = _exif(image)
    try:
        value = exif.get(ORIENTATION, 1) if exif is not None else 1
    except Exception:
        return 1
    return value if isinstance(value, int) and value in TRANSPOSE else 1


# --- thumbnail -----------------------------------------------------------------------------------


def _eight_bit(image: Image.Image) -> Image.Image:
    """The pixels in a mode that box reduction and resizing work on: L, LA, RGB, RGBA, CMYK, or
    I for 16-bit grey (scaled down to 8 bits after the reduction, never clipped)."""
    mode = image.mode
    if mode in ("L", "RGB") and image.info.get("transparency") is not None:
        return image.convert(mode + "A")  # a PNG colour key: those pixels are transparent
    if mode in ("L", "LA", "RGB", "RGBA", "CMYK", "I"):
        return image
    if mode == "1":
        return image.convert("L")
    if mode in ("P", "PA"):
        transparent = mode == "PA" or image.info.get("transparency") is not None
        return image.convert("RGBA" if transparent else "RGB")
    if mode.startswith("I;16"):
        return image.convert("I")
    if mode in ("La", "RGBa"):
        return image.convert(mode[0] + "A" if mode == "La" else "RGBA")
    return image.convert("RGB")


def _flatten(image: Image.Image) -> Image.Image:
    """A mode JPEG takes (L or RGB): 16-bit grey scaled to 8 bits, alpha laid on white."""
    mode = image.mode
    if mode == "I":
        return image.point(lambda value: value / 256).convert("L")
    if mode in ("LA", "RGBA"):
        base = mode[:-1]
        flat = Image.new(base, image.size, WHITE if base == "L" else (WHITE, WHITE, WHITE))
        flat.paste(image.convert(base), mask=image.getchannel("A"))
        return flat
    if mode not in ("L", "RGB"):
        return image.convert("RGB")
    return image


def _thumbnail(image: Image.Image, edge: int, orientation: int) -> bytes:
    """A JPEG no larger than edge x edge, turned upright by the EXIF orientation.

    Made from the pixels already decoded for the check: a whole-number box reduction first
    (cheap), then a resize only for what is left; no copy unless a step needs one (so a small
    photo is resized in place: read everything else from it first). Modes other
    than L and RGB are brought to 8 bits before the reduction and flattened after it, on the
    small image.
    """
    small = _eight_bit(image)
    factor = max(small.size) // edge
    if factor >= 2:
        small = small.reduce(factor)
    small.thumbnail((edge, edge), Image.Resampling.BILINEAR)
    small = _flatten(small)
    if orientation in TRANSPOSE:
        small = small.transpose(TRANSPOSE[orientation])
    out = io.BytesIO()
    small.save(out, "JPEG", quality=82)
    return out.getvalue()
