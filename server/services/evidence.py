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
import json
import logging
import random
import re
import secrets
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from server import registry
from server.db import evidence as queries
from server.db.models import Evidence, Facility
from server.domain import workflow
from server.domain.access import Principal
from server.domain.errors import DomainError
from server.domain.evidence import (
    flags_for,
    place_or_none,
)
from server.domain.verification import OutOfOrder, detection_chance, reservoir, sample_size, unreferenced
from server.extensions import db
from server.services import audit, photos
from server.services.inspections import checklist_of, load, not_found, participants
from server.services.retention import unavailable
from server.settings import Settings
from server.storage import EvidenceStore, ObjectMissing, StoreError

SHA256 = re.compile(r"^[0-9a-f]{64}$")
NAME_MAX = 255  # the original_name column
TIME_TEXT_MAX = 40  # claimed_captured_at and exif_captured_at

log = logging.getLogger(__name__)


def _store() -> EvidenceStore:
    return registry.evidence_store()


# The device's claims on a photo, as the pipeline takes them (kept here for the callers of upload).
Claims = photos.Claims


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
    photo = photos.check(settings, data, sha256, original_name, claims)

    facility = db.session.get(Facility, inspection.facility_id)
    assert facility is not None
    flags = flags_for(
        visit_day=inspection.inspection_date,
        facility=place_or_none(facility.latitude, facility.longitude),
        claimed_time=photo.claimed_at,
        exif_time=photo.exif_at,
        claimed_place=photo.claimed_place,
        exif_place=photo.exif_place,
        used_elsewhere=queries.digest_used_for_other_facility(photo.sha256, facility.id),
        max_distance_m=settings.photo_max_distance_m,
        exif_place_invalid=photo.exif_place_invalid,
    )
    keys = photos.fresh_keys("evidence", "thumbs", inspection.id, photo)
    photos.put(
        photo,
        keys,
        {
            "upload-id": upload_id,
            "inspection": str(inspection.id),
            "item": urllib.parse.quote(item_id),
            "original-name": urllib.parse.quote(photo.name or "", safe=""),
        },
    )

    def commit() -> Evidence:
        row = Evidence(
            inspection_id=inspection.id,
            facility_id=facility.id,
            item_id=item_id,
            upload_id=upload_id,
            kind="photo",
            **photos.columns(photo, keys),
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
            after={"inspection": inspection.id, "item": item_id, "sha256": photo.sha256, "flags": flags},
            ip=ip,
        )
        db.session.commit()
        return row

    def winner() -> Evidence | None:
        won = queries.by_upload_id(upload_id)
        if won is not None and (won.inspection_id, won.item_id, won.sha256) != (
            inspection.id,
            item_id,
            photo.sha256,
        ):
            raise DomainError("evidence.upload_id_reused") from None
        return won

    return photos.write(keys, commit, winner, queries.object_referenced)


def listing(principal: Principal, inspection_id: int) -> list[Evidence]:
    inspection = load(principal, inspection_id)
    return queries.of_inspection(inspection.id)


# A photo's bytes as the API streams them (kept here for the callers of content).
Download = photos.Download


def content(principal: Principal, evidence_id: int, thumbnail: bool) -> Download:
    row = queries.by_id(evidence_id)
    if row is None:
        raise not_found()
    load(principal, row.inspection_id)  # the same scope as the inspection, on every request
    if thumbnail and row.thumb_key:
        return photos.download(row.thumb_key, "image/jpeg", row.thumb_size, f"evidence-{row.id}-thumb.jpg")
    extension = "png" if row.content_type == "image/png" else "jpg"
    return photos.download(row.object_key, row.content_type, row.size, f"evidence-{row.id}.{extension}")


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


# --- reconciling the store with the database --------------------------------------------------

