"""Photos made in the test: real JPEG and PNG bytes with the EXIF a phone would write."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import zlib
from collections.abc import Callable
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
    # seeded noise (Image.effect_noise draws from the C library's unseeded generator): the same
    # seed gives the same bytes in every process, whatever ran before
    noise = Image.frombytes("L", (width, height), rng.randbytes(width * height)).convert("RGB")
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


# --- unusual and hostile files: every pixel mode, orientations, raw EXIF, raw bytes ----------------


def encode(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


MARK = 255  # the marked corner
GROUND = 40  # everything else


def marked(width: int = 300, height: int = 200) -> Image.Image:
    """An upright grey picture, dark with a bright top-left corner: which way is up shows."""
    image = Image.new("L", (width, height), GROUND)
    image.paste(MARK, (0, 0, max(1, width // 4), max(1, height // 4)))
    return image


# What a camera stores for each EXIF orientation: the upright picture turned so that applying
# the orientation (as ImageOps.exif_transpose does) brings it upright again.
STORED_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def oriented_jpeg(orientation: int, width: int = 300, height: int = 200) -> bytes:
    """A JPEG whose pixels are stored turned, with the EXIF orientation that makes them upright."""
    upright = marked(width, height).convert("RGB")
    method = STORED_AS[orientation]
    stored = upright.transpose(method) if method is not None else upright
    exif = Image.Exif()
    exif[Base.Orientation] = orientation
    return encode(stored, "JPEG", quality=90, exif=exif)


def corner_brightness(thumb: bytes) -> tuple[tuple[int, int], list[float]]:
    """(size, mean brightness of the top-left, top-right, bottom-left, bottom-right corners)."""
    image = Image.open(io.BytesIO(thumb)).convert("L")
    w, h = image.size
    bw, bh = max(1, w // 10), max(1, h // 10)
    boxes = [(0, 0, bw, bh), (w - bw, 0, w, bh), (0, h - bh, bw, h), (w - bw, h - bh, w, h)]
    means = []
    for box in boxes:
        pixels = image.crop(box).tobytes()
        means.append(sum(pixels) / len(pixels))
    return image.size, means


def is_upright(thumb: bytes, aspect: float, ground: float = GROUND) -> bool:
    """The thumbnail shows the bright corner top-left only, at the picture's aspect ratio."""
    (w, h), (tl, *others) = corner_brightness(thumb)
    return abs(w / h - aspect) < 0.05 and tl > 230 and all(abs(c - ground) < 25 for c in others)


MID = 128  # the ground of mode_png's pictures (0 for 1-bit ones)


