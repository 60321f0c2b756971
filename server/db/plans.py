"""Queries on campaign plans and the inspections they created. Every read is filtered by the
caller's scope: a plan is seen by users whose region contains the plan's region."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, func, or_, select, update

from server.db.models import Answer, Assignment, Evidence, Facility, Inspection, Plan, User
from server.domain import plans
from server.domain.access import Principal
from server.domain.errors import DomainError
from server.domain.workflow import CANCELLED, INSPECTOR, REJECTED, SELF_ASSESSMENT, SELF_ASSESSOR
from server.extensions import db


def _scoped(principal: Principal) -> Any:
    return select(Plan).where(Plan.region_code.startswith(principal.scope, autoescape=True))


def plan(principal: Principal, plan_id: int) -> Plan | None:
    return db.session.scalars(_scoped(principal).where(Plan.id == plan_id)).one_or_none()


def plans_by_ids(principal: Principal, ids: Iterable[int]) -> dict[int, Plan]:
    ids = set(ids)
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(_scoped(principal).where(Plan.id.in_(ids)))}


def by_request(request_id: str) -> Plan | None:
    return db.session.scalars(select(Plan).where(Plan.request_id == request_id)).one_or_none()


def for_update(plan_id: int) -> Plan | None:
    """The plan, its row locked until the transaction ends (PostgreSQL; SQLite takes the database's
    write lock with the first write)."""
    return db.session.scalars(select(Plan).where(Plan.id == plan_id).with_for_update()).one_or_none()


def page(
    principal: Principal,
    *,
    status: str | None,
    search: str | None,
    region_prefix: str | None,
    before: int | None,
    limit: int,
) -> list[Plan]:
    """Up to `limit` plans of the caller's region, newest first (by id), before the id `before`."""
    stmt = _scoped(principal)
    if status is not None:
        stmt = stmt.where(Plan.status == status)
    if search:
        stmt = stmt.where(Plan.name.contains(search, autoescape=True))
    if region_prefix is not None:
        stmt = stmt.where(Plan.region_code.startswith(region_prefix, autoescape=True))
    if before is not None:
        stmt = stmt.where(Plan.id < before)
    return list(db.session.scalars(stmt.order_by(Plan.id.desc()).limit(limit)))


def _started() -> Any:
    """Whether an inspection has answers or photos (correlated to Inspection)."""
    return exists().where(Answer.inspection_id == Inspection.id) | exists().where(
        Evidence.inspection_id == Inspection.id
    )


def tallies(plan_ids: Iterable[int]) -> dict[int, dict[tuple[str, bool], int]]:
    """For each plan, its visits (self-assessments aside) counted by (status, started)."""
    ids = sorted(set(plan_ids))
    if not ids:
        return {}
    rows = (
        select(Inspection.plan_id, Inspection.status, _started().label("started"))
        .where(Inspection.plan_id.in_(ids), Inspection.kind != SELF_ASSESSMENT)
        .subquery()
    )
    stmt = select(rows.c.plan_id, rows.c.status, rows.c.started, func.count()).group_by(
        rows.c.plan_id, rows.c.status, rows.c.started
    )
    found: dict[int, dict[tuple[str, bool], int]] = {i: {} for i in ids}
    for plan_id, status, started, count in db.session.execute(stmt):
        found[plan_id][(status, bool(started))] = int(count)
    return found


@dataclass(frozen=True)
class Entry:
    """One inspection of a plan, with what its progress needs."""

    inspection: Inspection
    started: bool


def entries(plan_id: int, facility_of: int | None = None) -> list[Entry]:
    """Every inspection of the plan (visits and self-assessments), by planned date then id; or
    only those of the facility of the inspection `facility_of`."""
    stmt = select(Inspection, _started().label("started")).where(Inspection.plan_id == plan_id)
    if facility_of is not None:
        facility = select(Inspection.facility_id).where(Inspection.id == facility_of).scalar_subquery()
        stmt = stmt.where(Inspection.facility_id == facility)
    stmt = stmt.order_by(Inspection.inspection_date, Inspection.id)
    return [Entry(inspection, bool(started)) for inspection, started in db.session.execute(stmt)]


def started(inspection_id: int) -> bool:
    stmt = select(Inspection.id).where(Inspection.id == inspection_id, _started())
    return db.session.scalar(stmt) is not None


