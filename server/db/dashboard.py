"""The results dashboard's summary tables and every query over them.

`dashboard_results` holds one row per final result (a finally approved county inspection or city
re-inspection) and `dashboard_not_met` the items on its rectification list. Both are written in
the transaction of the final approval (`record`) and removed in that of the reopening (`remove`),
so they never disagree with the inspections. `latest` marks, per facility, checklist family and
campaign year, the result that stands: it is worked out again for that key on every change, with
the facility's row locked so that two approvals of one facility cannot both claim it.

Summary tables rather than queries over answers: an item's outcome depends on its document dates
and the facility's facts, which only the scoring engine (Python) knows, and a province holds some
5 million answers. Ordinary tables rather than materialised views: SQLite has none, and refreshing
one re-reads everything on each approval.

Reads group a region's facilities by the leading digits of their region code that name its
sub-regions (domain.dashboard.child_prefix_length), so a city is counted per county in one pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    delete,
    exists,
    func,
    literal,
    null,
    select,
    tuple_,
    update,
)

from server.db.models import (
    Answer,
    DashboardNotMet,
    DashboardResult,
    DashboardTarget,
    Evidence,
    Facility,
    Inspection,
    Plan,
    RectificationTask,
    Region,
    Report,
)
from server.domain import dashboard, rectification
from server.domain.access import Principal
from server.domain.workflow import CANCELLED, DRAFT
from server.extensions import db

# --- keeping the summary -------------------------------------------------------------------------


def record(inspection: Inspection, family: str, not_met: Sequence[str]) -> None:
    """The inspection's final result (its stored tier) and the items it did not meet; nothing for
    a self-assessment. Replaces what an earlier approval of it wrote."""
    remove(inspection)
    if not dashboard.counts_as_result(inspection.kind) or inspection.final_tier_code is None:
        return
    year = dashboard.campaign_year(inspection.inspection_date)
    db.session.add(
        DashboardResult(
            inspection_id=inspection.id,
            facility_id=inspection.facility_id,
            region_code=inspection.region_code,
            family=family,
            checklist_id=inspection.checklist_id,
            year=year,
            inspection_date=inspection.inspection_date,
            tier_code=inspection.final_tier_code,
            latest=False,
        )
    )
    db.session.flush()
    db.session.add_all(
        DashboardNotMet(
            inspection_id=inspection.id,
            item_id=item_id,
            checklist_id=inspection.checklist_id,
            facility_id=inspection.facility_id,
            region_code=inspection.region_code,
            family=family,
            year=year,
            latest=False,
        )
        for item_id in not_met
    )
    db.session.flush()
    _mark_latest(inspection.facility_id, family, year)


def remove(inspection: Inspection) -> None:
    """The inspection no longer has a final result (reopened)."""
    found = db.session.execute(
        select(DashboardResult.family, DashboardResult.year).where(
            DashboardResult.inspection_id == inspection.id
        )
    ).first()
    if found is None:
        return
    db.session.execute(delete(DashboardNotMet).where(DashboardNotMet.inspection_id == inspection.id))
    db.session.execute(delete(DashboardResult).where(DashboardResult.inspection_id == inspection.id))
    _mark_latest(inspection.facility_id, found.family, found.year)


def _mark_latest(facility_id: int, family: str, year: int) -> None:
    # one approval or reopening of the facility at a time (PostgreSQL; SQLite writes one at a time)
    db.session.execute(select(Facility.id).where(Facility.id == facility_id).with_for_update())
    key = (
        DashboardResult.facility_id == facility_id,
        DashboardResult.family == family,
        DashboardResult.year == year,
    )
    rows = db.session.execute(
        select(DashboardResult.inspection_id)
        .where(*key)
        .order_by(DashboardResult.inspection_date.desc(), DashboardResult.inspection_id.desc())
    ).all()
    if not rows:
        return
    best = rows[0][0]
    ids = [r[0] for r in rows]
    flag = case((DashboardResult.inspection_id == best, True), else_=False)
    db.session.execute(update(DashboardResult).where(*key).values(latest=flag))
    db.session.execute(
        update(DashboardNotMet)
        .where(DashboardNotMet.inspection_id.in_(ids))
        .values(latest=case((DashboardNotMet.inspection_id == best, True), else_=False))
    )


# --- where: a region of the caller's, grouped by its sub-regions ------------------------------------


@dataclass(frozen=True)
class Place:
    """A region asked about, inside the caller's scope: its code prefix, how many leading digits
    name its sub-regions (None: it has none), those sub-regions' prefixes, and whether only the
    facilities registered at the region itself (in none of them) are meant."""

    principal: Principal
    prefix: str
    length: int | None
    children: tuple[str, ...]
    direct: bool = False

    def inside(self, column: Any) -> list[ColumnElement[bool]]:
        found = [
            column.startswith(self.principal.scope, autoescape=True),
            column.startswith(self.prefix, autoescape=True),
        ]
        if self.direct and self.length is not None:
            found.append(func.substr(column, 1, self.length).not_in(self.children))
        return found

    def group(self, column: Any) -> Any:
        """The sub-region key of a row: its code's leading digits (the region itself when it has no
        sub-regions)."""
        return func.substr(column, 1, self.length) if self.length is not None else literal("")


def children(code: str) -> list[Region]:
    stmt = select(Region).where(Region.parent_code == code).order_by(Region.code)
    return list(db.session.scalars(stmt))


def child_counts(codes: Iterable[str]) -> dict[str, int]:
    """How many sub-regions each of these regions has."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    stmt = (
        select(Region.parent_code, func.count())
        .where(Region.parent_code.in_(wanted))
        .group_by(Region.parent_code)
    )
    return {str(code): int(n) for code, n in db.session.execute(stmt)}


