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

`verify` keeps up with a log of millions of entries: it reads plain rows in keyset batches, and by
default starts from a checkpoint, a small object {seq, hash, verified_at} that each clean run
leaves in the evidence store (under retention, like the anchors). The next run checks that the
checkpoint's entry still has that hash, then walks only the entries after it, and the anchors
from there on. A rewrite of earlier entries that recomputes their hashes changes the hash at the
checkpoint, so it is still found; an earlier entry edited without recomputing anything (which
breaks the chain only where it is) is found by the full walk (`--full`), which should still run
now and then, for example weekly.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from server import registry
from server.db import audit as queries
from server.db import inspections as region_queries
from server.db import plans as plan_queries
from server.db import users as user_queries
from server.db.models import AuditEntry
from server.domain.access import Principal
from server.domain.audit import GENESIS, Anchor, ChainEntry, check_anchors, entry_hash, verify_chain
from server.domain.labels import AUDIT_ACTION_LABELS, AUDIT_TARGET_LABELS, label
from server.domain.times import china_day_start, format_time, utc
from server.formats.cells import safe_text
from server.storage import EvidenceStore

ANCHOR_PREFIX = "audit-anchors/"
CHECKPOINT_PREFIX = "audit-checkpoints/"
VERIFY_BATCH = 5000  # entries per query of `verify`


class EntryFields(Protocol):
    """What an entry's hash covers: an AuditEntry or a plain row of the same columns."""

    @property
    def seq(self) -> int: ...
    @property
    def at(self) -> dt.datetime: ...
    @property
    def actor_id(self) -> int | None: ...
    @property
    def actor(self) -> str | None: ...
    @property
    def action(self) -> str: ...
    @property
    def target_type(self) -> str | None: ...
    @property
    def target_id(self) -> str | None: ...
    @property
    def ip(self) -> str | None: ...
    @property
    def region_code(self) -> str | None: ...
    @property
    def before(self) -> Any: ...
    @property
    def after(self) -> Any: ...


def payload_of(entry: EntryFields) -> dict[str, Any]:
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


Progress = Callable[[int, int], None]


class VerifyResult(NamedTuple):
    """What `verify` found: the entries it walked and the problems, where it started (None: at the
    genesis), the last entry it walked, the checkpoint it wrote, and how long it took."""

    checked: int
    problems: list[str]
    start: Anchor | None
    head: Anchor | None
    checkpoint: str | None
    seconds: float
    start_verified_at: str | None = None


def verify(
    store: EvidenceStore | None = None,
    *,
    full: bool = False,
    now: dt.datetime | None = None,
    retain_days: int | None = None,
    batch: int = VERIFY_BATCH,
    progress: Progress | None = None,
) -> VerifyResult:
    """Walk the chain in keyset batches of plain rows and check it against the anchors in `store`.

    Without a store (or with `full`), the whole chain from the genesis. With a store, from the
    newest checkpoint (written by the last clean run) forward, when that checkpoint's entry still
    has its hash in the database; when it does not, that is a problem and the whole chain is
    walked. Anchors are then checked from the starting point on (all of them on a full walk).
    After a clean run with a store, the last entry walked becomes the next checkpoint, under
    retention. `progress(done, total)` is called after each batch."""
    clock = time.perf_counter()
    problems: list[str] = []
    start: Anchor | None = None
    start_verified_at: str | None = None
    if store is not None and not full:
        found = latest_checkpoint(store)
        if found is not None:
            point, start_verified_at = found
            in_log = queries.hashes_of([point.seq]).get(point.seq)
            if in_log == point.hash:
                start = point
            else:
                problems.append(
                    f"checkpoint at entry {point.seq}: "
                    + ("the entry is missing" if in_log is None else "its hash differs from the checkpoint")
                    + " (the log changed before it); the whole chain was checked"
                )
                start_verified_at = None
    tail = queries.tail()
    first = start.seq if start is not None else 0
    total = max(0, tail.seq - first) if tail is not None else 0
    walked = 0
    last: Anchor | None = None

    def entries() -> Iterator[ChainEntry]:
        nonlocal walked, last
        for rows in queries.chain_batches(first, batch):
            for row in rows:
                yield ChainEntry(row.seq, row.prev_hash, row.hash, payload_of(row))
            walked += len(rows)
            last = Anchor(rows[-1].seq, rows[-1].hash)
            if progress is not None:
                progress(walked, max(total, walked))

    problems += verify_chain(entries(), start)
    if store is not None:
        found_anchors = anchors(store, from_seq=first)
        problems += check_anchors(found_anchors, queries.hashes_of(a.seq for a in found_anchors))
    written = None
    if store is not None and not problems and last is not None:
        when = now or dt.datetime.now(dt.UTC)
        days = retain_days if retain_days is not None else registry.settings().evidence_retention_days
        written = write_checkpoint(store, last, when, days)
    return VerifyResult(
        walked, problems, start, last or start, written, time.perf_counter() - clock, start_verified_at
    )


