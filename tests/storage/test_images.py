"""Photo checks and thumbnails: every pixel mode JPEG and PNG decode to, at small and large sizes,
comes out as an upright 8-bit thumbnail or is refused with 415; odd EXIF never fails a photo."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from server.domain.errors import DomainError
from server.storage import images
from server.storage.images import process_photo
from tests.photos import (
    MID,
    ascii_entry,
    bomb_png,
    corner_brightness,
    encode,
    gps_exif,
    is_upright,
    jpeg,
    jpeg_with_exif,
    mode_png,
    oriented_jpeg,
    rational_entry,
    raw_exif,
    short_entry,
)

LIMIT = 40_000_000
EDGE = 800
SIZES = [(60, 40), (2600, 1733), (3000, 2000)]  # 2,560 px or more on the long edge: reduce() runs


def thumb_of(data: bytes) -> tuple[images.PhotoInfo, bytes]:
    return process_photo(data, LIMIT, EDGE)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(
    ("mode", "transparent"),
    [
        ("P", False),
        ("P", True),
        ("1", False),
        ("L", False),
        ("L", True),
        ("LA", False),
        ("RGB", False),
        ("RGB", True),
        ("RGBA", False),
        ("I;16", False),
        ("I;16B", False),
    ],
)
def test_every_png_mode_gives_an_upright_thumbnail(
    mode: str, transparent: bool, size: tuple[int, int]
) -> None:
    data = mode_png(mode, *size, transparent=transparent)
    info, thumb = thumb_of(data)
    assert (info.content_type, info.width, info.height) == ("image/png", *size)
    result = Image.open(io.BytesIO(thumb))
    assert result.format == "JPEG"
    assert result.mode in ("L", "RGB")
    assert max(result.size) == min(EDGE, max(size))
    # 16-bit mid grey stays mid grey (scaled, not clipped to white); transparency comes out white
    assert is_upright(thumb, size[0] / size[1], ground=0 if mode == "1" else MID), corner_brightness(thumb)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_cmyk_jpeg_adobe_inverted(size: tuple[int, int]) -> None:
    image = Image.new("CMYK", size, (0, 0, 0, 0))  # white
    image.paste((0, 255, 255, 0), (size[0] // 2, 0, size[0], size[1]))  # red on the right
    data = encode(image, "JPEG", quality=95)  # Pillow writes CMYK inverted, with an Adobe marker
    assert Image.open(io.BytesIO(data)).info.get("adobe") is not None
    _, thumb = thumb_of(data)
    result = Image.open(io.BytesIO(thumb)).convert("RGB")
    left = result.getpixel((2, result.height // 2))
    right = result.getpixel((result.width - 3, result.height // 2))
    assert min(left) > 240  # type: ignore[type-var]
    assert right[0] > 230 and max(right[1:]) < 25  # type: ignore[index]


def test_cmyk_jpeg_without_adobe_marker_is_accepted() -> None:
    data = encode(Image.new("CMYK", (64, 48), (0, 0, 0, 0)), "JPEG")
    at = data.index(b"\xff\xee")  # APP14 "Adobe"
    length = struct.unpack(">H", data[at + 2 : at + 4])[0]
    stripped = data[:at] + data[at + 2 + length :]
    assert b"Adobe" not in stripped
    info, thumb = thumb_of(stripped)
    assert info.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(thumb)).mode == "RGB"


@pytest.mark.parametrize("mode", ["PA", "La", "RGBa", "I", "F", "YCbCr", "LAB", "HSV", "I;16L"])
def test_thumbnail_of_modes_no_file_here_decodes_to(mode: str) -> None:
    """The thumbnail step itself handles any mode (made directly, as no accepted file yields them)."""
    image = Image.new(mode, (2600, 1733))
    thumb = images._thumbnail(image, EDGE, 1)
    result = Image.open(io.BytesIO(thumb))
    assert result.mode in ("L", "RGB")
    assert result.size == (800, 533)


def test_transparent_palette_alpha_is_white() -> None:
    image = Image.new("PA", (2600, 20), (0, 0))
    image.putpalette([0, 0, 0])
    thumb = images._thumbnail(image, EDGE, 1)
    assert min(Image.open(io.BytesIO(thumb)).convert("L").tobytes()) > 245


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("size", [(300, 200), (3000, 2000)], ids=["small", "large"])
def test_every_exif_orientation_comes_out_upright(orientation: int, size: tuple[int, int]) -> None:
    info, thumb = thumb_of(oriented_jpeg(orientation, *size))
    stored = (size[1], size[0]) if orientation >= 5 else size
    assert (info.width, info.height) == stored  # the photo's own pixels, as stored
    assert is_upright(thumb, size[0] / size[1]), corner_brightness(thumb)


@pytest.mark.parametrize("size", [(1, 1), (1, 5000), (5000, 1), (2, 7000), (EDGE, 1), (1601, 1)])
def test_extreme_shapes(size: tuple[int, int]) -> None:
    for fmt in ("PNG", "JPEG"):
        info, thumb = thumb_of(encode(Image.new("RGB", size, (90, 90, 90)), fmt))
        assert (info.width, info.height) == size
        w, h = Image.open(io.BytesIO(thumb)).size
        assert max(w, h) == min(EDGE, max(size)) and min(w, h) >= 1


def gps(lat: list[tuple[int, int]], lon: list[tuple[int, int]], ref: bytes = b"N\x00") -> bytes:
    return gps_exif(lat, lon, ref)


def original_time(text: bytes) -> bytes:
    return raw_exif(exif_ifd=[ascii_entry(0x9003, text)])


KAIFENG = ([(34, 1), (36, 1), (0, 1)], [(114, 1), (30, 1), (0, 1)])
ODD_EXIF = [
    # id, EXIF bytes, the capture time kept, the place kept, flagged as an impossible place
    ("gps-ok", gps(*KAIFENG), None, (34.6, 114.5), False),
    ("gps-south", gps(*KAIFENG, b"S\x00"), None, (-34.6, 114.5), False),
    ("gps-short-forms", gps([(34, 1), (36, 1)], [(114, 1)]), None, (34.6, 114.0), False),
    ("gps-zero-denominator", gps([(34, 0), (36, 1), (0, 1)], KAIFENG[1]), None, None, True),
    ("gps-all-zero-denominators", gps([(0, 0)] * 3, [(0, 0)] * 3), None, None, True),
    ("gps-latitude-95", gps([(95, 1), (0, 1), (0, 1)], KAIFENG[1]), None, None, True),
    ("gps-longitude-190", gps(KAIFENG[0], [(190, 1), (0, 1), (0, 1)]), None, None, True),
    ("gps-huge", gps([(4294967295, 1)] * 3, [(114, 1)] * 3), None, None, True),
    ("gps-no-longitude", raw_exif(gps_ifd=[rational_entry(2, KAIFENG[0])]), None, None, True),
    (
        "gps-as-text",
        raw_exif(gps_ifd=[ascii_entry(2, b"34.6\x00"), ascii_entry(4, b"east\x00")]),
        None,
        None,
        True,
    ),
    (
        "gps-numbers-as-text",
        raw_exif(gps_ifd=[ascii_entry(2, b"34.6\x00"), ascii_entry(4, b"114.5\x00")]),
        None,
        None,
        True,
    ),
    ("gps-ref-only", raw_exif(gps_ifd=[ascii_entry(1, b"N\x00")]), None, None, False),
    ("time-ok", original_time(b"2026:11:20 10:00:00\x00"), "2026:11:20 10:00:00", None, False),
    ("time-nul-inside", original_time(b"2026:11:20\x0010:00:00\x00"), "2026:11:20", None, False),
    ("time-controls", original_time(b"\x01\x02\x1b[31m\x7f2026\x00"), "[31m2026", None, False),
    ("time-5000-chars", original_time(b"9" * 5000 + b"\x00"), "9" * 40, None, False),
    # Pillow reads EXIF ASCII as Latin-1: odd, but storable, and shown as it is
    ("time-invalid-utf8", original_time(b"\xed\xa0\x80\xff\xfe\x00"), "\xed\xa0\xff\xfe", None, False),
    ("time-as-rational", raw_exif(exif_ifd=[rational_entry(0x9003, [(1, 0)])]), None, None, False),
    (
        "datetime-ifd0",
        raw_exif(ifd0=[ascii_entry(0x0132, b"2026:11:20 08:00:00\x00")]),
        "2026:11:20 08:00:00",
        None,
        False,
    ),
    ("orientation-text", raw_exif(ifd0=[(0x0112, 2, 4, b"six\x00")]), None, None, False),
    ("orientation-9", raw_exif(ifd0=[short_entry(0x0112, 9)]), None, None, False),
    (
        "exif-ifd-out-of-range",
        raw_exif(ifd0=[(0x8769, 4, 1, struct.pack("<I", 0xFFFFFF))]),
        None,
        None,
        False,
    ),
    ("gps-ifd-loops-to-ifd0", raw_exif(ifd0=[(0x8825, 4, 1, struct.pack("<I", 8))]), None, None, False),
    ("count-past-the-end", raw_exif(ifd0=[(0x010E, 2, 0xFFFFFFF, b"")]), None, None, False),
    ("not-tiff", b"Exif\x00\x00" + b"\xff" * 2000, None, None, False),
    (
        "65535-entries",
        b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + b"\xff\xff" + bytes(40),
        None,
        None,
        False,
    ),
]


@pytest.mark.parametrize(
    ("exif", "time", "place", "invalid"), [pytest.param(*c[1:], id=c[0]) for c in ODD_EXIF]
)
def test_odd_exif_never_fails_a_photo(
    exif: bytes, time: str | None, place: tuple[float, float] | None, invalid: bool
) -> None:
    info, thumb = thumb_of(jpeg_with_exif(exif))
    assert info.exif_time == time
    if place is None:
        assert (info.exif_latitude, info.exif_longitude) == (None, None)
    else:
        assert (info.exif_latitude, info.exif_longitude) == pytest.approx(place, abs=1e-6)
    assert info.exif_place_invalid is invalid
    assert Image.open(io.BytesIO(thumb)).size == (120, 90)


def test_huge_exif_block() -> None:
    exif = raw_exif(ifd0=[ascii_entry(0x010E, b"A" * 65_000 + b"\x00")])  # about the most APP1 holds
    info, _ = thumb_of(jpeg_with_exif(exif))
    assert info.exif_time is None


def zero_height_jpeg() -> bytes:
    data = bytearray(encode(Image.new("RGB", (16, 16)), "JPEG"))
    at = data.index(b"\xff\xc0")  # SOF0: length, precision, then height and width
    data[at + 5 : at + 7] = b"\x00\x00"
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"", 415, "evidence.not_an_image"),
        (jpeg()[:-3000], 415, "evidence.not_an_image"),
        (mode_png("RGB", 3000, 2000)[:-500], 415, "evidence.not_an_image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 5000, 415, "evidence.not_an_image"),
        (b"\xff\xd8\xff\xe0" + bytes(range(256)) * 20, 415, "evidence.not_an_image"),
        (encode(Image.new("RGB", (8, 8)), "GIF"), 415, "evidence.unsupported_type"),
        (encode(Image.new("RGB", (8, 8)), "BMP"), 415, "evidence.unsupported_type"),
        (encode(Image.new("RGB", (8, 8)), "TIFF"), 415, "evidence.unsupported_type"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", 415, "evidence.not_an_image"),
        (encode(Image.new("RGB", (16, 16)), "ICO"), 415, "evidence.not_an_image"),  # not even parsed
        (zero_height_jpeg(), 415, "evidence.not_an_image"),
        (bomb_png(), 413, "evidence.too_many_pixels"),
    ],
    ids=[
        "empty",
        "truncated-jpeg",
        "truncated-png",
        "png-garbage",
        "jpeg-garbage",
        "gif",
        "bmp",
        "tiff",
        "svg",
        "ico",
        "zero-height",
        "bomb",
    ],
)
def test_refusals(data: bytes, status: int, code: str) -> None:
    with pytest.raises(DomainError) as caught:
        thumb_of(data)
    assert (caught.value.status, caught.value.code) == (status, code)


def test_a_failure_inside_the_thumbnail_step_is_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the encoder or a conversion raises is a 415, not an unhandled error."""

    def broken(*args: object) -> bytes:
        raise struct.error("unpack requires a buffer of 4 bytes")

    monkeypatch.setattr(images, "_thumbnail", broken)
    with pytest.raises(DomainError) as caught:
        thumb_of(png())
    assert (caught.value.status, caught.value.code) == (415, "evidence.not_an_image")


def png() -> bytes:
    return mode_png("RGB", 64, 48)


def test_mpo_is_a_jpeg() -> None:
    first, second = Image.new("RGB", (64, 48), (200, 0, 0)), Image.new("RGB", (64, 48), (0, 0, 200))
    data = encode(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    info, _ = thumb_of(data)
    assert info.content_type == "image/jpeg"