RUN_PREFIX = "verify-runs/storage/"  # one small JSON object per clean run: what it checked, when
# where photos live (inspection evidence, rectification fixes), in byte order; reports, anchors and
# job results live elsewhere
ORPHAN_PREFIXES = ("evidence/", "rectification-thumbs/", "rectifications/", "thumbs/")
LISTED_MAX = 1000  # problems named per kind; beyond that they are counted
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Sample:
    size: int  # objects drawn and checked
    population: int  # objects there were to draw from
    seed: int  # draws the same sample again from the same rows
    confidence: float | None  # the confidence and tolerance asked for, when a size was derived
    tolerance: float | None

    def statement(self) -> str:
        """What the sample shows, in plain words."""
        if self.size >= self.population:
            return f"all {self.population} objects were checked: this is not an estimate"
        if self.confidence is None or self.tolerance is None:
            return (
                f"a random sample of {self.size} of {self.population} objects "
                "(no confidence was asked for: give --confidence and --tolerance for a stated one)"
            )
        chance = detection_chance(self.size, self.population, self.tolerance)
        return (
            f"a random sample of {self.size} of {self.population} objects: if at least "
            f"{self.tolerance:.4%} of all objects were missing or altered, a sample this size would "
            f"have found at least one with probability {chance:.2%} "
            f"(asked for at least {self.confidence:.0%})"
        )


@dataclass
class StoreReport:
    mode: str  # "all", "since-last" or "sample"
    checked: int = 0  # objects fetched and hashed
    rows: int = 0  # evidence rows they belong to
    missing: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"missing": 0, "mismatched": 0, "orphaned": 0})
    orphans_checked: bool = False
    seconds: float = 0.0
    since: dict[str, Any] | None = None  # the run checkpoint --since-last started after
    sample: Sample | None = None
    checkpoint: str | None = None  # the run checkpoint this run wrote

    def add(self, kind: str, text: str) -> None:
        self.counts[kind] += 1
        listed = getattr(self, kind)
        if len(listed) < LISTED_MAX:
            listed.append(text)

    @property
    def problems(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class _Task:
    evidence_id: int
    key: str
    sha256: str | None


def _tasks(rows: Iterator[Any]) -> Iterator[_Task]:
    for row in rows:
        yield _Task(row.id, row.object_key, row.sha256)
        if row.thumb_key:
            yield _Task(row.id, row.thumb_key, row.thumb_sha256)


def _rows(after_id: int, batch: int, seen: list[int]) -> Iterator[Any]:
    """Rows in id order; `seen` gets [count, highest id] as they pass."""
    for rows in queries.check_batches(after_id, batch):
        seen[0] += len(rows)
        seen[1] = rows[-1].id
        yield from rows


def _check_object(store: EvidenceStore, task: _Task) -> str | None:
    """None when the object is there with its digest; else "missing" or "mismatched"."""
    digest = hashlib.sha256()
    try:
        for chunk in store.stream(task.key, 256 * 1024):
            digest.update(chunk)
    except ObjectMissing:
        return "missing"
    if task.sha256 and digest.hexdigest() != task.sha256:
        return "mismatched"
    return None


def _check_all(
    store: EvidenceStore,
    tasks: Iterable[_Task],
    workers: int,
    report: StoreReport,
    total: int,
    progress: Progress | None,
) -> None:
    """Hash the objects on `workers` threads with at most twice that many in flight, so that the
    stream of tasks is read only as fast as it is checked (one boto3 client is thread-safe)."""

    def collect(done: set[Future[str | None]]) -> None:
        for future in done:
            task = in_flight.pop(future)
            outcome = future.result()  # a StoreError ends the run
            report.checked += 1
            if outcome is not None:
                report.add(outcome, f"{task.key} (evidence {task.evidence_id})")
        if progress is not None:
            progress(report.checked, max(total, report.checked))

    in_flight: dict[Future[str | None], _Task] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="verify") as pool:
        try:
            for task in tasks:
                if len(in_flight) >= 2 * workers:
                    done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    collect(done)
                in_flight[pool.submit(_check_object, store, task)] = task
            while in_flight:
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                collect(done)
        except BaseException:
            for future in in_flight:
                future.cancel()
            raise


