"""Queries on publications of results (公示), their entries and objections, and the regions' payout
settings. A publication is seen by users whose region contains the publication's region; its
public page is found by its token alone.

What a payout sheet or a new publication reads about results is set-based over a payout `Scope`
(server.db.payouts): one query whatever the number of inspections.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select

from server.db.models import (
    Inspection,
    PayoutSetting,
    Publication,
    PublicationEntry,
    PublicationObjection,
)
from server.db.payouts import Scope
from server.domain import publications
from server.domain.access import Principal
from server.extensions import db


def _scoped(principal: Principal) -> Any:
    return select(Publication).where(Publication.region_code.startswith(principal.scope, autoescape=True))


def publication(principal: Principal, publication_id: int) -> Publication | None:
    return db.session.scalars(_scoped(principal).where(Publication.id == publication_id)).one_or_none()


def by_request(request_id: str) -> Publication | None:
    return db.session.scalars(select(Publication).where(Publication.request_id == request_id)).one_or_none()


def by_token(token: str) -> Publication | None:
    return db.session.scalars(select(Publication).where(Publication.token == token)).one_or_none()


def page(principal: Principal, before: int | None, limit: int) -> list[Publication]:
    """Up to `limit` publications of the caller's region, newest first (by id), before `before`."""
    stmt = _scoped(principal)
    if before is not None:
        stmt = stmt.where(Publication.id < before)
    return list(db.session.scalars(stmt.order_by(Publication.id.desc()).limit(limit)))


def visible_ids(principal: Principal, ids: Iterable[int]) -> set[int]:
    wanted = set(ids)
    if not wanted:
        return set()
    stmt = select(Publication.id).where(
        Publication.id.in_(wanted), Publication.region_code.startswith(principal.scope, autoescape=True)
    )
    return set(db.session.scalars(stmt))


@dataclass(frozen=True)
class Counts:
    entries: int
    withdrawn: int
    objections: int
    pending: int


def counts(publication_ids: Iterable[int]) -> dict[int, Counts]:
    """Per publication: its entries, those withdrawn, its objections and those still pending."""
    ids = sorted(set(publication_ids))
    if not ids:
        return {}
    found: dict[int, list[int]] = {i: [0, 0, 0, 0] for i in ids}
    withdrawn = func.sum(case((PublicationEntry.status == publications.WITHDRAWN, 1), else_=0))
    stmt = (
        select(PublicationEntry.publication_id, func.count(), withdrawn)
        .where(PublicationEntry.publication_id.in_(ids))
        .group_by(PublicationEntry.publication_id)
    )
    for publication_id, total, gone in db.session.execute(stmt):
        found[publication_id][0:2] = [int(total), int(gone or 0)]
    pending = func.sum(case((PublicationObjection.outcome == publications.PENDING, 1), else_=0))
    stmt = (
        select(PublicationObjection.publication_id, func.count(), pending)
        .where(PublicationObjection.publication_id.in_(ids))
        .group_by(PublicationObjection.publication_id)
    )
    for publication_id, total, waiting in db.session.execute(stmt):
        found[publication_id][2:4] = [int(total), int(waiting or 0)]
    return {i: Counts(*values) for i, values in found.items()}


def entries(publication_id: int) -> list[PublicationEntry]:
    """The publication's entries in the order they were published (by county, then name)."""
    stmt = select(PublicationEntry).where(PublicationEntry.publication_id == publication_id)
    return list(db.session.scalars(stmt.order_by(PublicationEntry.id)))


