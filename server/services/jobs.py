"""Background jobs: heavy work (a province's payout sheet, a report rendered on approval, a
verification) done outside any web request, with a state, progress and a result to download.

`submit` writes the job row and hands the job to procrastinate's queue in the caller's
transaction (server.db.jobs.defer), so the job exists exactly when the data it is about does. A
worker (`flask jobs worker`, server.services.job_worker) runs each job in a child process with a
memory and a time limit; `execute` is what that child does. On SQLite, which has no queue, jobs
run inline right after the caller commits.

A run publishes its result only at the end: the file goes into the evidence store under a key of
its own attempt, and the job row is marked succeeded with that key in one update fenced by the
attempt number. A run killed half-way leaves the row queued or running and at most an orphaned
object of its attempt (removed when a later attempt succeeds): nothing partial is ever served,
and a retried job is still one job with one result.

The same work asked for again while a job for it is queued or running is that job (one active
job per key). Handlers may also reuse the result of an earlier job of the same key whose content
is the same (`Output.reuse`), so an unchanged sheet is not rendered twice.

Who sees a job: the user who started it, and users whose region contains the job's region and
whose role may do that kind of work (`KIND_POLICY`). Anyone else is answered as if it did not
exist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from server import registry
from server.db import jobs as queries
from server.db.models import Job
from server.domain import catalog, labels
from server.domain.access import Principal, allowed
from server.domain.errors import DomainError
from server.extensions import db
from server.services import audit
from server.services.retention import unavailable
from server.storage import ObjectMissing, StoreError

log = logging.getLogger(__name__)

RESULT_PREFIX = "jobs/"
MAX_ATTEMPTS = 3  # runs of one job, the first included, before it is failed for good
PROGRESS_EVERY = 1.0  # seconds between two progress writes of a run

# The endpoint whose roles may see each kind of job started by others, in the policy table.
KIND_POLICY = {
    "payout_sheet": "payouts.sheet",
    "report": "jobs.get",
    "audit_verify": "audit.list",
    "storage_verify": "audit.list",
    "plan": "plans.create",
    "import": "imports.run",
    "results_export": "exports.results",
}


class Progress(Protocol):
    def __call__(self, done: int, total: int, stage: str | None = None) -> None: ...


@dataclass(frozen=True)
class Stored:
    """An object already in the evidence store (a report's PDF, say) that is the job's result."""

    key: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Output:
    """What a handler produced: a file written at `path`; or the result of an earlier job with the
    same content (`reuse`); or an object already stored (`stored`); or no file at all, for work
    whose result is what it wrote to the database (a plan's inspections). `meta` is kept with the
    job (e.g. the sheet's digest)."""

    filename: str = ""
    content_type: str = ""
    path: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    reuse: Job | None = None
    stored: Stored | None = None

    @property
    def new_object(self) -> bool:
        return self.reuse is None and self.stored is None and self.path is not None


Handler = Callable[[dict[str, Any], Progress, Path], Output]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that does one kind of job: (params, progress, scratch dir) -> Output."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- submitting ----------------------------------------------------------------------------------


def actor_of(principal: Principal) -> dict[str, Any]:
    """Who a job acts for, as its params keep them: the job checks again what they may do."""
    return {
        "user_id": principal.user_id,
        "username": principal.username,
        "role": principal.role,
        "region_code": principal.region_code,
        "facility_id": principal.facility_id,
    }


def acting(actor: dict[str, Any]) -> Principal:
    """The Principal a job acts as (`actor_of`), without a session."""
    return Principal(
        user_id=actor["user_id"],
        username=actor["username"],
        display_name=actor["username"],
        role=actor["role"],
        region_code=actor["region_code"],
        facility_id=actor.get("facility_id"),
        session_id=0,
    )


def inline() -> bool:
    """Whether jobs run in the submitting process: always on SQLite, on request elsewhere."""
    return registry.settings().jobs_inline or not queries.has_queue()


def submit(
    kind: str,
    key: str,
    params: dict[str, Any],
    region_code: str,
    created_by: int | None,
    actor: str | None = None,
) -> tuple[Job, bool]:
    """The job for `key`: the one already queued or running, else a new one queued in the caller's
    transaction. Returns (job, created). The caller commits, then calls `after_commit`.
    The job's key must name its work and its params in full: the same key is the same work."""
    existing = queries.active(key)
    if existing is not None:
        return existing, False
    job = Job(
        kind=kind,
        key=key,
        params=params,
        region_code=region_code,
        created_by=created_by,
        state=queries.QUEUED,
        attempt=0,
        progress_done=0,
        progress_total=0,
        created_at=_now(),
    )
    if queries.add(job) is None:  # another request queued the same work a moment ago
        existing = queries.active(key)
        if existing is not None:
            return existing, False
        queries.add(job)  # that one finished already: queue ours
    if not inline():
        job.queue_id = queries.defer(job.id)
    audit.record(
        "job.submit",
        actor_id=created_by,
        actor=actor,
        target_type="region",
        target_id=region_code,
        region_code=region_code,
        after={"job": job.id, "kind": kind, "params": params},
    )
    return job, True


def prepare(
    kind: str, key: str, params: dict[str, Any], region_code: str, created_by: int | None
) -> Job | None:
    """A job that only saves time later (a report rendered ahead of its first reader): queued where
    there is a queue; None inline, where it would only slow the request down."""
    if inline():
        return None
    return submit(kind, key, params, region_code, created_by)[0]


def after_commit(job: Job) -> Job:
    """Run the job now when jobs run inline; a queued one is left to the workers."""
    if job.state == queries.QUEUED and inline():
        job_id = job.id
        try:
            execute(job_id, report_progress=False)
        except Exception:  # inline there is no worker to retry: the job fails, the request does not
            log.exception("job %s failed inline", job_id)
            db.session.rollback()
            fail(job_id, None, "jobs.failed", {"attempts": 1})
        db.session.expire_all()
        refreshed = queries.get(job_id)
        assert refreshed is not None
        return refreshed
    return job


# --- running (in a worker's child process, or inline) -------------------------------------------


class _Reporter:
    """The Progress of one run: writes at most once a second, and always the last step."""

    def __init__(self, job_id: int, attempt: int, visible: bool) -> None:
        self.job_id, self.attempt, self.visible = job_id, attempt, visible
        self.last = 0.0
        self.total = 1

    def __call__(self, done: int, total: int, stage: str | None = None) -> None:
        self.total = max(total, 1)
        now = time.monotonic()
        if not self.visible or (now - self.last < PROGRESS_EVERY and done < total):
            return
        self.last = now
        queries.set_progress(self.job_id, self.attempt, done, total, stage)


def _result_key(job: Job, sha256: str, filename: str) -> str:
    suffix = Path(filename).suffix.lower().lstrip(".")
    return f"{RESULT_PREFIX}{job.id}/{job.attempt}-{sha256[:16]}.{suffix or 'bin'}"


def _fields(
    key: str | None,
    name: str | None,
    kind: str | None,
    size: int | None,
    sha256: str | None,
    meta: dict[str, Any],
) -> dict[str, Any]:
    return {
        "result_key": key,
        "result_name": name,
        "result_type": kind,
        "result_size": size,
        "result_sha256": sha256,
        "result_meta": meta,
    }


def _publish(job: Job, output: Output) -> dict[str, Any]:
    """The job's result columns: an earlier job's file, an object already stored, or the new file
    put into the store under a key of this attempt."""
    if output.reuse is not None:
        source = output.reuse
        meta = {**output.meta, "reused_from": source.id}
        return _fields(
            source.result_key,
            source.result_name,
            source.result_type,
            source.result_size,
            source.result_sha256,
            meta,
        )
    if output.stored is not None:
        stored = output.stored
        return _fields(
            stored.key, output.filename, output.content_type, stored.size, stored.sha256, output.meta
        )
    if output.path is None:  # the job's work is in the database, written in this transaction
        return _fields(None, None, None, None, None, output.meta)
    data = output.path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    key = _result_key(job, digest, output.filename)
    store = registry.evidence_store()
    store.put(key, data, digest, output.content_type, {"kind": "job-result", "job": str(job.id)})
    return _fields(key, output.filename, output.content_type, len(data), digest, output.meta)


def _drop_other_attempts(job: Job, keep: str | None) -> None:
    """Objects that earlier, interrupted attempts of the job may have left."""
    store = registry.evidence_store()
    try:
        for key in list(store.keys(f"{RESULT_PREFIX}{job.id}/")):
            if key != keep:
                store.delete(key)
    except StoreError:
        log.warning("job %s: could not remove objects of earlier attempts", job.id)


def execute(job_id: int, report_progress: bool = True) -> str:
    """One run of the job, to its end: 'succeeded', 'failed', or 'skipped' (it had finished, or a
    later attempt took over). Exceptions other than DomainError propagate: the worker retries."""
    job = queries.claim(job_id, _now())
    if job is None:
        return "skipped"
    attempt = job.attempt
    if attempt > MAX_ATTEMPTS:
        fail(job_id, attempt, "jobs.crashed", {"attempts": MAX_ATTEMPTS})
        return "failed"
    work = HANDLERS[job.kind]
    with tempfile.TemporaryDirectory(prefix=f"dabiao-job-{job_id}-") as scratch:
        try:
            # inline, nobody can watch: the request that runs the job waits for its end
            progress = _Reporter(job_id, attempt, visible=report_progress)
            output = work(dict(job.params), progress, Path(scratch))
        except DomainError as exc:
            db.session.rollback()
            fail(job_id, attempt, exc.code, exc.params)
            return "failed"
        progress(1, 1, "store")
        values = _publish(job, output)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # of the process, so far
    values["result_meta"] = {**(values["result_meta"] or {}), "process": os.getpid(), "peak_rss_mb": peak_mb}
    values.update(
        state=queries.SUCCEEDED,
        finished_at=_now(),
        error_code=None,
        error_params=None,
        progress_done=progress.total,
        progress_total=progress.total,
    )
    if not queries.finish(job_id, attempt, values):
        db.session.rollback()
        if output.new_object:
            _drop_key(values["result_key"])
        return "skipped"
    audit.record(
        "job.succeeded",
        target_type="region",
        target_id=job.region_code,
        region_code=job.region_code,
        after={"job": job_id, "kind": job.kind, "attempt": attempt, "sha256": values["result_sha256"]},
    )
    db.session.commit()
    _drop_other_attempts(job, values["result_key"] if output.new_object else None)
    return "succeeded"


def _drop_key(key: str) -> None:
    try:
        registry.evidence_store().delete(key)
    except StoreError:
        log.warning("could not remove %s", key)


def fail(job_id: int, attempt: int | None, code: str, params: dict[str, Any]) -> bool:
    """Mark the job failed for good with an error from the catalog."""
    job = queries.get(job_id)
    done = queries.finish(
        job_id,
        attempt,
        {"state": queries.FAILED, "finished_at": _now(), "error_code": code, "error_params": params},
    )
    if done and job is not None:
        audit.record(
            "job.failed",
            target_type="region",
            target_id=job.region_code,
            region_code=job.region_code,
            after={"job": job_id, "kind": job.kind, "error": code},
        )
    db.session.commit()
    return done


def prune(older_than_days: int, now: dt.datetime | None = None) -> int:
    """Remove the files of jobs that finished more than `older_than_days` ago (not those a newer
    job reuses, nor reports, which live on as reports), and the uploaded files imports read; the
    jobs stay, marked without them. Returns how many files went."""
    cutoff = (now or _now()) - dt.timedelta(days=older_than_days)
    old = queries.expired(cutoff)
    keep = queries.result_keys_in_use([j.result_key for j in old if j.result_key], cutoff)
    store = registry.evidence_store()
    count = 0
    for job in old:
        key = job.result_key
        if key is not None and key.startswith(RESULT_PREFIX) and key not in keep:
            try:
                store.delete(key)
            except ObjectMissing:
                pass
            except StoreError as exc:
                raise unavailable(exc) from exc
        job.result_key = None
        job.result_meta = {**(job.result_meta or {}), "pruned": True}
        count += 1
    for job in queries.finished_of_kind("import", cutoff):  # the uploaded files they imported from
        upload = (job.params or {}).get("upload")
        if upload and not (job.result_meta or {}).get("upload_pruned"):
            try:
                store.delete(upload)
            except ObjectMissing:
                pass
            except StoreError as exc:
                raise unavailable(exc) from exc
            job.result_meta = {**(job.result_meta or {}), "upload_pruned": True}
            count += 1
    if count:
        audit.record("job.prune", actor="cli", after={"jobs": count, "older_than_days": older_than_days})
    db.session.commit()
    return count


def earlier_results(key: str) -> list[Job]:
    """The succeeded jobs of the same work, newest first: a handler may reuse one's result."""
    return queries.succeeded(key)


def attempts_of(job_id: int) -> int:
    job = queries.get(job_id)
    return job.attempt if job is not None else 0


# --- reading -------------------------------------------------------------------------------------


def _visible(principal: Principal, job: Job) -> bool:
    if job.created_by == principal.user_id:
        return True
    policy = KIND_POLICY.get(job.kind)
    return policy is not None and allowed(policy, principal.role) and principal.sees_region(job.region_code)


def not_found() -> DomainError:
    return DomainError("http.not_found")  # as for anything outside the user's region


def get(principal: Principal, job_id: int) -> Job:
    job = queries.get(job_id)
    if job is None or not _visible(principal, job):
        raise not_found()
    return job


def page(principal: Principal, after_id: int | None, limit: int) -> tuple[list[Job], int | None]:
    kinds = [kind for kind, policy in KIND_POLICY.items() if allowed(policy, principal.role)]
    rows = queries.page(principal.scope, kinds, principal.user_id, after_id, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


def view(jobs: list[Job]) -> list[dict[str, Any]]:
    """The jobs as people read them: labels, progress, result and error in Chinese."""
    users, regions = queries.names(jobs)
    return [_view(job, users, regions) for job in jobs]


def _view(job: Job, users: dict[int, str], regions: dict[str, str]) -> dict[str, Any]:
    error = None
    if job.error_code:
        error = {
            "code": job.error_code,
            "message": catalog.message(job.error_code, **(job.error_params or {})),
        }
    result = None
    if job.state == queries.SUCCEEDED and job.result_key:
        result = {
            "filename": job.result_name,
            "content_type": job.result_type,
            "size": job.result_size,
            "sha256": job.result_sha256,
            "reused": bool((job.result_meta or {}).get("reused_from")),
            "once": bool((job.result_meta or {}).get("once")),
        }
    return {
        "id": job.id,
        "kind": job.kind,
        "kind_label": labels.label(labels.JOB_KIND_LABELS, job.kind),
        "title": title_of(job, regions),
        "state": job.state,
        "state_label": labels.label(labels.JOB_STATE_LABELS, job.state),
        "progress": {
            "done": job.progress_done,
            "total": job.progress_total,
            "stage": job.stage,
            "stage_label": labels.label(labels.JOB_STAGE_LABELS, job.stage) if job.stage else None,
        },
        "attempt": job.attempt,
        "region_code": job.region_code,
        "region_name": regions.get(job.region_code, job.region_code),
        "created_by_name": users.get(job.created_by) if job.created_by is not None else None,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "result": result,
        "summary": (job.result_meta or {}).get("summary") if job.state == queries.SUCCEEDED else None,
        "error": error,
    }


def _once(principal: Principal, job: Job) -> Download:
    """A result its starter may download once (one-time passwords): read whole, then deleted
    from the store and from the job, under the job's row lock, so two clicks get it once."""
    if job.created_by != principal.user_id:
        raise not_found()
    locked = queries.lock(job.id)
    if locked is None or not locked.result_key:
        db.session.rollback()
        raise DomainError("jobs.no_result")
    key = locked.result_key
    try:
        data = registry.evidence_store().get(key)
    except ObjectMissing as exc:
        raise DomainError("jobs.no_result") from exc
    except StoreError as exc:
        raise unavailable(exc) from exc
    download = Download(
        locked.result_name or "result",
        locked.result_type or "application/octet-stream",
        len(data),
        locked.result_sha256 or "",
        iter([data]),
    )
    locked.result_key = None
    locked.result_meta = {**(locked.result_meta or {}), "downloaded": True}
    audit.record(
        "job.downloaded_once",
        actor_id=principal.user_id,
        actor=principal.username,
        target_type="region",
        target_id=locked.region_code,
        region_code=locked.region_code,
        after={"job": locked.id, "kind": locked.kind},
    )
    db.session.commit()
    _drop_key(key)
    return download


TITLES: dict[str, Callable[[Job, dict[str, str]], str]] = {}


def title(
    kind: str,
) -> Callable[[Callable[[Job, dict[str, str]], str]], Callable[[Job, dict[str, str]], str]]:
    """Register how a kind of job is named on screen."""

    def register(fn: Callable[[Job, dict[str, str]], str]) -> Callable[[Job, dict[str, str]], str]:
        TITLES[kind] = fn
        return fn

    return register


def title_of(job: Job, regions: dict[str, str]) -> str:
    make = TITLES.get(job.kind)
    if make is not None:
        return make(job, regions)
    return labels.label(labels.JOB_KIND_LABELS, job.kind)


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    size: int
    sha256: str
    chunks: Iterator[bytes]


def result(principal: Principal, job_id: int) -> Download:
    job = get(principal, job_id)
    if job.state in queries.ACTIVE:
        raise DomainError("jobs.not_finished")
    if job.state != queries.SUCCEEDED or not job.result_key:
        raise DomainError("jobs.no_result")
    if (job.result_meta or {}).get("once"):
        return _once(principal, job)
    try:
        chunks = registry.evidence_store().stream(job.result_key)
    except ObjectMissing as exc:
        raise DomainError("jobs.no_result") from exc
    except StoreError as exc:
        raise unavailable(exc) from exc
    return Download(
        job.result_name or os.path.basename(job.result_key),
        job.result_type or "application/octet-stream",
        job.result_size or 0,
        job.result_sha256 or "",
        chunks,
    )
