"""The audit log: who did what, when, from where, with the state before and after.

`record` appends inside the caller's transaction, so an action and its audit entry commit or
roll back together. Entries are hash-chained (server.domain.audit); `verify` walks the chain.

Every entry records the region it concerns (`region_code`), so that the log is scoped like every
other list: an admin reads only the entries of their own region and the regions inside it. The
region is derived in `record` from the target: an inspection's region; for evidence, reports and
conflicts their inspection's; a facility's, a user's, a session's (the user's at login), a sample's;
for a region or a payout sheet the region itself; for a payout its facility's. Any other target
(an import file, say) or a target that cannot be found falls back to the acting user's region. A
caller may pass `region_code` to say it outright. Entries with no region at all (command-line and
system actions on no particular region, failed logins under unknown usernames, and every entry
written before regions were recorded) are shown to no admin through the API: every admin is
limited to a region, and such an entry cannot be placed inside one. They stay in the log, are
covered by `verify`, and can be read on the server.

The region is part of the hashed payload only when it is set, so entries written before the column
existed keep their hashes and still verify.

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
from server.domain.access import Principal
from server.domain.audit import GENESIS, Anchor, ChainEntry, check_anchors, entry_hash, verify_chain
from server.domain.times import utc
from server.storage import EvidenceStore

ANCHOR_PREFIX = "audit-anchors/"


def payload_of(entry: AuditEntry) -> dict[str, Any]:
    payload = {
        "seq": entry.seq,
        "at": utc(entry.at).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor": entry.actor,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "ip": entry.ip,
        "before": entry.before,
        "after": entry.after,
    }
    if entry.region_code is not None:  # absent from entries written before regions were recorded
        payload["region_code"] = entry.region_code
    return payload


def region_of(target_type: str | None, target_id: str | None, actor_id: int | None) -> str | None:
    """The region an entry concerns: its target's, else the acting user's, else none."""
    found = queries.target_region(target_type, target_id)
    if found is None and actor_id is not None:
        found = queries.user_region(actor_id)
    return found


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
    region_code: str | None = None,
) -> AuditEntry:
    """Append an entry in the caller's transaction. `region_code` defaults to the region of the
    target (else of the actor): see the module's docstring."""
    target = None if target_id is None else str(target_id)
    if region_code is None:
        region_code = region_of(target_type, target, actor_id)
    tail = queries.lock_tail()
    entry = AuditEntry(
        seq=(tail.seq + 1) if tail else 1,
        at=dt.datetime.now(dt.UTC),
        actor_id=actor_id,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target,
        ip=ip,
        region_code=region_code,
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


def entries(principal: Principal, after_seq: int, limit: int) -> list[AuditEntry]:
    """The entries after `after_seq` that concern the principal's region or a region inside it."""
    return queries.page(after_seq, limit, principal.scope)
