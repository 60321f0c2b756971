"""Queries on facilities, inspections and their answers. Every list is filtered by the caller's scope."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Select,
    Subquery,
    and_,
    false,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)

from server.db.models import (
    Answer,
    AnswerRevision,
    Assignment,
    Conflict,
    Evidence,
    Facility,
    Inspection,
    Plan,
    Region,
    Report,
    ReviewSample,
    SampledInspection,
    StatusChange,
    SyncReceipt,
    User,
)
from server.domain.access import FINANCE_STATUSES, Principal
from server.domain.workflow import (
    APPROVED,
    CITY_REVIEW,
    CITY_REVIEWER,
    COUNTY_APPROVED,
    COUNTY_REVIEW,
    COUNTY_REVIEWER,
    FINANCE,
    SELF_ASSESSMENT,
    SELF_ASSESSOR,
    SUBMITTED,
)
from server.extensions import db


def _scoped_facilities(principal: Principal, stmt: Select[Any]) -> Select[Any]:
    if principal.role == SELF_ASSESSOR:
        return stmt.where(Facility.id == (principal.facility_id or -1))
    return stmt.where(Facility.region_code.startswith(principal.scope, autoescape=True))


def _scoped_inspections(principal: Principal, stmt: Select[Any]) -> Select[Any]:
    if principal.role == SELF_ASSESSOR:
        return stmt.where(Inspection.facility_id == (principal.facility_id or -1))
    if principal.role == FINANCE:  # final results only
        stmt = stmt.where(Inspection.status.in_(FINANCE_STATUSES))
    return stmt.where(Inspection.region_code.startswith(principal.scope, autoescape=True))


def region_children(principal: Principal, parent: str, after: str | None, limit: int) -> list[Region]:
    """Up to `limit` direct subregions of `parent` inside the caller's scope, by code, after the
    code `after` (served by the primary key and ix_regions_parent_code)."""
    stmt = select(Region).where(
        Region.parent_code == parent, Region.code.startswith(principal.scope, autoescape=True)
    )
    if after is not None:
        stmt = stmt.where(Region.code > after)
    return list(db.session.scalars(stmt.order_by(Region.code).limit(limit)))


def child_counts(codes: Iterable[str]) -> dict[str, int]:
    """How many direct subregions each of these regions has (absent: none)."""
    codes = list(set(codes))
    if not codes:
        return {}
    stmt = (
        select(Region.parent_code, func.count())
        .where(Region.parent_code.in_(codes))
        .group_by(Region.parent_code)
    )
    return {str(code): int(n) for code, n in db.session.execute(stmt)}


def regions_by_codes(codes: Iterable[str]) -> dict[str, Region]:
    codes = list(set(codes))
    if not codes:
        return {}
    return {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(codes)))}


def region(code: str) -> Region | None:
    return db.session.get(Region, code)


UNRATED = "unrated"  # a facility without a final result yet (the last_tier filter's 未评)


def _last_results(scope: str) -> Subquery:
    """Each facility's last final result inside `scope`: the tier its newest finally approved
    inspection reached (self-assessments aside)."""
    ranked = (
        select(
            Inspection.facility_id,
            Inspection.id.label("inspection_id"),
            Inspection.inspection_date,
            Inspection.final_tier_code.label("tier_code"),
            Inspection.final_tier_label.label("tier_label"),
            func.row_number()
            .over(
                partition_by=Inspection.facility_id,
                order_by=(Inspection.inspection_date.desc(), Inspection.id.desc()),
            )
            .label("n"),
        )
        .where(
            Inspection.status == APPROVED,
            Inspection.final_tier_code.is_not(None),
            Inspection.kind != SELF_ASSESSMENT,
            Inspection.region_code.startswith(scope, autoescape=True),
        )
        .subquery()
    )
    return select(ranked).where(ranked.c.n == 1).subquery()


@dataclass(frozen=True)
class LastResult:
    inspection_id: int
    inspection_date: dt.date
    tier_code: str
    tier_label: str


def last_results(principal: Principal, facility_ids: Iterable[int]) -> dict[int, LastResult]:
    ids = set(facility_ids)
    if not ids:
        return {}
    last = _last_results(principal.scope)
    stmt = select(
        last.c.facility_id, last.c.inspection_id, last.c.inspection_date, last.c.tier_code, last.c.tier_label
    ).where(last.c.facility_id.in_(ids))
    return {row[0]: LastResult(*row[1:]) for row in db.session.execute(stmt)}


def facilities(
    principal: Principal,
    type_code: str | None = None,
    limit: int = 500,
    after: tuple[str, int] | None = None,
    *,
    search: str | None = None,
    region_prefix: str | None = None,
    last_tier: str | None = None,
    type_codes: list[str] | None = None,
) -> list[Facility]:
    """Up to `limit` facilities by (region code, id), after the key `after` (keyset paging);
    `search` matches part of the name, `region_prefix` a region's code prefix, `last_tier` the
    tier code of the last final result (UNRATED: none yet)."""
    stmt = _scoped_facilities(principal, select(Facility))
    if type_codes is not None:
        stmt = stmt.where(Facility.type_code.in_(type_codes))
    if last_tier is not None:
        last = _last_results(principal.scope)
        if last_tier == UNRATED:
            stmt = stmt.where(Facility.id.not_in(select(last.c.facility_id)))
        else:
            stmt = stmt.where(
                Facility.id.in_(select(last.c.facility_id).where(last.c.tier_code == last_tier))
            )
    if type_code:
        stmt = stmt.where(Facility.type_code == type_code)
    if search:
        stmt = stmt.where(Facility.name.contains(search, autoescape=True))
    if region_prefix is not None:
        stmt = stmt.where(Facility.region_code.startswith(region_prefix, autoescape=True))
    if after is not None:
        stmt = stmt.where(tuple_(Facility.region_code, Facility.id) > after)
    return list(db.session.scalars(stmt.order_by(Facility.region_code, Facility.id).limit(limit)))


@dataclass(frozen=True)
class HistoryRow:
    inspection: Inspection
    tier_code: str | None
    tier_label: str | None
    report_number: str | None
    plan_id: int | None
    plan_name: str | None


def history(principal: Principal, facility_id: int) -> list[HistoryRow]:
    """The facility's inspections the caller may see, newest first, each with its newest report's
    tier and number (None without a report) and its plan's name."""
    newest = (
        select(Report.inspection_id, func.max(Report.id).label("report_id"))
        .group_by(Report.inspection_id)
        .subquery()
    )
    stmt: Select[Any] = (
        select(Inspection, Report.tier_code, Report.tier_label, Report.number, Plan.id, Plan.name)  # type: ignore[assignment]
        .outerjoin(newest, newest.c.inspection_id == Inspection.id)
        .outerjoin(Report, Report.id == newest.c.report_id)
        .outerjoin(Plan, Plan.id == Inspection.plan_id)
        .where(Inspection.facility_id == facility_id)
        .order_by(Inspection.inspection_date.desc(), Inspection.id.desc())
    )
    rows = db.session.execute(_scoped_inspections(principal, stmt))
    return [HistoryRow(i, code, label, number, plan, name) for i, code, label, number, plan, name in rows]


