"""Queries for the exports: the final results of a region and period (评审结果), and the final
visits of a plan.

An export covers up to a province's facilities, so, like server.db.payouts, everything is
set-based over a subquery of inspection ids (`ResultScope.ids()`, `plan_finals()`): one statement
per table whatever the number of rows; only the answers, which a score needs, are read in batches
of ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Subquery, func, select

from server.db.models import Answer, Facility, Inspection, Payout
from server.db.payouts import MARKER_TABLES
from server.domain.workflow import APPROVED, CITY_REINSPECTION, COUNTY_INSPECTION
from server.extensions import db

# The inspections whose approval is a final result: a self-assessment is the facility's own.
KINDS = (COUNTY_INSPECTION, CITY_REINSPECTION)


@dataclass(frozen=True)
class ResultScope:
    """Final results of facilities inside a region (by code prefix) inspected between two days
    (inclusive)."""

    prefix: str
    start: dt.date
    end: dt.date

    def conditions(self) -> list[Any]:
        return [
            Inspection.status == APPROVED,
            Inspection.kind.in_(KINDS),
            Inspection.inspection_date >= self.start,
            Inspection.inspection_date <= self.end,
            Facility.region_code.startswith(self.prefix, autoescape=True),
        ]

    def ids(self) -> Subquery:
        """(inspection_id) of the results in scope."""
        return (
            select(Inspection.id.label("inspection_id"))
            .join(Facility, Facility.id == Inspection.facility_id)
            .where(*self.conditions())
            .subquery("results")
        )


def count(scope: ResultScope) -> int:
    """The results in scope (every one, before the newest of each facility is chosen): cheap, and
    an upper bound of an export's rows."""
    stmt = (
        select(func.count())
        .select_from(Inspection)
        .join(Facility, Facility.id == Inspection.facility_id)
        .where(*scope.conditions())
    )
    return int(db.session.scalar(stmt) or 0)


@dataclass(frozen=True)
class Result:
    """A final result in scope, with what the export shows of its facility and what scoring
    needs of it (the facility's facts)."""

    inspection_id: int
    status: str
    kind: str
    checklist_id: str
    checklist_version: int
    inspection_date: dt.date
    facility_id: int
    facility_name: str
    type_code: str
    uscc: str | None
    licence_no: str | None
    region_code: str
    beds: int
    iv_infusion: bool
    population_served: int | None
    facts: dict[str, Any]


def results(scope: ResultScope) -> list[Result]:
    stmt = (
        select(
            Inspection.id,
            Inspection.status,
            Inspection.kind,
            Inspection.checklist_id,
            Inspection.checklist_version,
            Inspection.inspection_date,
            Facility.id,
            Facility.name,
            Facility.type_code,
            Facility.uscc,
            Facility.licence_no,
            Facility.region_code,
            Facility.beds,
            Facility.iv_infusion,
            Facility.population_served,
            Facility.facts,
        )
        .join(Facility, Facility.id == Inspection.facility_id)
        .where(*scope.conditions())
        .order_by(Inspection.id)
    )
    return [Result(*tuple(row)) for row in db.session.execute(stmt)]


def plan_finals(plan_id: int) -> Subquery:
    """(inspection_id) of the plan's visits that are final results."""
    return (
        select(Inspection.id.label("inspection_id"))
        .where(Inspection.plan_id == plan_id, Inspection.status == APPROVED, Inspection.kind.in_(KINDS))
        .subquery("finals")
    )


def final_facts(ids: Subquery) -> dict[int, tuple[str, int, str | None]]:
    """Status, checklist version and final tier label of each inspection of `ids`."""
    stmt = select(
        Inspection.id, Inspection.status, Inspection.checklist_version, Inspection.final_tier_label
    ).join(ids, ids.c.inspection_id == Inspection.id)
    return {i: (status, version, label) for i, status, version, label in db.session.execute(stmt)}


def change_markers(ids: Subquery) -> dict[int, tuple[int, ...]]:
    """server.db.reports.change_markers for every inspection of `ids`: one grouped query a table."""
    wanted = list(db.session.scalars(select(ids.c.inspection_id)))
    per_table: list[dict[int, tuple[int, int]]] = []
    for model, key in MARKER_TABLES:
        stmt = (
            select(model.inspection_id, func.count(), func.coalesce(func.max(key), 0))
            .join(ids, ids.c.inspection_id == model.inspection_id)
            .group_by(model.inspection_id)
        )
        per_table.append({i: (int(n), int(top)) for i, n, top in db.session.execute(stmt)})
    return {i: tuple(n for counts in per_table for n in counts.get(i, (0, 0))) for i in sorted(wanted)}


AnswerRow = tuple[int, str, str, dt.date | None, dt.date | None, dict[str, Any] | None]


def answers(inspection_ids: Sequence[int]) -> list[AnswerRow]:
    """(inspection, item, grade, document date, valid until, documents) of the current answers of
    a batch of inspections: plain rows, so a province's answers never pile up in the session."""
    if not inspection_ids:
        return []
    stmt = select(
        Answer.inspection_id,
        Answer.item_id,
        Answer.grade,
        Answer.document_date,
        Answer.valid_until,
        Answer.documents,
    ).where(Answer.inspection_id.in_(sorted(set(inspection_ids))))
    return [
        (int(i), item, grade, document_date, valid_until, documents)
        for i, item, grade, document_date, valid_until, documents in db.session.execute(stmt)
    ]


def payouts_of(ids: Subquery) -> list[Payout]:
    """Every payout recorded for the facilities of the inspections of `ids`."""
    facilities = (
        select(Inspection.facility_id)
        .join(ids, ids.c.inspection_id == Inspection.id)
        .distinct()
        .scalar_subquery()
    )
    return list(db.session.scalars(select(Payout).where(Payout.facility_id.in_(facilities))))