def self_assessors(facility_ids: Iterable[int]) -> dict[int, list[int]]:
    """The active facility-staff accounts of each facility, by id."""
    ids = set(facility_ids)
    found: dict[int, list[int]] = {i: [] for i in ids}
    if not ids:
        return found
    stmt = (
        select(User.facility_id, User.id)
        .where(User.facility_id.in_(ids), User.role == SELF_ASSESSOR, User.active.is_(True))
        .order_by(User.id)
    )
    for facility_id, user_id in db.session.execute(stmt):
        if facility_id is not None:
            found[facility_id].append(user_id)
    return found


def planned_elsewhere(
    facility_ids: Iterable[int], checklist_id: str, kind: str, starts_on: dt.date, ends_on: dt.date
) -> dict[int, str]:
    """Facilities that another plan whose period overlaps this one already schedules for the same
    checklist and kind (a visit neither cancelled nor rejected), with that plan's name."""
    ids = set(facility_ids)
    if not ids:
        return {}
    stmt = (
        select(Inspection.facility_id, Plan.name)
        .join(Plan, Plan.id == Inspection.plan_id)
        .where(
            Inspection.facility_id.in_(ids),
            Inspection.checklist_id == checklist_id,
            Inspection.kind == kind,
            Inspection.status.not_in((CANCELLED, REJECTED)),
            Plan.status != plans.CANCELLED,
            Plan.starts_on <= ends_on,
            Plan.ends_on >= starts_on,
        )
    )
    return {facility_id: name for facility_id, name in db.session.execute(stmt)}


def self_assessment_status(plan_id: int, facility_id: int) -> str | None:
    """The status of the facility's self-assessment in the plan (None when it has none)."""
    stmt = select(Inspection.status).where(
        Inspection.plan_id == plan_id,
        Inspection.facility_id == facility_id,
        Inspection.kind == SELF_ASSESSMENT,
    )
    return db.session.scalars(stmt.order_by(Inspection.id.desc()).limit(1)).first()


def set_status(plan_id: int, values: dict[str, Any]) -> None:
    db.session.execute(update(Plan).where(Plan.id == plan_id).values(**values))


def replace_assignments(inspection_id: int, user_ids: list[int], assigned_by: int, now: dt.datetime) -> None:
    """The inspection's team becomes exactly `user_ids`."""
    db.session.execute(delete(Assignment).where(Assignment.inspection_id == inspection_id))
    db.session.add_all(
        Assignment(inspection_id=inspection_id, user_id=u, assigned_by=assigned_by, assigned_at=now)
        for u in user_ids
    )
    db.session.flush()


def check_self_assessment(inspection: Inspection) -> None:
    """Before a planned visit is submitted: the facility's self-assessment, when its plan requires
    one, has been submitted."""
    if inspection.plan_id is None or inspection.kind == SELF_ASSESSMENT:
        return
    plan = db.session.get(Plan, inspection.plan_id)
    if plan is None or not plan.requires_self_assessment:
        return
    if not plans.self_assessment_done(self_assessment_status(plan.id, inspection.facility_id)):
        raise DomainError("plan.self_assessment_pending")


def facilities_named(
    principal: Principal, names: set[str], usccs: set[str], licences: set[str]
) -> list[Facility]:
    """The facilities inside the caller's region with one of these names, USCCs or licence numbers."""
    wanted = []
    if names:
        wanted.append(Facility.name.in_(sorted(names)))
    if usccs:
        wanted.append(func.upper(Facility.uscc).in_(sorted(u.upper() for u in usccs)))
    if licences:
        wanted.append(Facility.licence_no.in_(sorted(licences)))
    if not wanted:
        return []
    stmt = select(Facility).where(
        or_(*wanted), Facility.region_code.startswith(principal.scope, autoescape=True)
    )
    return list(db.session.scalars(stmt.order_by(Facility.id)))


def inspectors_in(principal: Principal) -> list[User]:
    """The active inspectors inside the caller's region."""
    stmt = select(User).where(
        User.role == INSPECTOR,
        User.active.is_(True),
        User.region_code.startswith(principal.scope, autoescape=True),
    )
    return list(db.session.scalars(stmt.order_by(User.id)))
