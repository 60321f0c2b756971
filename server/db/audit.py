"""Queries on the audit log. Appending takes a lock so that concurrent writers chain in order."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select, text, update

from server.db.models import (
    AuditEntry,
    AuthSession,
    Conflict,
    Evidence,
    Facility,
    Inspection,
    Payout,
    Plan,
    Report,
    ReviewSample,
    User,
)
from server.domain import regions
from server.extensions import db

AUDIT_LOCK = 4_210_200  # any constant: the advisory lock id of the audit chain


def lock_tail() -> AuditEntry | None:
    """The last entry, with the chain locked until this transaction ends."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK})
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()


def lock_chain() -> None:
    """Serialise this transaction with every other writer of the log until it ends: the advisory
    lock on PostgreSQL, the database's write lock on SQLite (taken by a write that changes nothing)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK})
    else:
        db.session.execute(update(AuditEntry).where(AuditEntry.seq < 0).values(seq=AuditEntry.seq))


def recorded(action: str, target_type: str, target_id: str) -> AuditEntry | None:
    """The first entry of this action on this object, if any."""
    stmt = select(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.target_type == target_type, AuditEntry.target_id == target_id
    )
    return db.session.scalars(stmt.order_by(AuditEntry.seq).limit(1)).first()


def tail() -> AuditEntry | None:
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()


def hashes_of(seqs: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(seqs))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        stmt = select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq.in_(chunk))
        found.update({seq: digest for seq, digest in db.session.execute(stmt)})
    return found


def add(entry: AuditEntry) -> None:
    db.session.add(entry)


_CHAIN_COLUMNS = (
    AuditEntry.seq,
    AuditEntry.at,
    AuditEntry.actor_id,
    AuditEntry.actor,
    AuditEntry.action,
    AuditEntry.target_type,
    AuditEntry.target_id,
    AuditEntry.ip,
    AuditEntry.region_code,
    AuditEntry.before,
    AuditEntry.after,
    AuditEntry.prev_hash,
    AuditEntry.hash,
)


def chain_batches(after_seq: int = 0, batch: int = 5000) -> Iterator[Sequence[Row[Any]]]:
    """The entries after `after_seq` in order, as plain rows (no ORM objects), `batch` at a time:
    one keyset query per batch on the primary key, so memory stays bounded and no query slows down
    with the depth of the log."""
    last = after_seq
    while True:
        stmt = select(*_CHAIN_COLUMNS).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        rows = db.session.execute(stmt).all()
        if not rows:
            return
        yield rows
        last = rows[-1].seq


@dataclass(frozen=True)
class Filter:
    """What the console's audit log is narrowed to; None: no condition."""

    actor: str | None = None  # a username
    action: str | None = None  # an action, or a family of them ("users." for every users.*)
    target_type: str | None = None
    target_id: str | None = None
    since: dt.datetime | None = None  # instants, [since, until)
    until: dt.datetime | None = None


def newest(scope: str, where: Filter, before_seq: int | None, limit: int) -> list[AuditEntry]:
    """Entries of the region `scope` (a code prefix), newest first, before `before_seq`."""
    stmt = select(AuditEntry).where(AuditEntry.region_code.startswith(scope, autoescape=True))
    if before_seq is not None:
        stmt = stmt.where(AuditEntry.seq < before_seq)
    if where.actor is not None:
        stmt = stmt.where(AuditEntry.actor == where.actor)
    if where.action is not None:
        stmt = stmt.where(
            AuditEntry.action.startswith(where.action, autoescape=True)
            if where.action.endswith(".")
            else AuditEntry.action == where.action
        )
    if where.target_type is not None:
        stmt = stmt.where(AuditEntry.target_type == where.target_type)
    if where.target_id is not None:
        stmt = stmt.where(AuditEntry.target_id == where.target_id)
    if where.since is not None:
        stmt = stmt.where(AuditEntry.at >= where.since)
    if where.until is not None:
        stmt = stmt.where(AuditEntry.at < where.until)
    return list(db.session.scalars(stmt.order_by(AuditEntry.seq.desc()).limit(limit)))


def page(after_seq: int, limit: int, scope: str | None = None) -> list[AuditEntry]:
    """Entries after `after_seq` in order; with a scope, only those whose region starts with it
    (entries without a region never match a scope)."""
    stmt = select(AuditEntry).where(AuditEntry.seq > after_seq)
    if scope is not None:
        stmt = stmt.where(AuditEntry.region_code.startswith(scope, autoescape=True))
    return list(db.session.scalars(stmt.order_by(AuditEntry.seq).limit(limit)))


# --- the region an entry concerns ----------------------------------------------------------------

_ID = re.compile(r"\d{1,18}", re.ASCII)
# targets whose region is their inspection's
_OF_INSPECTION: dict[str, Any] = {"evidence": Evidence, "report": Report, "conflict": Conflict}
# targets that carry a region code themselves
_WITH_REGION: dict[str, Any] = {
    "inspection": Inspection,
    "facility": Facility,
    "user": User,
    "session": AuthSession,
    "sample": ReviewSample,
    "plan": Plan,
}


def _row_id(target_id: str) -> int | None:
    """The numeric id a target id starts with ("12" and "12/M-B01" both give 12)."""
    head = target_id.split("/", 1)[0]
    return int(head) if _ID.fullmatch(head) else None


def _region_code(text: str) -> str | None:
    try:
        regions.region_level(text)
    except regions.InvalidRegionCode:
        return None
    return text


def _inspection_region(inspection_id: int | None) -> str | None:
    inspection = db.session.get(Inspection, inspection_id) if inspection_id is not None else None
    return inspection.region_code if inspection is not None else None


def target_region(target_type: str | None, target_id: str | None) -> str | None:
    """The region of an audit entry's target, when the target has one and exists."""
    if target_type is None or target_id is None:
        return None
    if target_type in ("region", "payout_sheet"):  # "410222", "410200/2026Q4"
        return _region_code(target_id.split("/", 1)[0])
    row_id = _row_id(target_id)
    if row_id is None:
        return None
    if target_type in _WITH_REGION:
        row = db.session.get(_WITH_REGION[target_type], row_id)
        return row.region_code if row is not None else None
    if target_type in _OF_INSPECTION:
        row = db.session.get(_OF_INSPECTION[target_type], row_id)
        return _inspection_region(row.inspection_id) if row is not None else None
    if target_type == "payout":
        payout = db.session.get(Payout, row_id)
        facility = db.session.get(Facility, payout.facility_id) if payout is not None else None
        return facility.region_code if facility is not None else None
    return None


def user_region(user_id: int) -> str | None:
    user = db.session.get(User, user_id)
    return user.region_code if user is not None else None