def mode_png(mode: str, width: int, height: int, transparent: bool = False, **options: object) -> bytes:
    """A PNG decoding to the given Pillow mode: mid grey with a white top-left corner, or with a
    transparent black corner that must come out white. 16-bit grey uses the whole 16-bit range
    (mid grey is 0x8000), so a conversion that clips instead of scaling shows."""
    corner = (0, 0, max(1, width // 4), max(1, height // 4))
    if mode.startswith("I;16"):
        image = Image.new(mode, (width, height), 0x8000)
        image.paste(0xFFFF, corner)
    elif mode == "P":
        image = Image.new("P", (width, height), 1)
        image.putpalette([255, 255, 255, MID, MID, MID, 0, 0, 0])
        image.paste(2 if transparent else 0, corner)
        if transparent:
            options = {"transparency": 2, **options}
    elif mode == "1":
        image = Image.new("1", (width, height), 0)
        image.paste(1, corner)
    elif mode in ("LA", "RGBA"):
        image = Image.new(mode, (width, height), (MID,) * (len(mode) - 1) + (255,))
        image.paste((0,) * len(mode), corner)  # transparent black
    else:
        image = Image.new(mode, (width, height), (MID,) * len(mode))
        image.paste((0,) * len(mode) if transparent else (255,) * len(mode), corner)
        if transparent:
            options = {"transparency": 0 if mode == "L" else (0, 0, 0), **options}
    return encode(image, "PNG", **options)


def _ifd(entries: list[tuple[int, int, int, bytes]], offset: int, next_ifd: int = 0) -> bytes:
    """A little-endian TIFF IFD at `offset`: (tag, type, count, value bytes) entries, values
    longer than four bytes laid out after the directory."""
    head = struct.pack("<H", len(entries))
    data_at = offset + 2 + 12 * len(entries) + 4
    table, extra = b"", b""
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            table += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\x00")
        else:
            table += struct.pack("<HHII", tag, kind, count, data_at + len(extra))
            extra += value + (b"\x00" if len(value) % 2 else b"")
    return head + table + struct.pack("<I", next_ifd) + extra


def raw_exif(
    ifd0: list[tuple[int, int, int, bytes]] | None = None,
    exif_ifd: list[tuple[int, int, int, bytes]] | None = None,
    gps_ifd: list[tuple[int, int, int, bytes]] | None = None,
) -> bytes:
    """EXIF bytes ("Exif\\0\\0" + TIFF) written by hand, so that values no camera library would
    write (wrong types, wrong counts, NUL in text, zero denominators) can be made."""
    entries = list(ifd0 or [])
    subs = [(tag, sub) for tag, sub in ((0x8769, exif_ifd), (0x8825, gps_ifd)) if sub is not None]
    # sub-IFD pointers are inline LONGs, so IFD0's size is known before their values are
    size0 = len(_ifd([*entries, *[(tag, 4, 1, bytes(4)) for tag, _ in subs]], 8))
    tail = b""
    for tag, sub in subs:
        at = 8 + size0 + len(tail)
        entries.append((tag, 4, 1, struct.pack("<I", at)))
        tail += _ifd(sub, at)
    return b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", 8) + _ifd(sorted(entries), 8) + tail


def ascii_entry(tag: int, text: bytes) -> tuple[int, int, int, bytes]:
    return (tag, 2, len(text), text)


def rational_entry(tag: int, pairs: list[tuple[int, int]]) -> tuple[int, int, int, bytes]:
    return (tag, 5, len(pairs), b"".join(struct.pack("<II", n, d) for n, d in pairs))


def short_entry(tag: int, value: int) -> tuple[int, int, int, bytes]:
    return (tag, 3, 1, struct.pack("<H", value))


def jpeg_with_exif(exif: bytes, width: int = 120, height: int = 90) -> bytes:
    """A JPEG carrying exactly these EXIF bytes (APP1)."""
    return encode(marked(width, height).convert("RGB"), "JPEG", quality=85, exif=exif)


def gps_exif(lat: list[tuple[int, int]], lon: list[tuple[int, int]], lat_ref: bytes = b"N\x00") -> bytes:
    return raw_exif(
        gps_ifd=[
            ascii_entry(1, lat_ref),
            rational_entry(2, lat),
            ascii_entry(3, b"E\x00"),
            rational_entry(4, lon),
        ]
    )


def multipart(fields: dict[str, bytes], file_header: bytes, data: bytes, boundary: bytes) -> bytes:
    """A multipart/form-data body written byte by byte: the file part's Content-Disposition and
    Content-Type come as given, so names with any bytes (invalid UTF-8, NUL, CR) can be sent."""
    parts = [
        b"--"
        + boundary
        + b'\r\nContent-Disposition: form-data; name="'
        + name.encode()
        + b'"\r\n\r\n'
        + value
        for name, value in fields.items()
    ]
    parts.append(b"--" + boundary + b"\r\n" + file_header + b"\r\n\r\n" + data)
    return b"\r\n".join(parts) + b"\r\n--" + boundary + b"--\r\n"


# --- PNG written chunk by chunk: bit depths, interlacing and chunks Pillow does not write ---------

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # PNG colour type: samples per pixel


def png_chunk(kind: bytes, body: bytes, crc: int | None = None) -> bytes:
    check = zlib.crc32(kind + body) if crc is None else crc
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", check & 0xFFFFFFFF)


def _row(values: list[tuple[int, ...]], depth: int) -> bytes:
    if depth >= 8:
        size = depth // 8
        return b"".join(v.to_bytes(size, "big") for pixel in values for v in pixel)
    bits = "".join(format(pixel[0], f"0{depth}b") for pixel in values)
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big") if bits else b""


def raw_png(
    width: int,
    height: int,
    depth: int,
    colour: int,
    pixel: Callable[[int, int], tuple[int, ...]],
    interlaced: bool = False,
    before_data: list[bytes] | None = None,
    palette: bytes | None = None,
    width_in_header: int | None = None,
    height_in_header: int | None = None,
) -> bytes:
    """A PNG of any bit depth and colour type, optionally Adam7-interlaced, with extra chunks
    (already framed with png_chunk) before the image data; the header may lie about the size."""
    header = struct.pack(
        ">IIBBBBB",
        width if width_in_header is None else width_in_header,
        height if height_in_header is None else height_in_header,
        depth,
        colour,
        0,
        0,
        1 if interlaced else 0,
    )
    passes = ADAM7 if interlaced else [(0, 0, 1, 1)]
    raw = b""
    for x0, y0, dx, dy in passes:
        xs, ys = range(x0, width, dx), range(y0, height, dy)
        if not xs or not ys:
            continue
        for y in ys:
            raw += b"\x00" + _row([pixel(x, y) for x in xs], depth)
    chunks = [png_chunk(b"IHDR", header)]
    if palette is not None:
        chunks.append(png_chunk(b"PLTE", palette))
    chunks += before_data or []
    chunks += [png_chunk(b"IDAT", zlib.compress(raw, 9)), png_chunk(b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def with_exif_offset(data: bytes, offset: str) -> bytes:
    """The same JPEG with OffsetTimeOriginal written beside its DateTimeOriginal."""
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    exif.get_ifd(Base.ExifOffset)[Base.OffsetTimeOriginal] = offset
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()
