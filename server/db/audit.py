"""Queries on the audit log. Appending takes a lock so that concurrent writers chain in order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import select, text

from server.db.models import AuditEntry
from server.extensions import db

AUDIT_LOCK = 4_210_200  # any constant: the advisory lock id of the audit chain


def lock_tail() -> AuditEntry | None:
    """The last entry, with the chain locked until this transaction ends."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK})
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()


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


def iterate(batch: int = 1000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = list(
            db.session.scalars(
                select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def page(after_seq: int, limit: int) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.seq > after_seq).order_by(AuditEntry.seq).limit(limit)
    return list(db.session.scalars(stmt))
