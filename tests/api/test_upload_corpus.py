"""A corpus of unusual and hostile uploads through the real API, on both database engines (the
whole corpus on the local store, a subset on the real MinIO).

Every upload is answered either 201 with a valid photo (its row, both objects, a JPEG thumbnail
no larger than the edge, clean bounded text, strict JSON; upright where the case can tell) or
with the 4xx and error code the case names, and then nothing is written: no evidence row, no
audit entry, no object in the store. No upload may be answered 5xx. Each case is a subtest; the
test prints a tally of how the corpus was answered.

Files are made here with Pillow and by hand (PNG chunks, EXIF IFDs, multipart bodies byte by
byte), never read from disk.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import secrets
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from PIL import Image, PngImagePlugin

from server.db.models import AuditEntry, Evidence, Inspection
from server.domain.evidence import FLAG_EXIF_PLACE_INVALID, FLAG_FAR_FROM_FACILITY, clean_text
from server.extensions import db
from tests.api.world import World
from tests.conftest import private_bucket
from tests.photos import (
    MID,
    ascii_entry,
    bomb_png,
    encode,
    gps_exif,
    is_upright,
    jpeg,
    jpeg_with_exif,
    marked,
    mode_png,
    multipart,
    oriented_jpeg,
    png_chunk,
    raw_exif,
    raw_png,
    sha256,
    short_entry,
)

MAX_BYTES = 4 * 1024 * 1024
MAX_PIXELS = 12_000_000  # lower than the default, so that "at the limit" stays cheap to decode
EDGE = 800  # the default thumbnail edge
BOUNDARY = b"----corpus7MA4YWxkTrZu0gW"
LARGE = (2600, 1734)  # 2,560 px or more on the long edge: the box reduction runs
SMALL = (120, 80)
DISPOSITION = b'Content-Disposition: form-data; name="file"; '


@pytest.fixture(params=["local", "s3"])
def app(request: pytest.FixtureRequest, app_factory: Callable[..., Flask]) -> Flask:
    overrides: dict[str, Any] = {
        "max_photo_bytes": MAX_BYTES,
        "max_content_length": 2 * MAX_BYTES,
        "max_photo_pixels": MAX_PIXELS,
    }
    if request.param == "s3":
        overrides |= {"evidence_backend": "s3", "s3": private_bucket(request)}
    return app_factory(**overrides)


# --- the cases ------------------------------------------------------------------------------------

Check = Callable[[dict[str, Any], bytes], None]


@dataclasses.dataclass
class Case:
    name: str
    data: bytes
    expect: tuple[int, str | None] = (201, None)  # status and error code
    also: tuple[tuple[int, str | None], ...] = ()  # other answers that are right too
    filename: bytes = b"IMG_0001.jpg"
    part_type: bytes = b"image/jpeg"
    digest: str | None = None  # None: the bytes' own
    fields: dict[str, bytes] = dataclasses.field(default_factory=dict)
    file_header: bytes | None = None  # the file part's headers, verbatim
    body: bytes | None = None  # the whole request body, verbatim
    content_type: str | None = None  # the request's, when the body is given
    check: Check | None = None
    s3: bool = False  # in the subset run against MinIO too

    @property
    def answers(self) -> set[tuple[int, str | None]]:
        return {self.expect, *self.also}


def upright(aspect: float, ground: float = MID) -> Check:
    def check(body: dict[str, Any], thumb: bytes) -> None:
        assert is_upright(thumb, aspect, ground), "the thumbnail is not upright or its tones are wrong"

    return check


def flagged(*flags: str, place: bool = False) -> Check:
    def check(body: dict[str, Any], thumb: bytes) -> None:
        assert body["flags"] == list(flags)
        assert (body["exif_latitude"] is not None) is place

    return check


def exif_time(expected: str | None) -> Check:
    def check(body: dict[str, Any], thumb: bytes) -> None:
        assert body["exif_captured_at"] == expected

    return check


def named(expected: str | None) -> Check:
    def check(body: dict[str, Any], thumb: bytes) -> None:
        assert body["original_name"] == expected

    return check


def gif(frames: int = 1) -> bytes:
    images = [Image.new("RGB", (20, 20), (i * 40, 0, 0)) for i in range(frames)]
    return encode(images[0], "GIF", save_all=frames > 1, append_images=images[1:])


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("evil.html", "<script>alert(1)</script>")
    return out.getvalue()


def jpeg_sof(width: int, height: int) -> bytes:
    """A JPEG whose frame header (SOF0) claims another size than its data holds."""
    data = bytearray(encode(Image.new("RGB", (16, 16), (50, 90, 130)), "JPEG"))
    at = data.index(b"\xff\xc0")
    data[at + 5 : at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def png_size(width: int, height: int) -> bytes:
    """A PNG whose header claims another size than its data holds (CRC made right)."""
    return raw_png(16, 16, 8, 0, lambda x, y: (MID,), width_in_header=width, height_in_header=height)


def with_text(chunk: bytes) -> bytes:
    return raw_png(64, 48, 8, 2, lambda x, y: (MID, MID, MID), before_data=[chunk])


def apng() -> bytes:
    first = marked(*SMALL).convert("RGB")
    second = Image.new("RGB", SMALL, (0, 0, 255))
    return encode(first, "PNG", save_all=True, append_images=[second], duration=100, loop=0)


def progressive() -> bytes:
    image = marked(*LARGE).convert("RGB")
    return encode(image, "JPEG", quality=80, progressive=True, optimize=True)


def pixels(width: int, height: int) -> bytes:
    return encode(Image.new("1", (width, height), 0), "PNG", optimize=True)


def cmyk(size: tuple[int, int], adobe: bool = True) -> bytes:
    image = Image.new("CMYK", size, (0, 0, 0, 255))  # black, with a white corner
    image.paste((0, 0, 0, 0), (0, 0, size[0] // 4, size[1] // 4))
    data = encode(image, "JPEG", quality=90)
    if not adobe:
        at = data.index(b"\xff\xee")
        data = data[:at] + data[at + 2 + struct.unpack(">H", data[at + 2 : at + 4])[0] :]
    return data


def grid(x: int, y: int) -> tuple[int, ...]:
    return (0xFFFF,) if x < 16 and y < 12 else (0x8000,)


def corpus() -> list[Case]:
    """The cases; made when the test runs, not at import."""
    return _corpus()


@functools.cache
def _corpus() -> list[Case]:
    cases: list[Case] = []
    add = cases.append

    # every pixel mode JPEG and PNG decode to, small and at 2,560 px or more
    for mode, transparent in [
        ("P", False),
        ("P", True),
        ("1", False),
        ("L", False),
        ("L", True),
        ("LA", False),
        ("RGB", False),
        ("RGBA", False),
        ("I;16", False),
        ("I;16B", False),
    ]:
        for size in (SMALL, LARGE):
            label = f"png-{mode}{'-trns' if transparent else ''}-{size[0]}x{size[1]}"
            data = mode_png(mode, *size, transparent=transparent)
            ground = 0 if mode == "1" else MID
            add(Case(label, data, filename=b"scan.png", part_type=b"image/png", check=upright(1.5, ground)))
    cases[-1].s3 = cases[1].s3 = True
    for size in (SMALL, LARGE):
        add(Case(f"jpeg-cmyk-adobe-{size[0]}x{size[1]}", cmyk(size), check=upright(1.5, 0), s3=size == LARGE))
    add(Case("jpeg-cmyk-no-adobe-marker", cmyk(SMALL, adobe=False)))
    add(Case("jpeg-grey", encode(marked(*SMALL), "JPEG"), check=upright(1.5, 40)))
    add(Case("jpeg-rgb-3000x2000", encode(marked(3000, 2000).convert("RGB"), "JPEG"), check=upright(1.5, 40)))
    add(Case("jpeg-progressive", progressive(), check=upright(1.5, 40)))
    add(
        Case(
            "jpeg-4:4:4", encode(marked(*SMALL).convert("RGB"), "JPEG", subsampling=0), check=upright(1.5, 40)
        )
    )
    mpo = encode(marked(*SMALL).convert("RGB"), "MPO", save_all=True, append_images=[Image.new("RGB", SMALL)])
    add(Case("jpeg-mpo", mpo, check=upright(1.5, 40)))
    # PNG bit depths and layouts Pillow does not write
    add(
        Case(
            "png-interlaced-grey",
            raw_png(64, 48, 8, 0, lambda x, y: (255,) if x < 16 and y < 12 else (MID,), interlaced=True),
            part_type=b"image/png",
            check=upright(64 / 48),
        )
    )
    add(
        Case(
            "png-interlaced-rgb16",
            raw_png(64, 48, 16, 2, lambda x, y: grid(x, y) * 3, interlaced=True),
            part_type=b"image/png",
            check=upright(64 / 48),
            s3=True,
        )
    )
    add(
        Case(
            "png-rgba16",
            raw_png(
                64, 48, 16, 6, lambda x, y: (0, 0, 0, 0) if x < 16 and y < 12 else (0x8000,) * 3 + (0xFFFF,)
            ),
            check=upright(64 / 48),
        )
    )
    add(
        Case(
            "png-la16-interlaced",
            raw_png(
                64, 48, 16, 4, lambda x, y: (0, 0) if x < 16 and y < 12 else (0x8000, 0xFFFF), interlaced=True
            ),
            check=upright(64 / 48),
        )
    )
    add(
        Case(
            "png-grey-2bit",
            raw_png(64, 48, 2, 0, lambda x, y: (3,) if x < 16 and y < 12 else (2,)),
            check=upright(64 / 48, 170),
        )
    )
    add(
        Case(
            "png-palette-4bit",
            raw_png(
                64,
                48,
                4,
                3,
                lambda x, y: (0,) if x < 16 and y < 12 else (1,),
                palette=bytes([255] * 3 + [MID] * 3),
            ),
            check=upright(64 / 48),
        )
    )
    add(Case("png-16bit-at-2600", raw_png(2600, 20, 16, 0, lambda x, y: (0x8000,)), part_type=b"image/png"))
    add(Case("apng", apng(), part_type=b"image/png", check=upright(1.5, 40)))

    # all eight EXIF orientations: the marked corner must end up top-left
    for orientation in range(1, 9):
        add(
            Case(
                f"exif-orientation-{orientation}",
                oriented_jpeg(orientation),
                check=upright(1.5, 40),
                s3=orientation == 6,
            )
        )
    add(Case("exif-orientation-6-large", oriented_jpeg(6, *LARGE), check=upright(1.5, 40)))

    # extreme shapes and the pixel limit
    add(Case("png-1x1", encode(Image.new("RGB", (1, 1), (9, 9, 9)), "PNG")))
    add(Case("jpeg-1x1", encode(Image.new("RGB", (1, 1), (9, 9, 9)), "JPEG")))
    add(Case("png-1x8000", encode(Image.new("L", (1, 8000), 9), "PNG")))
    add(Case("jpeg-8000x1", encode(Image.new("RGB", (8000, 1), (9, 9, 9)), "JPEG")))
    add(Case("png-at-the-pixel-limit", pixels(4000, 3000)))
    add(Case("png-one-row-over-the-limit", pixels(4000, 3001), (413, "evidence.too_many_pixels")))
    add(Case("png-bomb-12000x12000", bomb_png(), (413, "evidence.too_many_pixels"), s3=True))
    add(Case("jpeg-header-claims-60000x60000", jpeg_sof(60000, 60000), (413, "evidence.too_many_pixels")))
    add(
        Case(
            "png-header-claims-2^31x2^31",
            png_size(2**31 - 1, 2**31 - 1),
            (413, "evidence.too_many_pixels"),
            also=((415, "evidence.not_an_image"),),
        )
    )
    add(Case("png-header-claims-0x16", png_size(0, 16), (415, "evidence.not_an_image")))
    add(Case("jpeg-header-claims-0x0", jpeg_sof(0, 0), (415, "evidence.not_an_image")))
    add(Case("png-header-larger-than-data", png_size(64, 64), (415, "evidence.not_an_image")))

    # broken and foreign files
    photo = jpeg(seed=19)
    add(Case("zero-bytes", b"", (415, "evidence.not_an_image"), also=((422, "request.invalid"),), s3=True))
    add(Case("jpeg-truncated-half", photo[: len(photo) // 2], (415, "evidence.not_an_image"), s3=True))
    # Without its end marker a JPEG is complete when the decoder had every scanline before it ran
    # out of bytes, and truncated otherwise; both answers are right, a 500 never is.
    add(Case("jpeg-without-eoi", jpeg(seed=20)[:-2], (415, "evidence.not_an_image"), also=((201, None),)))
    add(Case("png-truncated-in-idat", mode_png("RGB", *LARGE)[:-400], (415, "evidence.not_an_image")))
    whole = mode_png("RGB", *SMALL)
    add(Case("png-without-iend", whole[:-12]))
    # Pillow does not check the CRC of the image data (zlib's own checksum guards the pixels)
    add(Case("png-bad-idat-crc", whole[:-16] + bytes([whole[-16] ^ 0xFF]) + whole[-15:]))
    add(
        Case(
            "png-bad-ihdr-crc",
            whole[:29] + bytes([whole[29] ^ 0xFF]) + whole[30:],
            (415, "evidence.not_an_image"),
        )
    )
    add(
        Case(
            "png-signature-then-garbage",
            b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(4000),
            (415, "evidence.not_an_image"),
        )
    )
    add(
        Case(
            "jpeg-soi-then-garbage",
            b"\xff\xd8\xff\xe0" + secrets.token_bytes(4000),
            (415, "evidence.not_an_image"),
        )
    )
    add(Case("jpeg-soi-only", b"\xff\xd8", (415, "evidence.not_an_image")))
    add(Case("gif", gif(), (415, "evidence.unsupported_type"), s3=True))
    add(Case("gif-animated", gif(3), (415, "evidence.unsupported_type")))
    add(Case("bmp", encode(Image.new("RGB", (20, 20)), "BMP"), (415, "evidence.unsupported_type")))
    add(Case("tiff", encode(Image.new("RGB", (20, 20)), "TIFF"), (415, "evidence.unsupported_type")))
    add(Case("webp", encode(Image.new("RGB", (20, 20)), "WEBP"), (415, "evidence.unsupported_type")))
    add(Case("ico", encode(Image.new("RGB", (16, 16)), "ICO"), (415, "evidence.not_an_image")))
    add(
        Case(
            "svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            (415, "evidence.not_an_image"),
        )
    )
    add(
        Case(
            "html",
            b"<!doctype html><script>alert(1)</script>",
            (415, "evidence.not_an_image"),
            part_type=b"text/html",
        )
    )
    add(Case("zip", zip_bytes(), (415, "evidence.not_an_image")))
    add(Case("pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", (415, "evidence.not_an_image")))
    add(Case("html-then-png", b"<html><body>" + whole, (415, "evidence.not_an_image")))
    add(Case("gif-with-zip-appended", gif() + zip_bytes(), (415, "evidence.unsupported_type")))
    add(Case("jpeg-with-zip-appended", jpeg(seed=21) + zip_bytes()))  # a valid JPEG all the same
    add(Case("png-with-html-appended", whole + b"<script>alert(1)</script>"))
    add(Case("over-the-byte-limit", b"\xff\xd8" + bytes(MAX_BYTES), (413, "evidence.too_large")))

    # EXIF and PNG text: odd, huge, hostile
    add(Case("exif-65k-block", jpeg_with_exif(raw_exif(ifd0=[ascii_entry(0x010E, b"A" * 65000 + b"\x00")]))))
    add(
        Case(
            "exif-time-with-nul",
            jpeg_with_exif(raw_exif(exif_ifd=[ascii_entry(0x9003, b"2026:11:20\x0010:00:00\x00")])),
            check=exif_time("2026:11:20"),
        )
    )
    add(
        Case(
            "exif-time-5000-chars",
            jpeg_with_exif(
                raw_exif(exif_ifd=[ascii_entry(0x9003, b"2026:11:20 10:00:00" + b"9" * 5000 + b"\x00")])
            ),
            check=exif_time("2026:11:20 10:00:00" + "9" * 21),
            s3=True,
        )
    )
    add(
        Case(
            "exif-time-controls-and-bidi",
            jpeg_with_exif(raw_exif(exif_ifd=[ascii_entry(0x9003, b"\x1b[2J\x07\xe2\x80\xae2026\x00")])),
            check=exif_time("[2Jâ®2026"),
        )
    )
    add(
        Case(
            "exif-time-year-0001",
            jpeg_with_exif(raw_exif(exif_ifd=[ascii_entry(0x9003, b"0001:01:01 00:00:00\x00")])),
            check=exif_time("0001:01:01 00:00:00"),
        )
    )
    nan = gps_exif([(34, 0), (36, 1), (0, 1)], [(114, 1), (30, 1), (0, 1)])
    add(
        Case(
            "exif-gps-nan",
            jpeg_with_exif(nan),
            check=flagged("no_capture_time", FLAG_EXIF_PLACE_INVALID),
            s3=True,
        )
    )
    add(
        Case(
            "exif-gps-out-of-range",
            jpeg_with_exif(gps_exif([(95, 1), (0, 1), (0, 1)], [(200, 1), (0, 1), (0, 1)])),
            check=flagged("no_capture_time", FLAG_EXIF_PLACE_INVALID),
        )
    )
    add(
        Case(
            "exif-gps-far-away",
            jpeg(place=(39.9, 116.4), seed=22),
            check=flagged(FLAG_FAR_FROM_FACILITY, place=True),
        )
    )
    add(
        Case(
            "exif-gps-as-text",
            jpeg_with_exif(raw_exif(gps_ifd=[ascii_entry(2, b"34.6\x00"), ascii_entry(4, b"114.5\x00")])),
            check=flagged("no_capture_time", FLAG_EXIF_PLACE_INVALID),
        )
    )
    add(Case("exif-not-tiff", jpeg_with_exif(b"Exif\x00\x00" + secrets.token_bytes(3000))))
    add(
        Case(
            "exif-ifd-loop",
            jpeg_with_exif(
                raw_exif(ifd0=[(0x8825, 4, 1, struct.pack("<I", 8)), (0x8769, 4, 1, struct.pack("<I", 8))])
            ),
        )
    )
    add(Case("exif-orientation-as-text", jpeg_with_exif(raw_exif(ifd0=[(0x0112, 2, 4, b"six\x00")]))))
    add(Case("exif-orientation-99", jpeg_with_exif(raw_exif(ifd0=[short_entry(0x0112, 99)]))))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "x" * 900_000)
    add(Case("png-900k-text-chunk", encode(marked(*SMALL), "PNG", pnginfo=info), part_type=b"image/png"))
    add(
        Case(
            "png-ztxt-inflating-to-50mb",
            with_text(png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(bytes(50_000_000), 9))),
            (415, "evidence.not_an_image"),  # Pillow's limit on inflated metadata
            also=((201, None),),
        )
    )
    add(
        Case(
            "png-itxt-bad-utf8",
            with_text(png_chunk(b"iTXt", b"Comment\x00\x00\x00\x00\x00\xff\xfe\xed\xa0\x80")),
        )
    )
    add(
        Case(
            "png-iccp-inflating-to-50mb",
            with_text(png_chunk(b"iCCP", b"icc\x00\x00" + zlib.compress(bytes(50_000_000), 9))),
            (415, "evidence.not_an_image"),  # Pillow's limit on inflated metadata
            also=((201, None),),
        )
    )
    add(Case("png-exif-chunk-garbage", with_text(png_chunk(b"eXIf", secrets.token_bytes(2000)))))
    add(
        Case(
            "png-unknown-critical-chunk",
            with_text(png_chunk(b"ABCD", b"x" * 100)),
            also=((415, "evidence.not_an_image"),),
        )
    )

    # the request around the file: digest, headers, names, fields, the multipart body itself
    add(Case("digest-wrong", photo, (422, "evidence.digest_mismatch"), digest="0" * 64, s3=True))
    add(Case("digest-not-hex", photo, (422, "request.invalid"), digest="z" * 64))
    upper = jpeg(seed=31)
    add(Case("digest-uppercase", upper, digest=sha256(upper).upper()))
    add(Case("part-type-text-html", jpeg(seed=32), part_type=b"text/html"))
    add(Case("part-type-image-png-for-a-jpeg", jpeg(seed=33), part_type=b"image/png"))
    add(
        Case(
            "part-type-missing",
            jpeg(seed=34),
            file_header=b'Content-Disposition: form-data; name="file"; filename="a.jpg"',
        )
    )
    add(Case("name-with-nul", jpeg(seed=35), filename=b"a\x00b.jpg", check=named("ab.jpg"), s3=True))
    add(Case("name-10000-chars", jpeg(seed=36), filename="长".encode() * 10000, check=named("长" * 255)))
    add(
        Case(
            "name-path-traversal",
            jpeg(seed=37),
            filename=b"../../../../etc/passwd",
            check=named("../../../../etc/passwd"),
        )
    )
    add(Case("name-bidi-override", jpeg(seed=38), filename="\u202egpj.exe".encode(), check=named("gpj.exe")))
    add(Case("name-invalid-utf8", jpeg(seed=39), (422, "request.invalid"), filename=b"\xed\xa0\x80\xff.jpg"))
    add(
        Case(
            "name-rfc2231-nul-and-surrogate",
            jpeg(seed=40),
            file_header=DISPOSITION + b"filename*=UTF-8''%00%ED%A0%80x.jpg\r\nContent-Type: image/jpeg",
            check=named("\ufffd\ufffd\ufffdx.jpg"),
        )
    )
    add(Case("name-empty", jpeg(seed=41), filename=b"", also=((422, "request.invalid"),), check=named(None)))
    add(
        Case(
            "name-crlf-injection",
            jpeg(seed=42),
            file_header=DISPOSITION + b'filename="a.jpg"\r\nX-Injected: 1\r\nContent-Type: image/jpeg',
            check=named("a.jpg"),
        )
    )
    add(
        Case(
            "no-file-part",
            b"",
            (422, "request.invalid"),
            file_header=b'Content-Disposition: form-data; name="other"',
        )
    )
    add(
        Case(
            "file-as-plain-field",
            jpeg(seed=43),
            (422, "request.invalid"),
            file_header=b'Content-Disposition: form-data; name="file"',
        )
    )
    add(
        Case(
            "upload-id-with-nul",
            jpeg(seed=44),
            (422, "request.invalid"),
            fields={"upload_id": b"abcdefgh\x00"},
        )
    )
    add(Case("unknown-form-field", jpeg(seed=45), (422, "request.invalid"), fields={"status": b"approved"}))
    add(
        Case(
            "latitude-nan",
            jpeg(seed=46),
            (422, "request.invalid"),
            fields={"latitude": b"NaN", "longitude": b"114.5"},
        )
    )
    add(
        Case(
            "latitude-1e999",
            jpeg(seed=47),
            (422, "request.invalid"),
            fields={"latitude": b"1e999", "longitude": b"114.5"},
        )
    )
    # the time's checks are the HTTP layer's; the domain treats such times as unusable anyway
    add(
        Case(
            "captured-at-year-0001-plus-14",
            jpeg(seed=48),
            (422, "request.invalid"),
            also=((201, None),),
            fields={"captured_at": b"0001-01-01T00:00:00+14:00"},
        )
    )
    add(
        Case(
            "captured-at-with-nul",
            jpeg(seed=49),
            (422, "request.invalid"),
            also=((201, None),),
            fields={"captured_at": b"2026-11-20T10:00:00\x00+08:00"},
        )
    )
    add(
        Case(
            "body-truncated",
            b"",
            (422, "request.invalid"),
            also=((400, "http.bad_request"),),
            body=b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="upload_id"\r\n\r\nabc',
        )
    )
    add(
        Case(
            "body-without-boundary",
            b"",
            (422, "request.invalid"),
            also=((400, "http.bad_request"),),
            body=jpeg(seed=50),
            content_type="multipart/form-data",
        )
    )
    add(
        Case(
            "body-octet-stream",
            b"",
            (422, "request.invalid"),
            also=((415, "request.unsupported_media_type"),),
            body=jpeg(seed=51),
            content_type="application/octet-stream",
        )
    )
    return cases


# --- the run --------------------------------------------------------------------------------------


def no_constants(name: str) -> Any:
    raise ValueError(f"{name} in the JSON")


def send(world: World, inspection: Inspection, case: Case) -> Any:
    digest = case.digest or sha256(case.data)
    fields = {"upload_id": secrets.token_hex(8).encode(), "sha256": digest.encode(), **case.fields}
    header = case.file_header or (
        b'Content-Disposition: form-data; name="file"; filename="'
        + case.filename
        + b'"\r\nContent-Type: '
        + case.part_type
    )
    body = case.body if case.body is not None else multipart(fields, header, case.data, BOUNDARY)
    content_type = case.content_type or f"multipart/form-data; boundary={BOUNDARY.decode()}"
    response = world.client.post(
        f"/api/inspections/{inspection.id}/items/M-B01/evidence",
        data=body,
        content_type=content_type,
        headers={"Authorization": f"Bearer {world.login('inspector')}"},
    )
    response.get_data()
    response.close()
    return response


def written(world: World) -> tuple[int, int, list[str]]:
    store = world.client.application.extensions["evidence_store"]
    keys = sorted(k for prefix in ("evidence/", "thumbs/") for k in store.keys(prefix))
    uploads = db.session.query(AuditEntry).filter(AuditEntry.action == "evidence.upload").count()
    return db.session.query(Evidence).count(), uploads, keys


def accepted(world: World, case: Case, response: Any, before: tuple[int, int, list[str]]) -> None:
    body = json.loads(response.get_data(as_text=True), parse_constant=no_constants)  # strict JSON
    rows, uploads, keys = written(world)
    assert (rows, uploads) == (before[0] + 1, before[1] + 1)
    row = db.session.get(Evidence, body["id"])
    assert row is not None
    assert sorted(set(keys) - set(before[2])) == sorted([row.object_key, row.thumb_key])
    for text, limit in ((row.original_name, 255), (row.exif_captured_at, 40), (row.claimed_captured_at, 40)):
        assert text is None or (clean_text(text, limit) == text), f"unclean text stored: {text!r}"
    thumb = world.call("inspector", "GET", f"/api/evidence/{body['id']}/thumbnail")
    assert thumb.status_code == 200
    with Image.open(io.BytesIO(thumb.data)) as image:
        assert image.format == "JPEG"
        assert max(image.size) <= EDGE
    if case.check is not None:
        case.check(body, thumb.data)


def test_upload_corpus(world: World, subtests: Any, capsys: pytest.CaptureFixture[str]) -> None:
    inspection = world.inspection()
    world.login("inspector")
    backend = world.client.application.extensions["evidence_store"].backend
    cases = [c for c in corpus() if backend == "local" or c.s3]
    assert len({c.name for c in cases}) == len(cases)
    tally: Counter[str] = Counter()
    server_errors = []
    alternatives = []
    for case in cases:
        with subtests.test(msg=case.name):
            before = written(world)
            response = send(world, inspection, case)
            status = response.status_code
            code = response.json["error"]["code"] if status >= 400 else None
            tally[f"{status} {code or 'accepted'}"] += 1
            if status >= 500:
                server_errors.append(case.name)
            assert (status, code) in case.answers, (status, response.json)
            if (status, code) != case.expect:
                alternatives.append(f"{case.name}: {status} {code or 'accepted'}")
            if status == 201:
                accepted(world, case, response, before)
            else:
                assert written(world) == before, "a refused upload left something behind"
    engine = db.engine.dialect.name
    with capsys.disabled():
        lines = [f"\nupload corpus on {engine} + {backend}: {sum(tally.values())} uploads"]
        lines += [f"  {count:3d}  {answer}" for answer, count in sorted(tally.items())]
        lines += [f"  answered with an alternative: {name}" for name in alternatives]
        print("\n".join(lines))
    assert not server_errors, server_errors
    assert len(cases) >= (60 if backend == "local" else 10)