def of_facility(facility_id: int) -> list[Inspection]:
    """Every inspection of one facility, oldest first (the caller has scoped the facility)."""
    stmt = select(Inspection).where(Inspection.facility_id == facility_id).order_by(Inspection.id)
    return list(db.session.scalars(stmt))


def facility(principal: Principal, facility_id: int) -> Facility | None:
    stmt = _scoped_facilities(principal, select(Facility).where(Facility.id == facility_id))
    return db.session.scalars(stmt).one_or_none()


def facilities_by_ids(ids: Iterable[int]) -> dict[int, Facility]:
    ids = set(ids)
    if not ids:
        return {}
    return {f.id: f for f in db.session.scalars(select(Facility).where(Facility.id.in_(ids)))}


def inspection(principal: Principal, inspection_id: int) -> Inspection | None:
    stmt = _scoped_inspections(principal, select(Inspection).where(Inspection.id == inspection_id))
    return db.session.scalars(stmt).one_or_none()


def inspections_by_ids(principal: Principal, ids: Iterable[int]) -> dict[int, Inspection]:
    ids = set(ids)
    if not ids:
        return {}
    stmt = _scoped_inspections(principal, select(Inspection).where(Inspection.id.in_(ids)))
    return {i.id: i for i in db.session.scalars(stmt)}


