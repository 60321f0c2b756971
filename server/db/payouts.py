"""Queries for payout rules, recorded payouts and payout sheets.

A sheet covers up to a province's facilities, so everything here is set-based: a handful of
queries per sheet, each over the inspections of a `Scope` (region prefix and period, in SQL),
never one per facility nor lists of ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Subquery, func, or_, select, text, update

from server.db.models import (
    AnswerRevision,
    Conflict,
    Evidence,
    Facility,
    Inspection,
    Payout,
    PayoutRule,
    Region,
    Report,
    StatusChange,
)
from server.extensions import db

APPROVED = "approved"
PAYOUT_LOCK = 4_210_201  # any constant: the advisory lock id of payout recording
# The tables whose rows change a report, in the order of server.db.reports.change_markers.
MARKER_TABLES = (
    (AnswerRevision, AnswerRevision.id),
    (Evidence, Evidence.id),
    (StatusChange, StatusChange.id),
    (Conflict, Conflict.id),
)


def region(code: str) -> Region | None:
    return db.session.get(Region, code)


def region_names(codes: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    stmt = select(Region.code, Region.name).where(Region.code.in_(wanted))
    return {code: name for code, name in db.session.execute(stmt)}


# --- rules ---------------------------------------------------------------------------------------


def rules() -> list[PayoutRule]:
    """Every rule: a small table (regions x families x tiers x dates)."""
    return list(db.session.scalars(select(PayoutRule).order_by(PayoutRule.id)))


def existing_rule_keys() -> set[tuple[str, str, str, dt.date]]:
    stmt = select(PayoutRule.region_code, PayoutRule.family, PayoutRule.tier_code, PayoutRule.valid_from)
    return {(region, family, tier, day) for region, family, tier, day in db.session.execute(stmt)}


def rule_families(region_code: str) -> set[str]:
    stmt = select(PayoutRule.family).where(PayoutRule.region_code == region_code).distinct()
    return set(db.session.scalars(stmt))


def add_rules(rows: Sequence[PayoutRule]) -> None:
    db.session.add_all(rows)
    db.session.flush()


# --- sheets --------------------------------------------------------------------------------------


def approved_count(scope_prefix: str) -> int:
    """Approved inspections of facilities inside the region, in any period: an upper bound of a
    sheet's rows, cheap to count."""
    stmt = (
        select(func.count())
        .select_from(Inspection)
        .where(
            Inspection.status == APPROVED, Inspection.region_code.startswith(scope_prefix, autoescape=True)
        )
    )
    return int(db.session.scalar(stmt) or 0)


@dataclass(frozen=True)
class Approved:
    """An approved inspection of a facility inside the region, with the time of its final approval."""

    inspection_id: int
    status: str
    checklist_id: str
    checklist_version: int
    approved_at: dt.datetime
    facility_id: int
    facility_name: str
    uscc: str | None
    type_code: str
    region_code: str
    licence_no: str | None = None


@dataclass(frozen=True)
class Scope:
    """The inspections a sheet reads: approved ones of facilities inside the region (by code
    prefix) whose latest move to approved lies in [since, until). Every sheet query below is one
    set-based statement over this, whatever the number of inspections."""

    prefix: str
    since: dt.datetime  # an instant (UTC), inclusive
    until: dt.datetime  # an instant (UTC), exclusive

    def approvals(self) -> Subquery:
        """(inspection_id, approved_at) of the inspections in scope."""
        approved_at = func.max(StatusChange.created_at)
        return (
            select(StatusChange.inspection_id.label("inspection_id"), approved_at.label("approved_at"))
            .join(Inspection, Inspection.id == StatusChange.inspection_id)
            .join(Facility, Facility.id == Inspection.facility_id)
            .where(
                StatusChange.to_status == APPROVED,
                Inspection.status == APPROVED,
                Facility.region_code.startswith(self.prefix, autoescape=True),
            )
            .group_by(StatusChange.inspection_id)
            .having(approved_at >= self.since, approved_at < self.until)
            .subquery("approvals")
        )


def approved_inspections(scope: Scope) -> list[Approved]:
    """Approved inspections of facilities inside the region finally approved in the period, each
    with its latest move to approved: one query, the period filtered in SQL."""
    approvals = scope.approvals()
    stmt = (
        select(
            Inspection.id,
            Inspection.status,
            Inspection.checklist_id,
            Inspection.checklist_version,
            approvals.c.approved_at,
            Facility.id,
            Facility.name,
            Facility.uscc,
            Facility.type_code,
            Facility.region_code,
            Facility.licence_no,
        )
        .join(approvals, approvals.c.inspection_id == Inspection.id)
        .join(Facility, Facility.id == Inspection.facility_id)
        .order_by(Inspection.id)
    )
    return [Approved(*row) for row in db.session.execute(stmt)]


@dataclass(frozen=True)
class ReportFacts:
    id: int
    inspection_id: int
    number: str
    snapshot_sha256: str
    fingerprint: str
    tier_code: str
    tier_label: str


