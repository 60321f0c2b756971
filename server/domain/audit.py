"""The audit chain: each entry's hash covers its content and the previous entry's hash.

Editing an entry changes its hash; deleting one breaks the link of the next (and leaves a gap in
the sequence). `verify_chain` reports the first place each of those happens.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(prev_hash: str, payload: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + "\n" + canonical(payload)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainEntry:
    seq: int
    prev_hash: str
    hash: str
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class Anchor:
    """A head of the chain copied outside the database (seq and hash at a moment)."""

    seq: int
    hash: str


def verify_chain(entries: Iterable[ChainEntry], start: Anchor | None = None) -> list[str]:
    """Every break in the chain, in order; an empty list means intact. From the genesis by default;
    from a verified point (`start`: the seq and hash of the entry before the first one given) when
    only the rest of the chain is checked."""
    problems = []
    expected_prev = GENESIS if start is None else start.hash
    expected_seq = 1 if start is None else start.seq + 1
    for entry in entries:
        if entry.seq != expected_seq:
            problems.append(f"entry {entry.seq}: expected sequence {expected_seq} (an entry was deleted)")
        if entry.prev_hash != expected_prev:
            problems.append(f"entry {entry.seq}: does not link to the entry before it")
        if entry_hash(entry.prev_hash, entry.payload) != entry.hash:
            problems.append(f"entry {entry.seq}: content does not match its hash (edited)")
        expected_prev = entry.hash
        expected_seq = entry.seq + 1
    return problems


def check_anchors(anchors: Iterable[Anchor], heads: dict[int, str]) -> list[str]:
    """Problems of the log against anchors: an anchored entry missing (the log was cut back) or
    with another hash (the chain was rewritten). `heads` maps seq to hash for the anchored seqs."""
    problems = []
    for anchor in sorted(anchors, key=lambda a: a.seq):
        found = heads.get(anchor.seq)
        if found is None:
            problems.append(f"anchored entry {anchor.seq} is missing (entries were deleted from the end)")
        elif found != anchor.hash:
            problems.append(
                f"anchored entry {anchor.seq}: hash differs from its anchor (the chain was rewritten)"
            )
    return problems