def entry(publication_id: int, entry_id: int, lock: bool = False) -> PublicationEntry | None:
    stmt = select(PublicationEntry).where(
        PublicationEntry.id == entry_id, PublicationEntry.publication_id == publication_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return db.session.scalars(stmt).one_or_none()


def objections(publication_id: int) -> list[PublicationObjection]:
    stmt = select(PublicationObjection).where(PublicationObjection.publication_id == publication_id)
    return list(db.session.scalars(stmt.order_by(PublicationObjection.id)))


def objection(publication_id: int, objection_id: int, lock: bool = False) -> PublicationObjection | None:
    stmt = select(PublicationObjection).where(
        PublicationObjection.id == objection_id, PublicationObjection.publication_id == publication_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return db.session.scalars(stmt).one_or_none()


def add(rows: Iterable[Any]) -> None:
    db.session.add_all(list(rows))
    db.session.flush()


# --- results of a region and period --------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """What a publication shows of an approved inspection besides its report."""

    inspection_id: int
    kind: str
    inspection_date: dt.date


def results(scope: Scope) -> dict[int, Result]:
    """The kind and date of each approved inspection in scope."""
    approvals = scope.approvals()
    stmt = select(Inspection.id, Inspection.kind, Inspection.inspection_date).join(
        approvals, approvals.c.inspection_id == Inspection.id
    )
    return {i: Result(i, kind, day) for i, kind, day in db.session.execute(stmt)}


@dataclass(frozen=True)
class Earlier:
    """A result of an inspection in scope that a publication holds already."""

    inspection_id: int
    report_sha256: str
    publication_id: int
    title: str


def published_in(scope: Scope) -> dict[tuple[int, str], Earlier]:
    """The results of the inspections in scope already published, by (inspection, report digest)."""
    approvals = scope.approvals()
    stmt = (
        select(
            PublicationEntry.inspection_id,
            PublicationEntry.report_sha256,
            Publication.id,
            Publication.title,
        )
        .join(Publication, Publication.id == PublicationEntry.publication_id)
        .join(approvals, approvals.c.inspection_id == PublicationEntry.inspection_id)
    )
    return {(row[0], row[1]): Earlier(*row) for row in db.session.execute(stmt)}


def published_facts(scope: Scope) -> dict[tuple[int, str], publications.Published]:
    """For the payout sheet: each published result of an inspection in scope, by (inspection,
    report digest), with its publication's last day, whether it was withdrawn and how many of its
    objections are still pending."""
    approvals = scope.approvals()
    pending = (
        select(PublicationObjection.entry_id, func.count().label("n"))
        .where(PublicationObjection.outcome == publications.PENDING)
        .group_by(PublicationObjection.entry_id)
        .subquery("pending")
    )
    stmt = (
        select(
            PublicationEntry.inspection_id,
            PublicationEntry.report_sha256,
            Publication.ends_on,
            PublicationEntry.status,
            func.coalesce(pending.c.n, 0),
        )
        .join(Publication, Publication.id == PublicationEntry.publication_id)
        .join(approvals, approvals.c.inspection_id == PublicationEntry.inspection_id)
        .outerjoin(pending, pending.c.entry_id == PublicationEntry.id)
    )
    return {
        (inspection_id, digest): publications.Published(
            ends_on, status == publications.WITHDRAWN, int(waiting)
        )
        for inspection_id, digest, ends_on, status, waiting in db.session.execute(stmt)
    }


# --- the regions' payout settings ----------------------------------------------------------------


def payout_settings() -> dict[str, bool]:
    """Every region's setting: a small table (one row per region that set one)."""
    stmt = select(PayoutSetting.region_code, PayoutSetting.requires_publication)
    return {code: bool(required) for code, required in db.session.execute(stmt)}


def payout_setting_rows(scope: str, ancestors: Iterable[str]) -> list[PayoutSetting]:
    """The settings of the regions above a region and of those inside it (`scope`, a prefix)."""
    stmt = select(PayoutSetting).where(
        PayoutSetting.region_code.startswith(scope, autoescape=True)
        | PayoutSetting.region_code.in_(list(ancestors))
    )
    return list(db.session.scalars(stmt.order_by(PayoutSetting.region_code)))


def payout_setting(region_code: str) -> PayoutSetting | None:
    return db.session.get(PayoutSetting, region_code)
