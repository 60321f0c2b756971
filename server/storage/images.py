"""Photo checks and thumbnails with Pillow.

The type comes from the bytes, never from a header or file name: the image is opened, its size
checked against the pixel limit before any pixel is decoded (so a decompression bomb is refused
cheaply), then decoded in full. Only JPEG and PNG are accepted. EXIF capture time and GPS are
read for the reviewer. The thumbnail is made once, with the EXIF orientation applied.
"""

from __future__ import annotations

import contextlib
import io
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError
from PIL.ExifTags import GPS, Base

from server.domain.errors import DomainError

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}


@dataclass(frozen=True)
class PhotoInfo:
    content_type: str
    width: int
    height: int
    exif_time: str | None
    exif_latitude: float | None
    exif_longitude: float | None


def _rational(value: object) -> float:
    return float(value)  # type: ignore[arg-type]


def _gps(exif: Image.Exif) -> tuple[float | None, float | None]:
    try:
        info = exif.get_ifd(Base.GPSInfo)
        if not info:
            return None, None
        coords = []
        for value_tag, ref_tag, negative in (
            (GPS.GPSLatitude, GPS.GPSLatitudeRef, "S"),
            (GPS.GPSLongitude, GPS.GPSLongitudeRef, "W"),
        ):
            d, m, s = (_rational(x) for x in info[value_tag])
            decimal = d + m / 60 + s / 3600
            if str(info.get(ref_tag, "")).upper().startswith(negative):
                decimal = -decimal
            coords.append(decimal)
        return coords[0], coords[1]
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None


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
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise DomainError(
                    "evidence.unsupported_type", "only JPEG and PNG photos are accepted", status=415
                )
            width, height = image.size
            if width * height > max_pixels or width < 1 or height < 1:
                raise DomainError(
                    "evidence.too_many_pixels",
                    f"the photo has {width}x{height} pixels; at most {max_pixels} are accepted",
                    status=413,
                )
            image.load()  # decode every pixel: a truncated or corrupt file fails here
            exif = image.getexif()
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DomainError("evidence.too_many_pixels", "the photo has too many pixels", status=413) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DomainError(
            "evidence.not_an_image", "the file is not a complete JPEG or PNG image", status=415
        ) from exc
    capture = exif.get_ifd(Base.ExifOffset).get(Base.DateTimeOriginal) or exif.get(Base.DateTime)
    latitude, longitude = _gps(exif)
    info = PhotoInfo(
        content_type=FORMATS[str(image.format)],
        width=width,
        height=height,
        exif_time=str(capture) if capture else None,
        exif_latitude=latitude,
        exif_longitude=longitude,
    )
    return info, _thumbnail(image, edge)


def _thumbnail(image: Image.Image, edge: int) -> bytes:
    """A JPEG no larger than edge x edge, turned upright by the EXIF orientation.

    Made from the pixels already decoded for the check: a whole-number box reduction first
    (cheap), then a resize only for what is left; no copy unless a step needs one.
    """
    factor = max(image.size) // edge
    small = image.reduce(factor) if factor >= 2 else image
    if small.mode != "RGB":
        small = small.convert("RGB")
    small.thumbnail((edge, edge), Image.Resampling.BILINEAR)
    orientation = image.getexif().get(0x0112, 1)
    if orientation != 1:
        small.info["exif"] = image.info.get("exif", b"")
        small.getexif()[0x0112] = orientation
        small = ImageOps.exif_transpose(small)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=82)
    return out.getvalue()
