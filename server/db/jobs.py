"""Queries for background jobs, and the hand-over of a job to procrastinate's queue.

The queue is procrastinate's, on PostgreSQL: `defer` puts the job into it on the session's own
connection, so the job row, the queue entry and whatever data the job is about commit together or
not at all. SQLite has no queue: jobs there run inline (server.services.jobs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from procrastinate import App, SyncPsycopgConnector
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from server.db.models import Job, Region, User
from server.extensions import db

RUN_TASK = "dabiao.run_job"
QUEUE = "dabiao"
QUEUE_PREFIX = "procrastinate_"
QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
ACTIVE = (QUEUED, RUNNING)

_DEFER_APP: App | None = None


def queue_tables_excluded(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's include_name hook: procrastinate's tables belong to procrastinate, not to our models."""
    return not (type_ == "table" and name is not None and name.startswith(QUEUE_PREFIX))


def has_queue() -> bool:
    return db.engine.dialect.name == "postgresql"


def _defer_app() -> App:
    """An app that only defers, on connections it is handed: it never opens a pool of its own."""
    global _DEFER_APP
    if _DEFER_APP is None:
        _DEFER_APP = App(connector=SyncPsycopgConnector())
    return _DEFER_APP


def defer(job_id: int) -> int:
    """Queue the job in the session's transaction; returns procrastinate's id for it."""
    connection = db.session.connection().connection.driver_connection
    deferrer = _defer_app().configure_task(name=RUN_TASK, queue=QUEUE, connection=connection)
    return int(deferrer.defer(job_id=job_id))


# --- rows ---------------------------------------------------------------------------------------


def get(job_id: int) -> Job | None:
    return db.session.get(Job, job_id)


def by_ids(ids: set[int]) -> list[Job]:
    if not ids:
        return []
    return list(db.session.scalars(select(Job).where(Job.id.in_(ids))))


def add(job: Job) -> Job | None:
    """Insert the job; None when another job with its key is already queued or running."""
    try:
        with db.session.begin_nested():
            db.session.add(job)
            db.session.flush()
    except IntegrityError:
        return None
    return job


def active(key: str) -> Job | None:
    stmt = select(Job).where(Job.key == key, Job.state.in_(ACTIVE)).order_by(Job.id.desc()).limit(1)
    return db.session.scalars(stmt).first()


def succeeded(key: str) -> list[Job]:
    """The succeeded jobs of the key, newest first (a handful: one per change of the data)."""
    stmt = select(Job).where(Job.key == key, Job.state == SUCCEEDED).order_by(Job.id.desc()).limit(20)
    return list(db.session.scalars(stmt))


def page(
    scope_prefix: str, kinds: Iterable[str], user_id: int, after_id: int | None, limit: int
) -> list[Job]:
    """Jobs inside the region whose kind the user may see, or that the user started; newest first."""
    stmt = select(Job).where(
        or_(
            Job.created_by == user_id,
            Job.region_code.startswith(scope_prefix, autoescape=True) & Job.kind.in_(sorted(set(kinds))),
        )
    )
    if after_id is not None:
        stmt = stmt.where(Job.id < after_id)
    return list(db.session.scalars(stmt.order_by(Job.id.desc()).limit(limit)))


def names(jobs: Sequence[Job]) -> tuple[dict[int, str], dict[str, str]]:
    """(user id -> display name, region code -> name) for the jobs' starters and regions."""
    user_ids = sorted({j.created_by for j in jobs if j.created_by is not None})
    codes = sorted({j.region_code for j in jobs})
    users: dict[int, str] = {}
    regions: dict[str, str] = {}
    if user_ids:
        stmt = select(User.id, User.display_name).where(User.id.in_(user_ids))
        users = {user_id: name for user_id, name in db.session.execute(stmt)}
    if codes:
        found = select(Region.code, Region.name).where(Region.code.in_(codes))
        regions = {code: name for code, name in db.session.execute(found)}
    return users, regions


def claim(job_id: int, now: dt.datetime) -> Job | None:
    """Start a run of the job: its next attempt, progress reset. None when it already finished."""
    job = db.session.scalars(select(Job).where(Job.id == job_id).with_for_update()).first()
    if job is None or job.state not in ACTIVE:
        db.session.rollback()
        return None
    job.state = RUNNING
    job.attempt += 1
    job.started_at = now
    job.progress_done = 0
    job.progress_total = 0
    job.stage = None
    db.session.commit()
    return job


def set_progress(job_id: int, attempt: int, done: int, total: int, stage: str | None) -> None:
    """Record progress on a connection of its own, so the run's transaction stays open."""
    with db.engine.begin() as connection:
        connection.execute(
            update(Job)
            .where(Job.id == job_id, Job.attempt == attempt, Job.state == RUNNING)
            .values(progress_done=done, progress_total=total, stage=stage)
        )


def finish(job_id: int, attempt: int | None, values: dict[str, Any]) -> bool:
    """Mark the run's outcome, in the session's transaction; False when the job moved on meanwhile
    (another attempt took over, or it already finished). `attempt` None: whatever run it is at."""
    stmt = update(Job).where(Job.id == job_id, Job.state.in_(ACTIVE))
    if attempt is not None:
        stmt = stmt.where(Job.attempt == attempt)
    result = db.session.execute(stmt.values(**values).execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0))


def expired(before: dt.datetime) -> list[Job]:
    """Succeeded jobs that finished before `before` and still hold a result."""
    stmt = select(Job).where(Job.state == SUCCEEDED, Job.finished_at < before, Job.result_key.is_not(None))
    return list(db.session.scalars(stmt.order_by(Job.id)))


def finished_of_kind(kind: str, before: dt.datetime) -> list[Job]:
    """Jobs of `kind` that finished (either way) before `before`."""
    stmt = select(Job).where(Job.kind == kind, Job.state.in_((SUCCEEDED, FAILED)), Job.finished_at < before)
    return list(db.session.scalars(stmt.order_by(Job.id)))


def result_keys_in_use(keys: Sequence[str], before: dt.datetime) -> set[str]:
    """Of `keys`, those a job finished since `before` still serves (a reused result)."""
    if not keys:
        return set()
    stmt = select(Job.result_key).where(Job.result_key.in_(list(keys)), Job.finished_at >= before)
    return {key for key in db.session.scalars(stmt) if key is not None}


def lock(job_id: int) -> Job | None:
    """The job's row, locked until the transaction ends."""
    return db.session.scalars(select(Job).where(Job.id == job_id).with_for_update()).one_or_none()
