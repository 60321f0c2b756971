"""Queries on reports, and the markers that change whenever an inspection's report would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select, update

from server.db.models import AnswerRevision, Conflict, Evidence, PublicationEntry, Report, StatusChange
from server.domain.publications import WITHDRAWN
from server.extensions import db


def change_markers(inspection_id: int) -> tuple[int, ...]:
    markers: list[int] = []
    for model, key in (
        (AnswerRevision, AnswerRevision.id),
        (Evidence, Evidence.id),
        (StatusChange, StatusChange.id),
        (Conflict, Conflict.id),
    ):
        row = db.session.execute(
            select(func.count(), func.coalesce(func.max(key), 0)).where(model.inspection_id == inspection_id)
        ).one()
        markers += [int(row[0]), int(row[1])]
    return tuple(markers)


def forget_fingerprints(inspection_ids: Sequence[int]) -> None:
    """Mark the stored reports of these inspections as possibly out of date (what they show
    changed outside the inspection's own rows, e.g. the facility's facts): the next request
    renders again, and reuses a stored report only if its snapshot is still the same."""
    if inspection_ids:
        db.session.execute(
            update(Report).where(Report.inspection_id.in_(inspection_ids)).values(fingerprint="")
        )


def by_fingerprint(inspection_id: int, fingerprint: str) -> Report | None:
    stmt = select(Report).where(Report.inspection_id == inspection_id, Report.fingerprint == fingerprint)
    return db.session.scalars(stmt.order_by(Report.id.desc()).limit(1)).first()


def by_snapshot(inspection_id: int, digest: str) -> Report | None:
    stmt = select(Report).where(Report.inspection_id == inspection_id, Report.snapshot_sha256 == digest)
    return db.session.scalars(stmt.order_by(Report.id.desc()).limit(1)).first()


def by_code(code: str) -> Report | None:
    return db.session.scalars(select(Report).where(Report.code == code)).one_or_none()


def evidence_of(inspection_id: int) -> list[Evidence]:
    stmt = select(Evidence).where(Evidence.inspection_id == inspection_id, Evidence.status == "verified")
    return list(db.session.scalars(stmt.order_by(Evidence.item_id, Evidence.id)))


def withdrawn_on(inspection_id: int, digest: str) -> dt.date | None:
    """The China day the result of this report was withdrawn after its publication (an upheld
    objection), if it was."""
    stmt = select(PublicationEntry.withdrawn_on).where(
        PublicationEntry.inspection_id == inspection_id,
        PublicationEntry.report_sha256 == digest,
        PublicationEntry.status == WITHDRAWN,
    )
    return db.session.execute(stmt.limit(1)).scalar_one_or_none()