def _listed_keys(store: EvidenceStore) -> Iterator[str]:
    for prefix in ORPHAN_PREFIXES:  # in byte order: each prefix's keys sort before the next one's
        yield from store.keys(prefix)


def _last_run(store: EvidenceStore) -> dict[str, Any] | None:
    newest = None
    for key in store.keys(RUN_PREFIX):  # keys sort by the highest id checked
        newest = key
    if newest is None:
        return None
    data: dict[str, Any] = json.loads(store.get(newest))
    return data


def _record_run(store: EvidenceStore, highest_id: int, now: dt.datetime, mode: str) -> str | None:
    key = f"{RUN_PREFIX}{highest_id:012d}.json"
    if store.exists(key):
        return None
    body = json.dumps(
        {"max_evidence_id": highest_id, "finished_at": now.astimezone(dt.UTC).isoformat(), "mode": mode},
        sort_keys=True,
    ).encode("utf-8")
    store.put(key, body, hashlib.sha256(body).hexdigest(), "application/json", {"kind": "storage-verify-run"})
    return key


def verify_store(
    *,
    since_last: bool = False,
    sample: int | None = None,
    confidence: float | None = None,
    tolerance: float | None = None,
    workers: int = 8,
    batch: int = 1000,
    seed: int | None = None,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> StoreReport:
    """Re-hash referenced objects and list the missing, mismatched and orphaned ones.

    Everything by default: the rows are read in keyset batches, their objects hashed on `workers`
    threads, and orphans (objects under ORPHAN_PREFIXES no row refers to) found by merging the
    store's sorted listing with the sorted keys of the rows, neither held in memory. `since_last`
    checks only rows added since the last clean run (a small run object under verify-runs/ says
    up to which id), without the orphan listing. `sample` (or a size derived from `confidence` and
    `tolerance`) checks that many objects drawn at random from all rows. A clean run of all rows or
    of the new ones records how far it got. `progress(done, total)` follows the objects hashed."""
    clock = time.perf_counter()
    when = now or dt.datetime.now(dt.UTC)
    store = _store()
    if (confidence is None) != (tolerance is None):
        raise ValueError("a confidence needs a tolerance and a tolerance a confidence")
    if confidence is not None and tolerance is not None:
        sample = sample_size(confidence, tolerance)  # ValueError outside (0, 1): callers check
    mode = "sample" if sample is not None else "since-last" if since_last else "all"
    report = StoreReport(mode)
    seen = [0, 0]
    try:
        after_id = 0
        if mode == "since-last":
            report.since = _last_run(store)
            after_id = int(report.since["max_evidence_id"]) if report.since else 0
        if mode == "sample":
            assert sample is not None
            rng_seed = seed if seed is not None else secrets.randbits(32)
            rng = random.Random(rng_seed)  # noqa: S311 - a sample, not a secret
            drawn, population = reservoir(_tasks(_rows(0, batch, seen)), sample, rng)
            report.sample = Sample(len(drawn), population, rng_seed, confidence, tolerance)
            report.rows = len({task.evidence_id for task in drawn})
            _check_all(store, drawn, workers, report, len(drawn), progress)
        else:
            total = 2 * queries.count_after(after_id)  # an upper bound: a row may have no thumbnail
            _check_all(store, _tasks(_rows(after_id, batch, seen)), workers, report, total, progress)
            report.rows = seen[0]
        if mode == "all":
            report.orphans_checked = True
            for key in unreferenced(_listed_keys(store), queries.referenced_keys(batch)):
                report.add("orphaned", key)
        if mode != "sample" and report.problems == 0 and seen[0] > 0:
            report.checkpoint = _record_run(store, seen[1], when, mode)
    except StoreError as exc:
        raise unavailable(exc) from exc
    except OutOfOrder as exc:
        log.error("storage verify: %s", exc)
        raise DomainError("storage.listing_out_of_order") from exc
    report.seconds = time.perf_counter() - clock
    return report
