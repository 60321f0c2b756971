"""The audit log: who did what, when, from where, with the state before and after.

`record` appends inside the caller's transaction, so an action and its audit entry commit or
roll back together. Entries are hash-chained (server.domain.audit); `verify` walks the chain.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from server.db import audit as queries
from server.db.models import AuditEntry
from server.domain.audit import GENESIS, ChainEntry, entry_hash, verify_chain


def _payload(entry: AuditEntry) -> dict[str, Any]:
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.UTC)
    return {
        "seq": entry.seq,
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor": entry.actor,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "ip": entry.ip,
        "before": entry.before,
        "after": entry.after,
    }


def record(
    action: str,
    *,
    actor_id: int | None = None,
    actor: str | None = None,
    target_type: str | None = None,
    target_id: object = None,
    before: Any = None,
    after: Any = None,
    ip: str | None = None,
) -> AuditEntry:
    tail = queries.lock_tail()
    entry = AuditEntry(
        seq=(tail.seq + 1) if tail else 1,
        at=dt.datetime.now(dt.UTC),
        actor_id=actor_id,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        ip=ip,
        before=before,
        after=after,
        prev_hash=tail.hash if tail else GENESIS,
    )
    entry.hash = entry_hash(entry.prev_hash, _payload(entry))
    queries.add(entry)
    return entry


def verify() -> tuple[int, list[str]]:
    """(entries checked, problems) for the whole chain."""
    count = 0

    def entries() -> Any:
        nonlocal count
        for row in queries.iterate():
            count += 1
            yield ChainEntry(row.seq, row.prev_hash, row.hash, _payload(row))

    problems = verify_chain(entries())
    return count, problems


def entries(after_seq: int, limit: int) -> list[AuditEntry]:
    return queries.page(after_seq, limit)