def assigned_inspections(user_id: int, statuses: Iterable[str]) -> list[Inspection]:
    stmt = (
        select(Inspection)
        .join(Assignment, Assignment.inspection_id == Inspection.id)
        .where(Assignment.user_id == user_id, Inspection.status.in_(list(statuses)))
        .order_by(Inspection.id)
    )
    return list(db.session.scalars(stmt))


def lock_inspections(ids: Sequence[int]) -> None:
    """Serialise concurrent writers of these inspections until the transaction ends (row locks on
    PostgreSQL, the write lock on SQLite), so answers are read and written against the same state."""
    if ids:
        db.session.execute(
            update(Inspection).where(Inspection.id.in_(sorted(ids))).values(sync_seq=Inspection.sync_seq + 1)
        )


def lock_facility(facility_id: int) -> None:
    """Serialise concurrent writers of this facility's record until the transaction ends (a row
    lock on PostgreSQL, the write lock on SQLite): its facts are read and written whole."""
    db.session.execute(update(Facility).where(Facility.id == facility_id).values(name=Facility.name))


def assignees(inspection_ids: Iterable[int]) -> dict[int, set[int]]:
    ids = set(inspection_ids)
    result: dict[int, set[int]] = {i: set() for i in ids}
    if ids:
        for iid, uid in db.session.execute(
            select(Assignment.inspection_id, Assignment.user_id).where(Assignment.inspection_id.in_(ids))
        ):
            result[iid].add(uid)
    return result


def inspector_authors(inspection_id: int) -> set[int]:
    stmt = select(AnswerRevision.author_id).where(
        AnswerRevision.inspection_id == inspection_id, AnswerRevision.source == "inspector"
    )
    return set(db.session.scalars(stmt.distinct()))


def add_assignment(inspection_id: int, user_id: int, assigned_by: int) -> None:
    if db.session.get(Assignment, (inspection_id, user_id)) is None:
        db.session.add(Assignment(inspection_id=inspection_id, user_id=user_id, assigned_by=assigned_by))


def answers(inspection_ids: Iterable[int]) -> list[Answer]:
    ids = list(set(inspection_ids))
    if not ids:
        return []
    return list(db.session.scalars(select(Answer).where(Answer.inspection_id.in_(ids))))


def answer(inspection_id: int, item_id: str) -> Answer | None:
    return db.session.get(Answer, (inspection_id, item_id))


def revisions(inspection_id: int, item_id: str | None = None) -> list[AnswerRevision]:
    stmt = select(AnswerRevision).where(AnswerRevision.inspection_id == inspection_id)
    if item_id is not None:
        stmt = stmt.where(AnswerRevision.item_id == item_id)
    return list(db.session.scalars(stmt.order_by(AnswerRevision.item_id, AnswerRevision.revision)))


def insert_rows(model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Bulk insert inside the session's transaction: COPY on PostgreSQL (a sync writes hundreds
    of rows to three tables, and row-by-row INSERTs cost more than everything else), a plain
    executemany on SQLite."""
    if not rows:
        return
    table = model.__table__
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(insert(table), rows)
        return
    columns = [c for c in table.columns if c.name in rows[0]]
    json_columns = {c.name for c in columns if isinstance(c.type, JSON)}
    names = ", ".join(f'"{c.name}"' for c in columns)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(row[c.name], ensure_ascii=False) if c.name in json_columns else row[c.name]
                    for c in columns
                ]
            )


def update_answers(rows: list[dict[str, Any]]) -> None:
    """Bulk update of current answers by primary key (inspection_id, item_id)."""
    if rows:
        db.session.execute(update(Answer), rows)


def receipts(change_ids: Iterable[str]) -> dict[str, SyncReceipt]:
    ids = list(set(change_ids))
    if not ids:
        return {}
    return {
        r.change_id: r for r in db.session.scalars(select(SyncReceipt).where(SyncReceipt.change_id.in_(ids)))
    }


def conflicts(inspection_id: int, open_only: bool = False) -> list[Conflict]:
    stmt = select(Conflict).where(Conflict.inspection_id == inspection_id)
    if open_only:
        stmt = stmt.where(Conflict.resolved_at.is_(None))
    return list(db.session.scalars(stmt.order_by(Conflict.id)))


def conflict(inspection_id: int, conflict_id: int) -> Conflict | None:
    row = db.session.get(Conflict, conflict_id)
    return row if row is not None and row.inspection_id == inspection_id else None


def evidence_counts(inspection_id: int) -> dict[str, int]:
    return evidence_counts_of([inspection_id]).get(inspection_id, {})


def evidence_counts_of(inspection_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Stored photos per inspection and item, in one query."""
    ids = list(inspection_ids)
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    if not ids:
        return counts
    stmt = (
        select(Evidence.inspection_id, Evidence.item_id, func.count())
        .where(Evidence.inspection_id.in_(ids), Evidence.status == "verified")
        .group_by(Evidence.inspection_id, Evidence.item_id)
    )
    for inspection_id, item_id, n in db.session.execute(stmt):
        counts[inspection_id][item_id] = int(n)
    return counts


