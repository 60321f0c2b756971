"""Photo evidence: checked uploads, idempotent by the device's upload id, stored before they are
referenced, flagged for the reviewer where something looks wrong, retained once approved, and
reconciled against the store on demand.

Order of an upload: every check on the bytes first (size, digest, type by content, pixel limit,
full decode); then the original and its thumbnail go to the store; only then is the row written.
A store that is down or stalls answers within its configured timeouts and becomes a 503 the
device retries; nothing is then referenced that is not stored.

When the row cannot be written after the objects were stored (the database went away, a
constraint, any exception), the two objects are deleted again before the error goes on: their
keys are fresh, so nothing else can refer to them. Only when the outcome of the commit itself is
unknown (the connection died during COMMIT) could a row exist after all, so the objects are
deleted only once a fresh query shows no row refers to them; if even that query fails they are
kept. The objects can therefore be left behind only by a crash of the process between the store
write and the commit, by a store that fails in the middle of the two writes, or by a database
that cannot be asked: `storage verify` lists such orphans.

The alternative, writing the row first as "pending" and the objects after, would need a second
commit per photo, a status every reader of evidence must filter on, and a sweeper for pending
rows a crash leaves behind; it trades orphan objects for orphan rows, which are worse: a row is
what a report cites.

Text that reaches a column (the file name, the claimed time, EXIF text) is cleaned and bounded
here as well, whatever the HTTP layer checked: no NUL, no control or bidi characters, no lone
surrogates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from server import registry
from server.db import evidence as queries
from server.db.models import Evidence, Facility
from server.domain import workflow
from server.domain.access import Principal
from server.domain.errors import DomainError
from server.domain.evidence import (
    clean_text,
    flags_for,
    parse_claimed_time,
    parse_exif_time,
    place_or_none,
)
from server.extensions import db
from server.services import audit
from server.services.inspections import checklist_of, load, not_found, participants
from server.services.retention import unavailable
from server.settings import Settings
from server.storage import EvidenceStore, ObjectMissing, StoreError
from server.storage.images import process_photo

SHA256 = re.compile(r"^[0-9a-f]{64}$")
NAME_MAX = 255  # the original_name column
TIME_TEXT_MAX = 40  # claimed_captured_at and exif_captured_at

log = logging.getLogger(__name__)


def _store() -> EvidenceStore:
    return registry.evidence_store()


def megabytes(size: int) -> str:
    """A size limit as people say it: 20 MB, 0.5 MB (of 1,048,576 bytes, as phones count)."""
    return f"{round(size / 1024 / 1024, 2):g} MB"


@dataclass(frozen=True)
class Claims:
    captured_at: str | None
    latitude: float | None
    longitude: float | None


def upload(
    settings: Settings,
    principal: Principal,
    inspection_id: int,
    item_id: str,
    upload_id: str,
    data: bytes,
    sha256: str,
    original_name: str | None,
    claims: Claims,
    now: dt.datetime,
    ip: str | None,
) -> tuple[Evidence, bool]:
    """Store one photo; (evidence, created). A retry with the same upload id returns the first."""
    inspection = load(principal, inspection_id)
    existing = queries.by_upload_id(upload_id)
    if existing is not None:
        if (existing.inspection_id, existing.item_id, existing.sha256) == (
            inspection.id,
            item_id,
            sha256.lower(),
        ):
            return existing, False
        raise DomainError("evidence.upload_id_reused")
    if principal.user_id not in participants(inspection):
        raise DomainError("evidence.not_assigned")
    if inspection.status not in workflow.EDITABLE:
        raise DomainError("evidence.frozen")
    if item_id not in checklist_of(inspection).item_map():
        raise DomainError("evidence.unknown_item", item_id=item_id[:64])
    if len(data) > settings.max_photo_bytes:
        raise DomainError("evidence.too_large", limit=megabytes(settings.max_photo_bytes))
    if not SHA256.match(sha256.lower()):
        raise DomainError("evidence.invalid_digest")
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256.lower():
        raise DomainError("evidence.digest_mismatch")
    info, thumb = process_photo(data, settings.max_photo_pixels, settings.thumbnail_edge)

    facility = db.session.get(Facility, inspection.facility_id)
    assert facility is not None
    claimed_place = place_or_none(claims.latitude, claims.longitude)
    claimed_time = clean_text(claims.captured_at, TIME_TEXT_MAX)
    exif_time = clean_text(info.exif_time, TIME_TEXT_MAX)
    exif_place = place_or_none(info.exif_latitude, info.exif_longitude)
    flags = flags_for(
        visit_day=inspection.inspection_date,
        facility=place_or_none(facility.latitude, facility.longitude),
        claimed_time=parse_claimed_time(claimed_time),
        exif_time=parse_exif_time(exif_time),
        claimed_place=claimed_place,
        exif_place=exif_place,
        used_elsewhere=queries.digest_used_for_other_facility(actual, facility.id),
        max_distance_m=settings.photo_max_distance_m,
        exif_place_invalid=info.exif_place_invalid or (exif_place is None and info.exif_latitude is not None),
    )
    name_text = clean_text(original_name, NAME_MAX)

    name = uuid.uuid4().hex
    extension = "png" if info.content_type == "image/png" else "jpg"
    key = f"evidence/{inspection.id}/{name}.{extension}"
    thumb_key = f"thumbs/{inspection.id}/{name}.jpg"
    thumb_sha256 = hashlib.sha256(thumb).hexdigest()
    metadata = {
        "upload-id": upload_id,
        "inspection": str(inspection.id),
        "item": urllib.parse.quote(item_id),
        "original-name": urllib.parse.quote(name_text or "", safe=""),
    }
    store = _store()
    try:
        store.put(key, data, actual, info.content_type, metadata)
        store.put(thumb_key, thumb, thumb_sha256, "image/jpeg", {"original": key})
    except StoreError as exc:
        # the store is failing: no clean-up against it now; an original stored without its
        # thumbnail is an orphan that storage verify lists
        raise unavailable(exc) from exc

    keys = (key, thumb_key)
    try:
        row = Evidence(
            inspection_id=inspection.id,
            facility_id=facility.id,
            item_id=item_id,
            upload_id=upload_id,
            kind="photo",
            object_key=key,
            sha256=actual,
            size=len(data),
            content_type=info.content_type,
            width=info.width,
            height=info.height,
            original_name=name_text,
            thumb_key=thumb_key,
            thumb_sha256=thumb_sha256,
            thumb_size=len(thumb),
            claimed_captured_at=claimed_time,
            claimed_latitude=claimed_place.latitude if claimed_place else None,
            claimed_longitude=claimed_place.longitude if claimed_place else None,
            exif_captured_at=exif_time,
            exif_latitude=exif_place.latitude if exif_place else None,
            exif_longitude=exif_place.longitude if exif_place else None,
            flags=flags,
            status="verified",
            uploaded_by=principal.user_id,
            created_at=now,
        )
        db.session.add(row)
        db.session.flush()
        audit.record(
            "evidence.upload",
            actor_id=principal.user_id,
            actor=principal.username,
            target_type="evidence",
            target_id=row.id,
            after={"inspection": inspection.id, "item": item_id, "sha256": actual, "flags": flags},
            ip=ip,
        )
        db.session.commit()
    except IntegrityError:
        # refused by the database, so certainly not written; most likely the same upload id won a
        # race on another connection: keep that one, drop ours
        _rollback()
        _discard(store, keys)
        winner = queries.by_upload_id(upload_id)
        if winner is None:
            raise
        if (winner.inspection_id, winner.item_id, winner.sha256) != (inspection.id, item_id, actual):
            raise DomainError("evidence.upload_id_reused") from None
        return winner, False
    except BaseException:
        _rollback()
        _discard_unless_referenced(store, keys)
        raise
    return row, True


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: a fresh session takes over
        db.session.remove()


def _discard(store: EvidenceStore, keys: tuple[str, ...]) -> None:
    """Delete objects no row refers to; one that cannot be deleted stays an orphan, which
    storage verify lists."""
    for stored in keys:
        try:
            store.delete(stored)
        except ObjectMissing:
            pass
        except Exception as exc:  # a clean-up never hides the error that called for it
            log.warning("could not delete the unreferenced object %s: %s", stored, exc)


def _discard_unless_referenced(store: EvidenceStore, keys: tuple[str, ...]) -> None:
    """After a failed write whose outcome may be unknown (a connection lost during COMMIT):
    delete the objects only when a fresh query shows that no row refers to them."""
    try:
        referenced = queries.object_referenced(keys[0])
    except Exception as exc:
        log.warning("cannot tell whether %s is referenced, keeping it: %s", keys[0], exc)
        _rollback()
        return
    if not referenced:
        _discard(store, keys)


def listing(principal: Principal, inspection_id: int) -> list[Evidence]:
    inspection = load(principal, inspection_id)
    return queries.of_inspection(inspection.id)


@dataclass(frozen=True)
class Download:
    chunks: Iterator[bytes]
    content_type: str
    size: int | None
    filename: str


def content(principal: Principal, evidence_id: int, thumbnail: bool) -> Download:
    row = queries.by_id(evidence_id)
    if row is None:
        raise not_found()
    load(principal, row.inspection_id)  # the same scope as the inspection, on every request
    key = row.thumb_key if thumbnail and row.thumb_key else row.object_key
    try:
        chunks = _store().stream(key)
    except ObjectMissing as exc:
        raise DomainError("evidence.missing") from exc
    except StoreError as exc:
        raise unavailable(exc) from exc
    if thumbnail and row.thumb_key:
        return Download(chunks, "image/jpeg", row.thumb_size, f"evidence-{row.id}-thumb.jpg")
    extension = "png" if row.content_type == "image/png" else "jpg"
    return Download(chunks, row.content_type, row.size, f"evidence-{row.id}.{extension}")


# --- operations ----------------------------------------------------------------------------------


def init_store() -> dict[str, Any]:
    """Create the S3 bucket with versioning and object lock (idempotent); check the local store."""
    store = _store()
    try:
        ensure = getattr(store, "ensure_bucket", None)
        if ensure is None:
            store.ping()
            return {"backend": store.backend, "created": False, "object_lock": False}
        created = ensure(object_lock=True)
        locked = store.object_lock_enabled()  # type: ignore[attr-defined]
    except StoreError as exc:
        raise unavailable(exc) from exc
    if not locked:
        raise DomainError("storage.no_object_lock")
    return {"backend": store.backend, "created": created, "object_lock": True}


def verify_store() -> dict[str, list[str]]:
    """Re-hash every referenced object; list the missing, mismatched and orphaned ones."""
    store = _store()
    missing: list[str] = []
    mismatched: list[str] = []
    referenced: set[str] = set()
    try:
        for row in queries.all_rows():
            for key, digest in ((row.object_key, row.sha256), (row.thumb_key, row.thumb_sha256)):
                if not key:
                    continue
                referenced.add(key)
                try:
                    data = store.get(key)
                except ObjectMissing:
                    missing.append(f"{key} (evidence {row.id})")
                    continue
                if digest and hashlib.sha256(data).hexdigest() != digest:
                    mismatched.append(f"{key} (evidence {row.id})")
        orphaned = [
            key for prefix in ("evidence/", "thumbs/") for key in store.keys(prefix) if key not in referenced
        ]
    except StoreError as exc:
        raise unavailable(exc) from exc
    return {"checked": sorted(referenced), "missing": missing, "mismatched": mismatched, "orphaned": orphaned}