def regions_named(codes: Iterable[str]) -> dict[str, Region]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    return {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(wanted)))}


def region(code: str) -> Region | None:
    return db.session.get(Region, code)


# --- counts --------------------------------------------------------------------------------------


def facility_counts(place: Place, types: Sequence[str]) -> dict[str, int]:
    """Facilities of these kinds per sub-region key."""
    key = place.group(Facility.region_code)
    stmt = (
        select(key, func.count())
        .where(Facility.type_code.in_(types), *place.inside(Facility.region_code))
        .group_by(key)
    )
    return {str(k): int(n) for k, n in db.session.execute(stmt)}


def tier_counts(place: Place, family: str, years: Sequence[int]) -> dict[tuple[int, str, str], int]:
    """Final results standing for their facility, per (year, sub-region key, tier)."""
    key = place.group(DashboardResult.region_code)
    stmt = (
        select(DashboardResult.year, key, DashboardResult.tier_code, func.count())
        .where(
            DashboardResult.family == family,
            DashboardResult.year.in_(years),
            DashboardResult.latest.is_(True),
            *place.inside(DashboardResult.region_code),
        )
        .group_by(DashboardResult.year, key, DashboardResult.tier_code)
    )
    return {(int(y), str(k), str(t)): int(n) for y, k, t, n in db.session.execute(stmt)}


def _started() -> Any:
    """Whether a draft has answers or photos (correlated to Inspection), as server/db/plans.py asks."""
    return exists().where(Answer.inspection_id == Inspection.id) | exists().where(
        Evidence.inspection_id == Inspection.id
    )


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _planned(place: Place, checklist_ids: Sequence[str], first: int, last: int) -> list[ColumnElement[bool]]:
    return [
        Inspection.plan_id.is_not(None),
        Inspection.kind.in_(dashboard.COUNTED_KINDS),
        Inspection.checklist_id.in_(checklist_ids),
        Inspection.inspection_date.between(_year_bounds(first)[0], _year_bounds(last)[1]),
        *place.inside(Inspection.region_code),
    ]


def plan_counts(
    place: Place, checklist_ids: Sequence[str], years: Sequence[int]
) -> dict[tuple[int, str, str, bool], int]:
    """Planned visits (inspections of plans, self-assessments aside) per (year, sub-region key,
    status, started); `started` is asked of drafts only."""
    if not checklist_ids:
        return {}
    key = place.group(Inspection.region_code)
    year = case(
        *((Inspection.inspection_date >= dt.date(y, 1, 1), y) for y in sorted(years, reverse=True)),
        else_=min(years),
    )
    started = case((Inspection.status == DRAFT, _started()), else_=False)
    rows = (
        select(year.label("year"), key.label("key"), Inspection.status, started.label("started"))
        .where(*_planned(place, checklist_ids, min(years), max(years)))
        .subquery()
    )
    stmt = select(rows.c.year, rows.c.key, rows.c.status, rows.c.started, func.count()).group_by(
        rows.c.year, rows.c.key, rows.c.status, rows.c.started
    )
    return {(int(y), str(k), str(s), bool(b)): int(n) for y, k, s, b, n in db.session.execute(stmt)}