def status_changes(inspection_id: int) -> list[StatusChange]:
    stmt = select(StatusChange).where(StatusChange.inspection_id == inspection_id).order_by(StatusChange.id)
    return list(db.session.scalars(stmt))


def in_open_sample(inspection_id: int) -> bool:
    stmt = (
        select(func.count())
        .select_from(SampledInspection)
        .where(SampledInspection.inspection_id == inspection_id)
    )
    return bool(db.session.scalar(stmt))


def county_approved_in(
    principal: Principal, since: dt.date | None = None, until: dt.date | None = None
) -> list[int]:
    """The county-approved inspections of the caller's region not drawn in a sample before, whose
    inspection day lies in [since, until] (either open)."""
    drawn = select(SampledInspection.inspection_id)
    stmt = select(Inspection.id).where(Inspection.status == "county_approved", Inspection.id.not_in(drawn))
    if since is not None:
        stmt = stmt.where(Inspection.inspection_date >= since)
    if until is not None:
        stmt = stmt.where(Inspection.inspection_date <= until)
    return list(db.session.scalars(_scoped_inspections(principal, stmt)))


def samples_in(principal: Principal, limit: int = 100) -> list[ReviewSample]:
    """The samples drawn inside the caller's region, newest first."""
    stmt = select(ReviewSample).where(ReviewSample.region_code.startswith(principal.scope, autoescape=True))
    return list(db.session.scalars(stmt.order_by(ReviewSample.id.desc()).limit(limit)))


