"""The audit log: who did what, when, from where, with the state before and after.

`record` appends inside the caller's transaction, so an action and its audit entry commit or
roll back together. Entries are hash-chained (server.domain.audit); `verify` walks the chain.

The chain alone cannot show that entries were cut off its end. `anchor` copies the current head
(sequence number and hash) into the evidence store, under retention (object lock on S3), where
the database's users cannot change it; `verify` checks every anchor against the log. Run
`flask audit anchor` regularly (for example hourly from cron): a cut is detected back to the
last anchor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from server.db import audit as queries
from server.db.models import AuditEntry
from server.domain.audit import GENESIS, Anchor, ChainEntry, check_anchors, entry_hash, verify_chain
from server.storage import EvidenceStore

ANCHOR_PREFIX = "audit-anchors/"


def payload_of(entry: AuditEntry) -> dict[str, Any]:
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
    entry.hash = entry_hash(entry.prev_hash, payload_of(entry))
    queries.add(entry)
    return entry


def verify(store: EvidenceStore | None = None) -> tuple[int, list[str]]:
    """(entries checked, problems) for the whole chain, and against the anchors in `store`."""
    count = 0

    def entries() -> Any:
        nonlocal count
        for row in queries.iterate():
            count += 1
            yield ChainEntry(row.seq, row.prev_hash, row.hash, payload_of(row))

    problems = verify_chain(entries())
    if store is not None:
        found = anchors(store)
        problems += check_anchors(found, queries.hashes_of(a.seq for a in found))
    return count, problems


@dataclass(frozen=True)
class AnchorResult:
    seq: int
    hash: str
    key: str
    created: bool


def _anchor_key(seq: int) -> str:
    return f"{ANCHOR_PREFIX}{seq:012d}.json"


def anchor(store: EvidenceStore, now: dt.datetime, retain_days: int) -> AnchorResult | None:
    """Copy the chain's head into the store under retention; None when the log is empty. The same
    head twice writes nothing new."""
    head = queries.tail()
    if head is None:
        return None
    key = _anchor_key(head.seq)
    if store.exists(key):
        return AnchorResult(head.seq, head.hash, key, created=False)
    body = json.dumps(
        {"seq": head.seq, "hash": head.hash, "anchored_at": now.astimezone(dt.UTC).isoformat()},
        sort_keys=True,
    ).encode("utf-8")
    store.put(key, body, hashlib.sha256(body).hexdigest(), "application/json", {"kind": "audit-anchor"})
    store.retain(key, now + dt.timedelta(days=retain_days))
    return AnchorResult(head.seq, head.hash, key, created=True)


def anchors(store: EvidenceStore) -> list[Anchor]:
    found = []
    for key in store.keys(ANCHOR_PREFIX):
        data = json.loads(store.get(key))
        found.append(Anchor(int(data["seq"]), str(data["hash"])))
    return found


def entries(after_seq: int, limit: int) -> list[AuditEntry]:
    return queries.page(after_seq, limit)