def checked_counts(place: Place, family: str, year: int) -> dict[str, int]:
    """Facilities whose standing result of the year is on each checklist."""
    stmt = (
        select(DashboardResult.checklist_id, func.count())
        .where(
            DashboardResult.family == family,
            DashboardResult.year == year,
            DashboardResult.latest.is_(True),
            *place.inside(DashboardResult.region_code),
        )
        .group_by(DashboardResult.checklist_id)
    )
    return {str(c): int(n) for c, n in db.session.execute(stmt)}


def top_not_met(place: Place, family: str, year: int, limit: int) -> list[tuple[str, str, int]]:
    """The items most often not met in the standing results of the year: (checklist, item, count)."""
    count = func.count()
    stmt = (
        select(DashboardNotMet.checklist_id, DashboardNotMet.item_id, count)
        .where(
            DashboardNotMet.family == family,
            DashboardNotMet.year == year,
            DashboardNotMet.latest.is_(True),
            *place.inside(DashboardNotMet.region_code),
        )
        .group_by(DashboardNotMet.checklist_id, DashboardNotMet.item_id)
        .order_by(count.desc(), DashboardNotMet.checklist_id, DashboardNotMet.item_id)
        .limit(limit)
    )
    return [(str(c), str(i), int(n)) for c, i, n in db.session.execute(stmt)]


