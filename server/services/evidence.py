"""Photo evidence: checked uploads, idempotent by the device's upload id, stored before they are
referenced, flagged for the reviewer where something looks wrong, retained once approved, and
reconciled against the store on demand.

Order of an upload: every check on the bytes first (size, digest, type by content, pixel limit,
full decode); then the original and its thumbnail go to the store; only then is the row written.
A store that is down or stalls answers within its configured timeouts and becomes a 503 the
device retries; nothing is then referenced that is not stored. A crash between the store write
and the row leaves an orphan object, which `storage verify` lists.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from server.db import evidence as queries
from server.db.models import Evidence, Facility, Inspection
from server.domain import workflow
from server.domain.access import Principal
from server.domain.errors import DomainError
from server.domain.evidence import Place, flags_for, parse_claimed_time, parse_exif_time
from server.extensions import db
from server.services import audit
from server.services.inspections import checklist_of, load, not_found, participants
from server.settings import Settings
from server.storage import EvidenceStore, ObjectMissing, StoreError
from server.storage.images import process_photo

SHA256 = re.compile(r"^[0-9a-f]{64}$")
RETRY_AFTER = 10


def _store() -> EvidenceStore:
    return current_app.extensions["evidence_store"]  # type: ignore[no-any-return]


def unavailable(exc: Exception) -> DomainError:
    current_app.logger.warning("evidence store unavailable: %s", exc)
    return DomainError(
        "storage.unavailable",
        "the evidence store is unavailable; retry shortly",
        status=503,
        retry_after=RETRY_AFTER,
    )


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
        raise DomainError(
            "evidence.upload_id_reused", "this upload id was already used for another photo", status=409
        )
    if principal.user_id not in participants(inspection):
        raise DomainError(
            "evidence.not_assigned", "only the inspection's inspectors attach photos", status=403
        )
    if inspection.status not in workflow.EDITABLE:
        raise DomainError(
            "evidence.frozen", "the inspection was submitted; its photos are frozen", status=409
        )
    if item_id not in checklist_of(inspection).item_map():
        raise DomainError(
            "evidence.unknown_item", f"no item {item_id!r} in this checklist version", status=422
        )
    if len(data) > settings.max_photo_bytes:
        raise DomainError(
            "evidence.too_large", f"a photo may have at most {settings.max_photo_bytes} bytes", status=413
        )
    if not SHA256.match(sha256.lower()):
        raise DomainError("evidence.invalid_digest", "sha256 must be 64 hexadecimal characters", status=422)
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256.lower():
        raise DomainError(
            "evidence.digest_mismatch", "the bytes do not match the sha256 sent with them", status=422
        )
    info, thumb = process_photo(data, settings.max_photo_pixels, settings.thumbnail_edge)

    facility = db.session.get(Facility, inspection.facility_id)
    assert facility is not None
    facility_place = (
        Place(facility.latitude, facility.longitude)
        if facility.latitude is not None and facility.longitude is not None
        else None
    )
    claimed_place = (
        Place(claims.latitude, claims.longitude)
        if claims.latitude is not None and claims.longitude is not None
        else None
    )
    exif_place = (
        Place(info.exif_latitude, info.exif_longitude)
        if info.exif_latitude is not None and info.exif_longitude is not None
        else None
    )
    flags = flags_for(
        visit_day=inspection.inspection_date,
        facility=facility_place,
        claimed_time=parse_claimed_time(claims.captured_at),
        exif_time=parse_exif_time(info.exif_time),
        claimed_place=claimed_place,
        exif_place=exif_place,
        used_elsewhere=queries.digest_used_for_other_facility(actual, facility.id),
        max_distance_m=settings.photo_max_distance_m,
    )

    name = uuid.uuid4().hex
    extension = "png" if info.content_type == "image/png" else "jpg"
    key = f"evidence/{inspection.id}/{name}.{extension}"
    thumb_key = f"thumbs/{inspection.id}/{name}.jpg"
    thumb_sha256 = hashlib.sha256(thumb).hexdigest()
    metadata = {
        "upload-id": upload_id,
        "inspection": str(inspection.id),
        "item": urllib.parse.quote(item_id),
        "original-name": urllib.parse.quote(original_name or "", safe=""),
    }
    store = _store()
    try:
        store.put(key, data, actual, info.content_type, metadata)
        store.put(thumb_key, thumb, thumb_sha256, "image/jpeg", {"original": key})
    except StoreError as exc:
        raise unavailable(exc) from exc

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
        original_name=(original_name or None) and original_name[:255],
        thumb_key=thumb_key,
        thumb_sha256=thumb_sha256,
        thumb_size=len(thumb),
        claimed_captured_at=claims.captured_at,
        claimed_latitude=claims.latitude,
        claimed_longitude=claims.longitude,
        exif_captured_at=info.exif_time,
        exif_latitude=info.exif_latitude,
        exif_longitude=info.exif_longitude,
        flags=flags,
        status="verified",
        uploaded_by=principal.user_id,
        created_at=now,
    )
    db.session.add(row)
    try:
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
        # the same upload id won a race on another connection: keep that one, drop ours
        db.session.rollback()
        for stored in (key, thumb_key):
            with contextlib.suppress(StoreError, ObjectMissing):  # else an orphan: storage verify lists it
                store.delete(stored)
        winner = queries.by_upload_id(upload_id)
        if winner is None:
            raise
        return winner, False
    return row, True


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
        raise DomainError("evidence.missing", "the photo is missing from the store", status=410) from exc
    except StoreError as exc:
        raise unavailable(exc) from exc
    if thumbnail and row.thumb_key:
        return Download(chunks, "image/jpeg", row.thumb_size, f"evidence-{row.id}-thumb.jpg")
    extension = "png" if row.content_type == "image/png" else "jpg"
    return Download(chunks, row.content_type, row.size, f"evidence-{row.id}.{extension}")


def retain_for_approval(inspection: Inspection, until: dt.datetime) -> int:
    """Put every photo of an approved inspection (and its thumbnail) under retention."""
    store = _store()
    rows = queries.of_inspection(inspection.id)
    try:
        for row in rows:
            for key in (row.object_key, row.thumb_key):
                if key:
                    store.retain(key, until)
            if row.retained_until is None or _aware(row.retained_until) < until:
                row.retained_until = until
    except ObjectMissing as exc:
        raise DomainError(
            "evidence.missing", f"a photo is missing from the store: {exc}", status=409
        ) from exc
    except StoreError as exc:
        raise unavailable(exc) from exc
    return len(rows)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


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
        raise DomainError(
            "storage.no_object_lock",
            "the bucket exists without object lock; create a new bucket (object lock is set at creation)",
            status=409,
        )
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