def _checkpoint_key(seq: int) -> str:
    return f"{CHECKPOINT_PREFIX}{seq:012d}.json"


def write_checkpoint(store: EvidenceStore, point: Anchor, now: dt.datetime, retain_days: int) -> str | None:
    """Record a verified point of the chain under retention; None when it was recorded already."""
    key = _checkpoint_key(point.seq)
    if store.exists(key):
        return None
    body = json.dumps(
        {"seq": point.seq, "hash": point.hash, "verified_at": now.astimezone(dt.UTC).isoformat()},
        sort_keys=True,
    ).encode("utf-8")
    store.put(key, body, hashlib.sha256(body).hexdigest(), "application/json", {"kind": "audit-checkpoint"})
    store.retain(key, now + dt.timedelta(days=retain_days))
    return key


def latest_checkpoint(store: EvidenceStore) -> tuple[Anchor, str] | None:
    """The newest checkpoint (the highest seq: keys sort by it) with the time it was verified."""
    newest = None
    for key in store.keys(CHECKPOINT_PREFIX):  # streamed: one key held at a time
        newest = key
    if newest is None:
        return None
    data = json.loads(store.get(newest))
    return Anchor(int(data["seq"]), str(data["hash"])), str(data["verified_at"])


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


def _seq_of_key(key: str, prefix: str) -> int | None:
    name = key.removeprefix(prefix).removesuffix(".json")
    return int(name) if name.isascii() and name.isdigit() else None


def anchors(store: EvidenceStore, from_seq: int = 0) -> list[Anchor]:
    """The anchors of entries from `from_seq` on. Their keys name the seq, so those before it are
    not even read: an incremental check reads only the anchors written since its checkpoint."""
    found = []
    for key in store.keys(ANCHOR_PREFIX):
        seq = _seq_of_key(key, ANCHOR_PREFIX)
        if seq is not None and seq < from_seq:
            continue
        data = json.loads(store.get(key))
        found.append(Anchor(int(data["seq"]), str(data["hash"])))
    return found


def entries(principal: Principal, after_seq: int, limit: int) -> list[AuditEntry]:
    """The entries after `after_seq` that concern the principal's region or a region inside it."""
    return queries.page(after_seq, limit, principal.scope)


# --- the console's audit log ----------------------------------------------------------------------

CSV_MAX_ROWS = 50_000
CSV_HEADER = (
    "序号",
    "时间（北京时间）",
    "操作人",
    "操作",
    "对象类型",
    "对象",
    "所在地区",
    "客户端地址",
    "原因",
    "变更前",
    "变更后",
)


def _filter(query: dict[str, Any]) -> queries.Filter:
    since, until = query.get("since"), query.get("until")
    return queries.Filter(
        actor=(query.get("actor") or "").strip() or None,
        action=query.get("action"),
        target_type=query.get("target_type"),
        target_id=query.get("target_id"),
        since=china_day_start(since) if since is not None else None,
        until=china_day_start(until + dt.timedelta(days=1)) if until is not None else None,
    )


def _reason(entry: AuditEntry) -> str | None:
    for side in (entry.after, entry.before):
        if isinstance(side, dict) and isinstance(side.get("reason"), str):
            return str(side["reason"])
    return None


