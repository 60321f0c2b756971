"""Queries on rectification tasks, their photos and history. Every read of tasks is filtered by
the caller's scope: a task is seen by users whose region contains the facility's, and by the
facility's own staff."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from server.db.models import (
    Evidence,
    Facility,
    Inspection,
    RectificationEvent,
    RectificationPhoto,
    RectificationTask,
)
from server.domain import rectification
from server.domain.access import Principal
from server.domain.workflow import SELF_ASSESSOR
from server.extensions import db


def _scoped(principal: Principal) -> Any:
    stmt = select(RectificationTask)
    if principal.role == SELF_ASSESSOR:
        return stmt.where(RectificationTask.facility_id == (principal.facility_id or 0))
    return stmt.where(RectificationTask.region_code.startswith(principal.scope, autoescape=True))


def task(principal: Principal, task_id: int) -> RectificationTask | None:
    return db.session.scalars(_scoped(principal).where(RectificationTask.id == task_id)).one_or_none()


def for_update(task_id: int) -> RectificationTask | None:
    """The task, its row locked until the transaction ends (PostgreSQL; SQLite takes the
    database's write lock with the first write)."""
    stmt = select(RectificationTask).where(RectificationTask.id == task_id).with_for_update()
    return db.session.scalars(stmt).one_or_none()


def of_inspection(inspection_id: int) -> list[RectificationTask]:
    stmt = select(RectificationTask).where(RectificationTask.inspection_id == inspection_id)
    return list(db.session.scalars(stmt.order_by(RectificationTask.id)))


def page(
    principal: Principal,
    *,
    statuses: Iterable[str] | None,
    overdue_on: dt.date | None,
    facility_id: int | None,
    inspection_id: int | None,
    region_prefix: str | None,
    before: int | None,
    limit: int,
) -> list[RectificationTask]:
    """Up to `limit` tasks in scope, newest first (by id), before the id `before`. `overdue_on`:
    only tasks still the facility's whose deadline is before that day."""
    stmt = _scoped(principal)
    if statuses:
        stmt = stmt.where(RectificationTask.status.in_(list(statuses)))
    if overdue_on is not None:
        stmt = stmt.where(
            RectificationTask.status.in_(sorted(rectification.ACTIVE)),
            RectificationTask.deadline < overdue_on,
        )
    if facility_id is not None:
        stmt = stmt.where(RectificationTask.facility_id == facility_id)
    if inspection_id is not None:
        stmt = stmt.where(RectificationTask.inspection_id == inspection_id)
    if region_prefix is not None:
        stmt = stmt.where(RectificationTask.region_code.startswith(region_prefix, autoescape=True))
    if before is not None:
        stmt = stmt.where(RectificationTask.id < before)
    return list(db.session.scalars(stmt.order_by(RectificationTask.id.desc()).limit(limit)))


def counts(principal: Principal, today: dt.date, facility_id: int | None = None) -> dict[str, int]:
    """Tasks in scope by status, with `overdue` (still the facility's, deadline passed)."""
    base = _scoped(principal)
    if facility_id is not None:
        base = base.where(RectificationTask.facility_id == facility_id)
    scoped = base.subquery()
    rows = db.session.execute(select(scoped.c.status, func.count()).group_by(scoped.c.status)).all()
    out = {status: 0 for status in rectification.STATUSES}
    out.update({status: int(n) for status, n in rows})
    late = (
        select(func.count())
        .select_from(scoped)
        .where(scoped.c.status.in_(sorted(rectification.ACTIVE)), scoped.c.deadline < today)
    )
    out["overdue"] = int(db.session.scalar(late) or 0)
    return out


def inspections_by_ids(ids: Iterable[int]) -> dict[int, Inspection]:
    ids = set(ids)
    if not ids:
        return {}
    return {i.id: i for i in db.session.scalars(select(Inspection).where(Inspection.id.in_(ids)))}


def facilities_by_ids(ids: Iterable[int]) -> dict[int, Facility]:
    ids = set(ids)
    if not ids:
        return {}
    return {f.id: f for f in db.session.scalars(select(Facility).where(Facility.id.in_(ids)))}


def photos_of(task_ids: Iterable[int]) -> dict[int, list[RectificationPhoto]]:
    ids = set(task_ids)
    out: dict[int, list[RectificationPhoto]] = {i: [] for i in ids}
    if not ids:
        return out
    stmt = (
        select(RectificationPhoto).where(RectificationPhoto.task_id.in_(ids)).order_by(RectificationPhoto.id)
    )
    for row in db.session.scalars(stmt):
        out[row.task_id].append(row)
    return out


def photo(principal: Principal, photo_id: int) -> RectificationPhoto | None:
    """A photo of a task in the caller's scope."""
    tasks = _scoped(principal).subquery()
    stmt = (
        select(RectificationPhoto)
        .join(tasks, tasks.c.id == RectificationPhoto.task_id)
        .where(RectificationPhoto.id == photo_id)
    )
    return db.session.scalars(stmt).one_or_none()


def photo_by_upload_id(upload_id: str) -> RectificationPhoto | None:
    stmt = select(RectificationPhoto).where(RectificationPhoto.upload_id == upload_id)
    return db.session.scalars(stmt).one_or_none()


def photos_by_upload_ids(task_id: int, upload_ids: Iterable[str]) -> dict[str, RectificationPhoto]:
    ids = set(upload_ids)
    if not ids:
        return {}
    stmt = select(RectificationPhoto).where(
        RectificationPhoto.task_id == task_id, RectificationPhoto.upload_id.in_(ids)
    )
    return {row.upload_id: row for row in db.session.scalars(stmt)}


def photo_count(task_id: int) -> int:
    stmt = select(func.count()).select_from(RectificationPhoto).where(RectificationPhoto.task_id == task_id)
    return int(db.session.scalar(stmt) or 0)


def object_referenced(key: str) -> bool:
    stmt = select(func.count()).select_from(RectificationPhoto).where(RectificationPhoto.object_key == key)
    return bool(db.session.scalar(stmt))


def digest_seen(sha256: str, facility_id: int) -> tuple[bool, bool]:
    """Whether these bytes were already used: (for another facility, as this facility's
    inspection evidence). A fix shown with the photo the inspection took is no fix."""
    other = (
        select(func.count())
        .select_from(RectificationPhoto)
        .where(RectificationPhoto.sha256 == sha256, RectificationPhoto.facility_id != facility_id)
    )
    evidence_other = (
        select(func.count())
        .select_from(Evidence)
        .where(
            Evidence.sha256 == sha256, Evidence.facility_id.is_not(None), Evidence.facility_id != facility_id
        )
    )
    same = (
        select(func.count())
        .select_from(Evidence)
        .where(Evidence.sha256 == sha256, Evidence.facility_id == facility_id)
    )
    elsewhere = bool(db.session.scalar(other)) or bool(db.session.scalar(evidence_other))
    return elsewhere, bool(db.session.scalar(same))


def events_of(task_ids: Iterable[int]) -> dict[int, list[RectificationEvent]]:
    ids = set(task_ids)
    out: dict[int, list[RectificationEvent]] = {i: [] for i in ids}
    if not ids:
        return out
    stmt = (
        select(RectificationEvent).where(RectificationEvent.task_id.in_(ids)).order_by(RectificationEvent.id)
    )
    for row in db.session.scalars(stmt):
        out[row.task_id].append(row)
    return out


def event_by_change_id(change_id: str) -> RectificationEvent | None:
    stmt = select(RectificationEvent).where(RectificationEvent.change_id == change_id)
    return db.session.scalars(stmt).one_or_none()
