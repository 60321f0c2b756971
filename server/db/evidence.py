"""Queries on evidence rows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import func, select, union_all

from server.db.models import Evidence, RectificationPhoto
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


_CHECK_COLUMNS = (
    Evidence.id,
    Evidence.object_key,
    Evidence.sha256,
    Evidence.thumb_key,
    Evidence.thumb_sha256,
)


def check_batches(after_id: int = 0, batch: int = 1000) -> Iterator[Sequence[Any]]:
    """Evidence rows after `after_id` as plain rows of (id, object_key, sha256, thumb_key,
    thumb_sha256), in id order, `batch` per keyset query on the primary key."""
    last = after_id
    while True:
        stmt = select(*_CHECK_COLUMNS).where(Evidence.id > last).order_by(Evidence.id).limit(batch)
        rows = db.session.execute(stmt).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def count_after(after_id: int = 0) -> int:
    return int(
        db.session.scalar(select(func.count()).select_from(Evidence).where(Evidence.id > after_id)) or 0
    )


def max_id() -> int:
    return int(db.session.scalar(select(func.max(Evidence.id))) or 0)


def referenced_keys(batch: int = 5000) -> Iterator[str]:
    """Every object and thumbnail key the rows refer to (evidence and the photos of fixes), in byte
    order (duplicates possible), from one streamed query: a server-side cursor on PostgreSQL, so
    only `batch` keys are held at a time. Byte order needs a binary collation: "C" on PostgreSQL
    (whose default collation may sort by language rules, '-' and '/' included), SQLite's default
    BINARY elsewhere."""
    collation = "C" if db.session.get_bind().dialect.name == "postgresql" else "BINARY"
    objects = select(Evidence.object_key.label("key"))
    thumbs = select(Evidence.thumb_key.label("key")).where(Evidence.thumb_key.is_not(None))
    # the photos of rectifications' fixes live in the same store (server/services/rectifications.py)
    fixes = select(RectificationPhoto.object_key.label("key"))
    fix_thumbs = select(RectificationPhoto.thumb_key.label("key"))
    keys = union_all(objects, thumbs, fixes, fix_thumbs).subquery()
    stmt = select(keys.c.key).order_by(keys.c.key.collate(collation))
    result = db.session.execute(stmt, execution_options={"yield_per": batch})
    try:
        for partition in result.partitions():
            for (key,) in partition:
                yield key
    finally:
        result.close()


def object_referenced(key: str) -> bool:
    stmt = select(func.count()).select_from(Evidence).where(Evidence.object_key == key)
    return bool(db.session.scalar(stmt))
