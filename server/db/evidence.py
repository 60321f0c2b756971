"""Queries on evidence rows."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select

from server.db.models import Evidence
from server.extensions import db


def by_id(evidence_id: int) -> Evidence | None:
    return db.session.get(Evidence, evidence_id)


def by_upload_id(upload_id: str) -> Evidence | None:
    return db.session.scalars(select(Evidence).where(Evidence.upload_id == upload_id)).one_or_none()


def of_inspection(inspection_id: int) -> list[Evidence]:
    stmt = (
        select(Evidence)
        .where(Evidence.inspection_id == inspection_id)
        .order_by(Evidence.item_id, Evidence.id)
    )
    return list(db.session.scalars(stmt))


def digest_used_for_other_facility(sha256: str, facility_id: int) -> bool:
    stmt = (
        select(func.count())
        .select_from(Evidence)
        .where(
            Evidence.sha256 == sha256, Evidence.facility_id.is_not(None), Evidence.facility_id != facility_id
        )
    )
    return bool(db.session.scalar(stmt))


def all_rows(batch: int = 500) -> Iterator[Evidence]:
    last = 0
    while True:
        rows = list(
            db.session.scalars(select(Evidence).where(Evidence.id > last).order_by(Evidence.id).limit(batch))
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def object_referenced(key: str) -> bool:
    stmt = select(func.count()).select_from(Evidence).where(Evidence.object_key == key)
    return bool(db.session.scalar(stmt))
