"""Queries for payout rules, recorded payouts and payout sheets.

A sheet covers thousands of facilities, so everything here loads in bulk: a handful of queries per
sheet, never one per facility. Long id lists go in chunks to stay under SQLite's parameter limit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, text, update

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


def _chunks(values: Sequence[int], size: int = 500) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


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


def approved_inspections(scope_prefix: str) -> list[Approved]:
    """Approved inspections of facilities inside the region, each with its latest move to approved.

    Two queries rather than one join over an aggregate: the plan stays good even before PostgreSQL
    has statistics on freshly loaded tables."""
    stmt = (
        select(
            Inspection.id,
            Inspection.status,
            Inspection.checklist_id,
            Inspection.checklist_version,
            Facility.id,
            Facility.name,
            Facility.uscc,
            Facility.type_code,
            Facility.region_code,
        )
        .join(Facility, Facility.id == Inspection.facility_id)
        .where(Inspection.status == APPROVED, Facility.region_code.startswith(scope_prefix, autoescape=True))
    )
    rows = list(db.session.execute(stmt))
    approved_at: dict[int, dt.datetime] = {}
    for chunk in _chunks([row[0] for row in rows]):
        times = (
            select(StatusChange.inspection_id, func.max(StatusChange.created_at))
            .where(StatusChange.inspection_id.in_(chunk), StatusChange.to_status == APPROVED)
            .group_by(StatusChange.inspection_id)
        )
        approved_at.update((i, at) for i, at in db.session.execute(times))
    return [
        Approved(i, status, checklist_id, version, approved_at[i], facility_id, name, uscc, type_code, region)
        for i, status, checklist_id, version, facility_id, name, uscc, type_code, region in rows
        if i in approved_at
    ]


@dataclass(frozen=True)
class ReportFacts:
    id: int
    inspection_id: int
    number: str
    snapshot_sha256: str
    fingerprint: str
    tier_code: str
    tier_label: str


def reports_of(inspection_ids: Sequence[int]) -> dict[int, list[ReportFacts]]:
    """The reports of each inspection, newest first."""
    found: dict[int, list[ReportFacts]] = {}
    for chunk in _chunks(sorted(set(inspection_ids))):
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
            .where(Report.inspection_id.in_(chunk))
            .order_by(Report.id.desc())
        )
        for row in db.session.execute(stmt):
            facts = ReportFacts(*row)
            found.setdefault(facts.inspection_id, []).append(facts)
    return found


def change_markers(inspection_ids: Sequence[int]) -> dict[int, tuple[int, ...]]:
    """server.db.reports.change_markers for many inspections at once: per table, in the same order,
    the count of the inspection's rows and their highest id."""
    per_table: list[dict[int, tuple[int, int]]] = []
    ids = sorted(set(inspection_ids))
    for model, key in MARKER_TABLES:
        counts: dict[int, tuple[int, int]] = {}
        for chunk in _chunks(ids):
            stmt = (
                select(model.inspection_id, func.count(), func.coalesce(func.max(key), 0))
                .where(model.inspection_id.in_(chunk))
                .group_by(model.inspection_id)
            )
            for inspection_id, count, highest in db.session.execute(stmt):
                counts[inspection_id] = (int(count), int(highest))
        per_table.append(counts)
    return {i: tuple(n for counts in per_table for n in counts.get(i, (0, 0))) for i in ids}


# --- payouts -------------------------------------------------------------------------------------


def payouts_of(facility_ids: Sequence[int]) -> list[Payout]:
    found: list[Payout] = []
    for chunk in _chunks(sorted(set(facility_ids))):
        found.extend(db.session.scalars(select(Payout).where(Payout.facility_id.in_(chunk))))
    return found


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