def _views(principal: Principal, entries: list[AuditEntry]) -> list[dict[str, Any]]:
    regions = region_queries.regions_by_codes(e.region_code for e in entries if e.region_code)
    names = {code: region.name for code, region in regions.items()}
    people = user_queries.users_by_ids({e.actor_id for e in entries if e.actor_id is not None})
    targets = _target_names(principal, entries)
    views = []
    for e in entries:
        person = people.get(e.actor_id) if e.actor_id is not None else None
        views.append(
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "actor_name": person.display_name if person is not None else None,
                "action": e.action,
                "target_type": e.target_type,
                "target_id": e.target_id,
                "target_name": targets.get((e.target_type or "", e.target_id or "")),
                "region_code": e.region_code,
                "region_name": names.get(e.region_code or ""),
                "ip": e.ip,
                "reason": _reason(e),
                "before": e.before,
                "after": e.after,
            }
        )
    return views


def _ids(entries: list[AuditEntry], kind: str) -> set[int]:
    found = (e.target_id or "" for e in entries if e.target_type == kind)
    return {int(text) for text in found if text.isascii() and text.isdigit() and len(text) < 10}


def _target_names(principal: Principal, entries: list[AuditEntry]) -> dict[tuple[str, str], str]:
    """What people call the entries' objects: an account's name, a facility's, a region's, an
    inspection's facility, an import's file, an address."""
    names: dict[tuple[str, str], str] = {}
    for user in user_queries.users_by_ids(_ids(entries, "user")).values():
        names[("user", str(user.id))] = f"{user.display_name}（{user.username}）"
    for facility in region_queries.facilities_by_ids(_ids(entries, "facility")).values():
        names[("facility", str(facility.id))] = facility.name
    inspections = region_queries.inspections_by_ids(principal, _ids(entries, "inspection"))
    of = region_queries.facilities_by_ids({i.facility_id for i in inspections.values()})
    for inspection in inspections.values():
        place = of.get(inspection.facility_id)
        if place is not None:
            names[("inspection", str(inspection.id))] = (
                f"{place.name} {inspection.inspection_date.isoformat()}"
            )
    for plan in plan_queries.plans_by_ids(principal, _ids(entries, "plan")).values():
        names[("plan", str(plan.id))] = plan.name
    codes = [e.target_id for e in entries if e.target_type == "region" and e.target_id]
    for code, region in region_queries.regions_by_codes(codes).items():
        names[("region", code)] = region.name
    for e in entries:
        if e.target_type in ("import", "address") and e.target_id:
            names[(e.target_type, e.target_id)] = e.target_id
    return names


def console_page(principal: Principal, query: dict[str, Any]) -> tuple[list[dict[str, Any]], int | None]:
    """One page of the entries of the admin's region, newest first, filtered; and the `before_seq`
    of the next page (None on the last)."""
    limit = query["limit"]
    rows = queries.newest(principal.scope, _filter(query), query.get("before_seq"), limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return _views(principal, rows), (rows[-1].seq if more and rows else None)


def console_csv(principal: Principal, query: dict[str, Any]) -> Iterator[str]:
    """The filtered entries of the admin's region as CSV (UTF-8 with a BOM, which Excel reads as
    UTF-8), newest first, at most CSV_MAX_ROWS; every cell text that no spreadsheet reads as a
    formula."""
    out = io.StringIO()
    writer = csv.writer(out)

    def flush() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    writer.writerow(CSV_HEADER)
    yield "\ufeff" + flush()
    where, before, left = _filter(query), None, CSV_MAX_ROWS
    while left > 0:
        batch = queries.newest(principal.scope, where, before, min(1000, left))
        if not batch:
            break
        for v in _views(principal, batch):
            writer.writerow(
                [
                    safe_text(str(value)) if value is not None else ""
                    for value in (
                        v["seq"],
                        format_time(v["at"]),
                        f"{v['actor_name']}（{v['actor']}）" if v["actor_name"] else v["actor"],
                        label(AUDIT_ACTION_LABELS, v["action"]),
                        label(AUDIT_TARGET_LABELS, v["target_type"]),
                        v["target_name"] or v["target_id"],
                        v["region_name"] or v["region_code"],
                        v["ip"],
                        v["reason"],
                        json.dumps(v["before"], ensure_ascii=False) if v["before"] is not None else None,
                        json.dumps(v["after"], ensure_ascii=False) if v["after"] is not None else None,
                    )
                ]
            )
        yield flush()
        before, left = batch[-1].seq, left - len(batch)