def reports_of(scope: Scope) -> dict[int, list[ReportFacts]]:
    """The reports of each inspection in scope, newest first."""
    return reports_of_ids(scope.approvals())


def reports_of_ids(ids: Subquery) -> dict[int, list[ReportFacts]]:
    """The stored reports of each inspection of `ids` (a subquery with an inspection_id column),
    newest first."""
    stmt = (
        select(
            Report.id,
            Report.inspection_id,
            Report.number,
            Report.snapshot_sha256,
            Report.fingerprint,
            Report.tier_code,
            Report.tier_label,
        )
        .join(ids, ids.c.inspection_id == Report.inspection_id)
        .order_by(Report.id.desc())
    )
    found: dict[int, list[ReportFacts]] = {}
    for row in db.session.execute(stmt):
        facts = ReportFacts(*row)
        found.setdefault(facts.inspection_id, []).append(facts)
    return found


def _markers(model: Any, key: Any, approvals: Subquery | None, ids: Sequence[int]) -> Select[Any]:
    stmt = select(model.inspection_id, func.count(), func.coalesce(func.max(key), 0))
    if approvals is not None:
        stmt = stmt.join(approvals, approvals.c.inspection_id == model.inspection_id)
    else:
        stmt = stmt.where(model.inspection_id.in_(ids))
    return stmt.group_by(model.inspection_id)


def change_markers(inspections: Scope | Sequence[int]) -> dict[int, tuple[int, ...]]:
    """server.db.reports.change_markers for many inspections at once (those in a scope, or a few
    by id): per table, in the same order, the count of the inspection's rows and their highest id.
    One grouped query per table."""
    per_table: list[dict[int, tuple[int, int]]] = []
    approvals: Subquery | None = None
    if isinstance(inspections, Scope):
        approvals = inspections.approvals()
        ids = list(db.session.scalars(select(approvals.c.inspection_id)))
    else:
        ids = sorted(set(inspections))
    for model, key in MARKER_TABLES:
        counts: dict[int, tuple[int, int]] = {}
        for inspection_id, count, highest in db.session.execute(_markers(model, key, approvals, ids)):
            counts[inspection_id] = (int(count), int(highest))
        per_table.append(counts)
    return {i: tuple(n for counts in per_table for n in counts.get(i, (0, 0))) for i in sorted(ids)}


# --- payouts -------------------------------------------------------------------------------------


def payouts_of(scope: Scope) -> list[Payout]:
    """Every payout recorded for the facilities with an inspection in scope."""
    approvals = scope.approvals()
    facilities = (
        select(Inspection.facility_id)
        .join(approvals, approvals.c.inspection_id == Inspection.id)
        .distinct()
        .scalar_subquery()
    )
    return list(db.session.scalars(select(Payout).where(Payout.facility_id.in_(facilities))))


def lock_payouts() -> None:
    """Serialise recorders of payouts until this transaction ends: an advisory lock on PostgreSQL,
    the database's write lock on SQLite (taken by a write that changes nothing)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PAYOUT_LOCK})
    else:
        db.session.execute(update(Payout).where(Payout.id < 0).values(id=Payout.id))


def add_payouts(rows: Sequence[Payout]) -> None:
    db.session.add_all(rows)
    db.session.flush()


# --- the console ---------------------------------------------------------------------------------


def rules_for(scope: str, ancestors: Sequence[str]) -> list[PayoutRule]:
    """The rules of the regions above a region and of the region and those below it (`scope`, a
    code prefix), newest 生效日期 first."""
    stmt = select(PayoutRule).where(
        or_(
            PayoutRule.region_code.startswith(scope, autoescape=True),
            PayoutRule.region_code.in_(list(ancestors)),
        )
    )
    return list(
        db.session.scalars(
            stmt.order_by(
                PayoutRule.valid_from.desc(), PayoutRule.region_code, PayoutRule.family, PayoutRule.id
            )
        )
    )


@dataclass(frozen=True)
class Recording:
    region_code: str
    period: str
    recorded_at: dt.datetime
    recorded_by: str
    count: int
    amount_yuan: int


def recordings(scope: str, limit: int = 200) -> list[Recording]:
    """The sheets recorded inside `scope`: their payouts grouped by sheet and moment, newest first."""
    stmt = (
        select(
            Payout.region_code,
            Payout.period,
            Payout.recorded_at,
            Payout.recorded_by,
            func.count(),
            func.coalesce(func.sum(Payout.amount_yuan), 0),
        )
        .where(Payout.region_code.startswith(scope, autoescape=True))
        .group_by(Payout.region_code, Payout.period, Payout.recorded_at, Payout.recorded_by)
        .order_by(Payout.recorded_at.desc())
        .limit(limit)
    )
    return [
        Recording(r, p, at, by, int(n), int(total)) for r, p, at, by, n, total in db.session.execute(stmt)
    ]
