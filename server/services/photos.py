"""The one photo pipeline: what an inspection's evidence and a rectification's photos both go
through. Every check on the bytes comes first (size, digest, type by content, pixel limit, full
decode, EXIF read, text cleaned); then the original and its thumbnail go to the store; only then
is the row written, by the caller's function, in its transaction.

When the row cannot be written after the objects were stored, the objects are deleted again: at
once when the database refused the row (its keys are fresh, nothing else refers to them), and
only after a fresh query shows no row refers to them when the outcome of the commit is unknown
(the connection died during COMMIT); if even that query fails they are kept, and `storage verify`
lists them. See server/services/evidence.py for why the objects go first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from server import registry
from server.domain.errors import DomainError
from server.domain.evidence import Place, clean_text, parse_claimed_time, parse_exif_time, place_or_none
from server.extensions import db
from server.services.retention import unavailable
from server.settings import Settings
from server.storage import EvidenceStore, ObjectMissing, StoreError
from server.storage.images import process_photo

SHA256 = re.compile(r"^[0-9a-f]{64}$")
NAME_MAX = 255  # the original_name columns
TIME_TEXT_MAX = 40  # the claimed_captured_at and exif_captured_at columns

log = logging.getLogger(__name__)

T = TypeVar("T")


def megabytes(size: int) -> str:
    """A size limit as people say it: 20 MB, 0.5 MB (of 1,048,576 bytes, as phones count)."""
    return f"{round(size / 1024 / 1024, 2):g} MB"


@dataclass(frozen=True)
class Claims:
    """What the device says of a photo: when and where it was taken."""

    captured_at: str | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class Checked:
    """A photo whose bytes passed every check, with what was read from it, ready to store."""

    data: bytes
    sha256: str
    content_type: str
    width: int | None
    height: int | None
    thumb: bytes
    thumb_sha256: str
    name: str | None  # the file name the device gave, cleaned
    claimed_time: str | None
    claimed_place: Place | None
    exif_time: str | None
    exif_place: Place | None
    exif_place_invalid: bool

    @property
    def claimed_at(self) -> dt.datetime | None:
        return parse_claimed_time(self.claimed_time)

    @property
    def exif_at(self) -> dt.datetime | None:
        return parse_exif_time(self.exif_time)

    @property
    def extension(self) -> str:
        return "png" if self.content_type == "image/png" else "jpg"


def check(settings: Settings, data: bytes, sha256: str, original_name: str | None, claims: Claims) -> Checked:
    """The photo's bytes checked; a DomainError (413, 415, 422) when one check fails."""
    if len(data) > settings.max_photo_bytes:
        raise DomainError("evidence.too_large", limit=megabytes(settings.max_photo_bytes))
    if not SHA256.match(sha256.lower()):
        raise DomainError("evidence.invalid_digest")
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256.lower():
        raise DomainError("evidence.digest_mismatch")
    info, thumb = process_photo(data, settings.max_photo_pixels, settings.thumbnail_edge)
    exif_place = place_or_none(info.exif_latitude, info.exif_longitude)
    return Checked(
        data=data,
        sha256=actual,
        content_type=info.content_type,
        width=info.width,
        height=info.height,
        thumb=thumb,
        thumb_sha256=hashlib.sha256(thumb).hexdigest(),
        name=clean_text(original_name, NAME_MAX),
        claimed_time=clean_text(claims.captured_at, TIME_TEXT_MAX),
        claimed_place=place_or_none(claims.latitude, claims.longitude),
        exif_time=clean_text(info.exif_time, TIME_TEXT_MAX),
        exif_place=exif_place,
        exif_place_invalid=info.exif_place_invalid or (exif_place is None and info.exif_latitude is not None),
    )