def sampled_statuses(sample_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """For each sample, its drawn inspections as (id, status)."""
    ids = sorted(set(sample_ids))
    found: dict[int, list[tuple[int, str]]] = {i: [] for i in ids}
    if not ids:
        return found
    stmt = (
        select(SampledInspection.sample_id, Inspection.id, Inspection.status)
        .join(Inspection, Inspection.id == SampledInspection.inspection_id)
        .where(SampledInspection.sample_id.in_(ids))
        .order_by(Inspection.id)
    )
    for sample_id, inspection_id, status in db.session.execute(stmt):
        found[sample_id].append((inspection_id, status))
    return found


# --- the reviewer's queue ------------------------------------------------------------------------


@dataclass(frozen=True)
class InspectionFilter:
    """What a listing is narrowed to; every part is optional. The caller's scope always applies."""

    status: str | None = None
    facility_id: int | None = None
    search: str | None = None  # part of the facility's name
    region_code: str | None = None  # a county, township or village inside the caller's region
    checklist_id: str | None = None
    awaiting: bool = False  # only what awaits the caller (see `_awaiting`)


def _awaiting(principal: Principal) -> ColumnElement[bool]:
    """What awaits this user's action now. A county reviewer: submitted inspections in the region
    and the county reviews they hold (or nobody holds). A city reviewer: county-approved
    inspections drawn for re-review and the city reviews they hold (or nobody holds). Nothing
    awaits anyone else (an administrator does not review)."""
    if principal.role == COUNTY_REVIEWER:
        return or_(
            Inspection.status == SUBMITTED,
            and_(
                Inspection.status == COUNTY_REVIEW,
                or_(
                    Inspection.county_reviewer_id.is_(None),
                    Inspection.county_reviewer_id == principal.user_id,
                ),
            ),
        )
    if principal.role == CITY_REVIEWER:
        sampled = select(SampledInspection.inspection_id).where(
            SampledInspection.inspection_id == Inspection.id
        )
        return or_(
            and_(Inspection.status == COUNTY_APPROVED, sampled.exists()),
            and_(
                Inspection.status == CITY_REVIEW,
                or_(Inspection.city_reviewer_id.is_(None), Inspection.city_reviewer_id == principal.user_id),
            ),
        )
    return false()


def filtered_inspections(
    principal: Principal, f: InspectionFilter, awaiting: bool | None = None
) -> Select[Any]:
    """The caller's inspections narrowed by `f` (`awaiting` overrides `f.awaiting`), newest
    inspection date first."""
    stmt = _scoped_inspections(principal, select(Inspection))
    if f.status:
        stmt = stmt.where(Inspection.status == f.status)
    if f.facility_id:
        stmt = stmt.where(Inspection.facility_id == f.facility_id)
    if f.region_code:
        stmt = stmt.where(Inspection.region_code.startswith(f.region_code, autoescape=True))
    if f.checklist_id:
        stmt = stmt.where(Inspection.checklist_id == f.checklist_id)
    if f.search:
        stmt = stmt.where(
            Inspection.facility_id.in_(
                select(Facility.id).where(Facility.name.contains(f.search, autoescape=True))
            )
        )
    if f.awaiting if awaiting is None else awaiting:
        stmt = stmt.where(_awaiting(principal))
    return stmt.order_by(Inspection.inspection_date.desc(), Inspection.id.desc())


def awaiting_among(principal: Principal, inspection_ids: Iterable[int]) -> set[int]:
    ids = list(set(inspection_ids))
    if not ids:
        return set()
    stmt = _scoped_inspections(principal, select(Inspection.id).where(Inspection.id.in_(ids)))
    return set(db.session.scalars(stmt.where(_awaiting(principal))))


def count_of(stmt: Select[Any]) -> int:
    return int(db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)


def after_key(stmt: Select[Any], key: tuple[dt.date, int] | None) -> Select[Any]:
    """The rows of `filtered_inspections` after `key` in its order (inspection date, then id,
    both descending): keyset paging."""
    if key is None:
        return stmt
    return stmt.where(tuple_(Inspection.inspection_date, Inspection.id) < key)


def page_of(stmt: Select[Any], limit: int) -> list[Inspection]:
    return list(db.session.scalars(stmt.limit(limit)))


def all_of(stmt: Select[Any]) -> list[Inspection]:
    return list(db.session.scalars(stmt))


def sampled_at(inspection_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """When each of these inspections was last drawn for city re-review (absent: never)."""
    ids = list(set(inspection_ids))
    if not ids:
        return {}
    stmt = (
        select(SampledInspection.inspection_id, func.max(ReviewSample.drawn_at))
        .join(ReviewSample, ReviewSample.id == SampledInspection.sample_id)
        .where(SampledInspection.inspection_id.in_(ids))
        .group_by(SampledInspection.inspection_id)
    )
    result: dict[int, dt.datetime] = {}
    for inspection_id, drawn_at in db.session.execute(stmt):
        if drawn_at is not None:
            result[inspection_id] = drawn_at  # UTCDateTime: max() keeps the column type, and its offset
    return result


def newest_sample(inspection_id: int) -> tuple[int, dt.datetime] | None:
    """The newest city sample that drew this inspection: its id and when it was drawn."""
    row = db.session.execute(
        select(ReviewSample.id, ReviewSample.drawn_at)
        .join(SampledInspection, SampledInspection.sample_id == ReviewSample.id)
        .where(SampledInspection.inspection_id == inspection_id)
        .order_by(ReviewSample.drawn_at.desc(), ReviewSample.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row.id, row.drawn_at)  # UTCDateTime: already aware


def display_names(user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in rows}


def inspector_names(inspection_ids: Iterable[int]) -> dict[int, list[str]]:
    """The assigned inspectors' display names per inspection, in the order they were assigned."""
    ids = list(set(inspection_ids))
    result: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        stmt = (
            select(Assignment.inspection_id, User.display_name)
            .join(User, User.id == Assignment.user_id)
            .where(Assignment.inspection_id.in_(ids))
            .order_by(Assignment.inspection_id, Assignment.assigned_at, User.id)
        )
        for inspection_id, name in db.session.execute(stmt):
            result[inspection_id].append(name)
    return result