def not_met_counts(
    place: Place, family: str, year: int, items: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """How many standing results of the year did not meet each of these items."""
    if not items:
        return {}
    stmt = (
        select(DashboardNotMet.checklist_id, DashboardNotMet.item_id, func.count())
        .where(
            DashboardNotMet.family == family,
            DashboardNotMet.year == year,
            DashboardNotMet.latest.is_(True),
            tuple_(DashboardNotMet.checklist_id, DashboardNotMet.item_id).in_(items),
            *place.inside(DashboardNotMet.region_code),
        )
        .group_by(DashboardNotMet.checklist_id, DashboardNotMet.item_id)
    )
    return {(str(c), str(i)): int(n) for c, i, n in db.session.execute(stmt)}


def years(principal: Principal, family: str) -> list[int]:
    """The campaign years with final results of the family inside the caller's region."""
    stmt = (
        select(DashboardResult.year)
        .where(
            DashboardResult.family == family,
            DashboardResult.region_code.startswith(principal.scope, autoescape=True),
        )
        .distinct()
    )
    return sorted(int(y) for y in db.session.scalars(stmt))


def _overdue(place: Place, checklist_ids: Sequence[str], today: dt.date) -> list[ColumnElement[bool]]:
    """Rectification tasks still the facility's whose deadline has passed, of results on these
    checklists, inside the place."""
    return [
        RectificationTask.status.in_(sorted(rectification.ACTIVE)),
        RectificationTask.deadline < today,
        RectificationTask.inspection_id.in_(
            select(Inspection.id).where(Inspection.checklist_id.in_(checklist_ids))
        ),
        *place.inside(RectificationTask.region_code),
    ]


def overdue_counts(place: Place, checklist_ids: Sequence[str], today: dt.date) -> dict[str, tuple[int, int]]:
    """Overdue rectification tasks per sub-region key: (tasks, facilities)."""
    if not checklist_ids:
        return {}
    key = place.group(RectificationTask.region_code)
    stmt = (
        select(key, func.count(), func.count(RectificationTask.facility_id.distinct()))
        .where(*_overdue(place, checklist_ids, today))
        .group_by(key)
    )
    return {str(k): (int(n), int(f)) for k, n, f in db.session.execute(stmt)}


def overdue_by_facility(
    checklist_ids: Sequence[str], today: dt.date, facility_ids: Iterable[int]
) -> dict[int, int]:
    """Each facility's overdue rectification tasks (of results on these checklists)."""
    ids = sorted(set(facility_ids))
    if not ids or not checklist_ids:
        return {}
    stmt = (
        select(RectificationTask.facility_id, func.count())
        .where(
            RectificationTask.facility_id.in_(ids),
            RectificationTask.status.in_(sorted(rectification.ACTIVE)),
            RectificationTask.deadline < today,
            RectificationTask.inspection_id.in_(
                select(Inspection.id).where(Inspection.checklist_id.in_(checklist_ids))
            ),
        )
        .group_by(RectificationTask.facility_id)
    )
    return {int(f): int(n) for f, n in db.session.execute(stmt)}


# --- the lists behind the numbers ------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """One row of a list behind a number: a facility, and the inspection the number is about
    (its standing result, or a planned visit); None for a facility with no result."""

    facility: Facility
    inspection_id: int | None
    key: tuple[str, int]  # its keyset key: (region code, facility id or, for visits, inspection id)


def _page(stmt: Any, region: Any, ident: Any, after: tuple[str, int] | None, limit: int) -> Any:
    if after is not None:
        stmt = stmt.where(tuple_(region, ident) > after)
    return db.session.execute(stmt.order_by(region, ident).limit(limit))


def results_list(
    place: Place,
    family: str,
    year: int,
    tiers: Sequence[str] | None,
    after: tuple[str, int] | None,
    limit: int,
) -> list[Listed]:
    """Facilities whose standing result of the year reached one of `tiers` (any: None)."""
    stmt = (
        select(Facility, DashboardResult.inspection_id)
        .join(Facility, Facility.id == DashboardResult.facility_id)
        .where(
            DashboardResult.family == family,
            DashboardResult.year == year,
            DashboardResult.latest.is_(True),
            *place.inside(DashboardResult.region_code),
        )
    )
    if tiers is not None:
        stmt = stmt.where(DashboardResult.tier_code.in_(tiers))
    rows = _page(stmt, DashboardResult.region_code, DashboardResult.facility_id, after, limit)
    return [Listed(f, i, (f.region_code, f.id)) for f, i in rows]


def _standing(family: str, year: int) -> Any:
    return and_(
        DashboardResult.facility_id == Facility.id,
        DashboardResult.family == family,
        DashboardResult.year == year,
        DashboardResult.latest.is_(True),
    )


def facilities_list(
    place: Place,
    family: str,
    year: int,
    types: Sequence[str],
    unrated_only: bool,
    after: tuple[str, int] | None,
    limit: int,
) -> list[Listed]:
    """The family's facilities (with their standing result of the year, if any); `unrated_only`:
    those without one (未评)."""
    where = (Facility.type_code.in_(types), *place.inside(Facility.region_code))
    stmt: Any
    if unrated_only:
        stmt = select(Facility, null()).where(*where, ~exists().where(_standing(family, year)))
    else:
        stmt = (
            select(Facility, DashboardResult.inspection_id)
            .outerjoin(DashboardResult, _standing(family, year))
            .where(*where)
        )
    rows = _page(stmt, Facility.region_code, Facility.id, after, limit)
    return [Listed(f, i, (f.region_code, f.id)) for f, i in rows]


def not_met_list(
    place: Place,
    family: str,
    year: int,
    checklist_id: str,
    item_id: str,
    after: tuple[str, int] | None,
    limit: int,
) -> list[Listed]:
    """Facilities whose standing result of the year did not meet the item."""
    stmt = (
        select(Facility, DashboardNotMet.inspection_id)
        .join(Facility, Facility.id == DashboardNotMet.facility_id)
        .where(
            DashboardNotMet.family == family,
            DashboardNotMet.year == year,
            DashboardNotMet.latest.is_(True),
            DashboardNotMet.checklist_id == checklist_id,
            DashboardNotMet.item_id == item_id,
            *place.inside(DashboardNotMet.region_code),
        )
    )
    rows = _page(stmt, DashboardNotMet.region_code, DashboardNotMet.facility_id, after, limit)
    return [Listed(f, i, (f.region_code, f.id)) for f, i in rows]


def visits_list(
    place: Place,
    checklist_ids: Sequence[str],
    year: int,
    statuses: Sequence[str] | None,
    started: bool | None,
    after: tuple[str, int] | None,
    limit: int,
) -> list[Listed]:
    """Planned visits of the year (called-off ones aside unless asked for by status), by the facility's
    region code then inspection id; `started` narrows drafts to those with or without answers."""
    if not checklist_ids:
        return []
    stmt = (
        select(Facility, Inspection.id)
        .join(Facility, Facility.id == Inspection.facility_id)
        .where(*_planned(place, checklist_ids, year, year))
    )
    stmt = stmt.where(Inspection.status.in_(statuses) if statuses else Inspection.status != CANCELLED)
    if started is not None:
        stmt = stmt.where(_started() if started else ~_started())
    rows = _page(stmt, Inspection.region_code, Inspection.id, after, limit)
    return [Listed(f, i, (f.region_code, i)) for f, i in rows]


def overdue_list(
    place: Place,
    checklist_ids: Sequence[str],
    today: dt.date,
    after: tuple[str, int] | None,
    limit: int,
) -> list[Listed]:
    """Facilities with overdue rectification tasks (of results on these checklists)."""
    if not checklist_ids:
        return []
    late = select(RectificationTask.facility_id).where(*_overdue(place, checklist_ids, today))
    stmt = select(Facility, null()).where(Facility.id.in_(late), *place.inside(Facility.region_code))
    rows = _page(stmt, Facility.region_code, Facility.id, after, limit)
    return [Listed(f, None, (f.region_code, f.id)) for f, _ in rows]


@dataclass(frozen=True)
class Visit:
    id: int
    kind: str
    status: str
    inspection_date: dt.date
    final_tier_code: str | None
    plan_id: int | None
    plan_name: str | None
    started: bool


def visits(ids: Iterable[int]) -> dict[int, Visit]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stmt = (
        select(
            Inspection.id,
            Inspection.kind,
            Inspection.status,
            Inspection.inspection_date,
            Inspection.final_tier_code,
            Inspection.plan_id,
            Plan.name,
            case((Inspection.status == DRAFT, _started()), else_=False),
        )
        .outerjoin(Plan, Plan.id == Inspection.plan_id)
        .where(Inspection.id.in_(wanted))
    )
    return {
        i: Visit(i, kind, status, day, tier, plan_id, plan_name, bool(started))
        for i, kind, status, day, tier, plan_id, plan_name, started in db.session.execute(stmt)
    }


def standing_results(family: str, year: int, facility_ids: Iterable[int]) -> dict[int, DashboardResult]:
    ids = sorted(set(facility_ids))
    if not ids:
        return {}
    stmt = select(DashboardResult).where(
        DashboardResult.facility_id.in_(ids),
        DashboardResult.family == family,
        DashboardResult.year == year,
        DashboardResult.latest.is_(True),
    )
    return {r.facility_id: r for r in db.session.scalars(stmt)}


def report_numbers(inspection_ids: Iterable[int]) -> dict[int, str]:
    """The number of each inspection's newest stored report."""
    ids = sorted(set(inspection_ids))
    if not ids:
        return {}
    newest = (
        select(Report.inspection_id, func.max(Report.id).label("id"))
        .where(Report.inspection_id.in_(ids))
        .group_by(Report.inspection_id)
        .subquery()
    )
    stmt = select(Report.inspection_id, Report.number).join(newest, newest.c.id == Report.id)
    return {int(i): str(n) for i, n in db.session.execute(stmt)}


# --- targets -------------------------------------------------------------------------------------


def targets(codes: Iterable[str], family: str, year: int) -> dict[str, DashboardTarget]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    stmt = select(DashboardTarget).where(
        DashboardTarget.region_code.in_(wanted),
        DashboardTarget.family == family,
        DashboardTarget.year == year,
    )
    return {t.region_code: t for t in db.session.scalars(stmt)}


def targets_below(place: Place, family: str, year: int) -> dict[str, DashboardTarget]:
    """Targets set for regions inside the place."""
    stmt = select(DashboardTarget).where(
        DashboardTarget.family == family,
        DashboardTarget.year == year,
        *place.inside(DashboardTarget.region_code),
    )
    return {t.region_code: t for t in db.session.scalars(stmt)}


def target_for_update(code: str, family: str, year: int) -> DashboardTarget | None:
    stmt = (
        select(DashboardTarget)
        .where(
            DashboardTarget.region_code == code,
            DashboardTarget.family == family,
            DashboardTarget.year == year,
        )
        .with_for_update()
    )
    return db.session.scalars(stmt).one_or_none()