def columns(photo: Checked, keys: tuple[str, str]) -> dict[str, Any]:
    """The columns a stored photo's row has, whichever table keeps it."""
    claimed, exif = photo.claimed_place, photo.exif_place
    return {
        "object_key": keys[0],
        "sha256": photo.sha256,
        "size": len(photo.data),
        "content_type": photo.content_type,
        "width": photo.width,
        "height": photo.height,
        "original_name": photo.name,
        "thumb_key": keys[1],
        "thumb_sha256": photo.thumb_sha256,
        "thumb_size": len(photo.thumb),
        "claimed_captured_at": photo.claimed_time,
        "claimed_latitude": claimed.latitude if claimed else None,
        "claimed_longitude": claimed.longitude if claimed else None,
        "exif_captured_at": photo.exif_time,
        "exif_latitude": exif.latitude if exif else None,
        "exif_longitude": exif.longitude if exif else None,
    }


def fresh_keys(folder: str, thumbs: str, owner: int, photo: Checked) -> tuple[str, str]:
    """New keys of a photo and its thumbnail: `folder/owner/<random>.ext`, `thumbs/owner/<random>.jpg`."""
    name = uuid.uuid4().hex
    return f"{folder}/{owner}/{name}.{photo.extension}", f"{thumbs}/{owner}/{name}.jpg"


def store() -> EvidenceStore:
    return registry.evidence_store()


def put(photo: Checked, keys: tuple[str, str], metadata: dict[str, str]) -> None:
    """The original and its thumbnail into the store; a store that fails becomes a 503 the
    device retries (an original stored without its thumbnail is an orphan storage verify lists)."""
    target = store()
    key, thumb_key = keys
    try:
        target.put(key, photo.data, photo.sha256, photo.content_type, metadata)
        target.put(thumb_key, photo.thumb, photo.thumb_sha256, "image/jpeg", {"original": key})
    except StoreError as exc:
        raise unavailable(exc) from exc


def write(
    keys: tuple[str, str],
    commit: Callable[[], T],
    winner: Callable[[], T | None],
    referenced: Callable[[str], bool],
) -> tuple[T, bool]:
    """Writes the row of stored objects: (row, created). `commit` adds the row and commits;
    refused by the database (most likely the same upload id won a race on another connection),
    the objects are deleted and `winner` gives the row that won (it raises when that row is not
    this photo; None: the refusal was something else, which goes on). Any other failure deletes
    the objects only when `referenced` shows no row refers to the original."""
    target = store()
    try:
        return commit(), True
    except IntegrityError:
        rollback()
        discard(target, keys)
        won = winner()
        if won is None:
            raise
        return won, False
    except BaseException:
        rollback()
        _discard_unless_referenced(target, keys, referenced)
        raise


def _discard_unless_referenced(
    target: EvidenceStore, keys: tuple[str, str], referenced: Callable[[str], bool]
) -> None:
    """After a failed write whose outcome may be unknown (a connection lost during COMMIT):
    delete the objects only when a fresh query shows that no row refers to them."""
    try:
        kept = referenced(keys[0])
    except Exception as exc:
        log.warning("cannot tell whether %s is referenced, keeping it: %s", keys[0], exc)
        rollback()
        return
    if not kept:
        discard(target, keys)


@dataclass(frozen=True)
class Download:
    """A stored photo's bytes as the API streams them."""

    chunks: Iterator[bytes]
    content_type: str
    size: int | None
    filename: str


def download(key: str, content_type: str, size: int | None, filename: str) -> Download:
    """The stored object as a download; 410 when the store has lost it, 503 when it is down."""
    try:
        chunks = store().stream(key)
    except ObjectMissing as exc:
        raise DomainError("evidence.missing") from exc
    except StoreError as exc:
        raise unavailable(exc) from exc
    return Download(chunks, content_type, size, filename)


def rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: a fresh session takes over
        db.session.remove()


def discard(target: EvidenceStore, keys: tuple[str, ...]) -> None:
    """Delete objects no row refers to; one that cannot be deleted stays an orphan, which
    storage verify lists."""
    for stored in keys:
        try:
            target.delete(stored)
        except ObjectMissing:
            pass
        except Exception as exc:  # a clean-up never hides the error that called for it
            log.warning("could not delete the unreferenced object %s: %s", stored, exc)
