"""The audit chain and its anchors, as pure functions."""

from server.domain.audit import GENESIS, Anchor, ChainEntry, check_anchors, entry_hash, verify_chain


def chain(n: int) -> list[ChainEntry]:
    entries, prev = [], GENESIS
    for seq in range(1, n + 1):
        payload = {"seq": seq, "action": f"test.{seq}"}
        digest = entry_hash(prev, payload)
        entries.append(ChainEntry(seq, prev, digest, payload))
        prev = digest
    return entries


def test_an_intact_chain_and_a_chain_cut_at_its_end_both_verify() -> None:
    entries = chain(5)
    assert verify_chain(entries) == []
    assert verify_chain(entries[:3]) == []  # why anchors are needed


def test_anchors_find_a_cut_end_and_a_rewritten_head() -> None:
    entries = chain(5)
    heads = {e.seq: e.hash for e in entries}
    anchors = [Anchor(3, heads[3]), Anchor(5, heads[5])]
    assert check_anchors(anchors, heads) == []
    cut = {seq: h for seq, h in heads.items() if seq <= 3}
    assert check_anchors(anchors, cut) == ["anchored entry 5 is missing (entries were deleted from the end)"]
    rewritten = {**heads, 3: "0" * 64}
    assert check_anchors(anchors, rewritten) == [
        "anchored entry 3: hash differs from its anchor (the chain was rewritten)"
    ]


def test_the_rest_of_a_chain_verifies_from_a_verified_point() -> None:
    entries = chain(6)
    start = Anchor(3, entries[2].hash)
    assert verify_chain(entries[3:], start) == []
    # The rest does not link to another point, nor start at another sequence number.
    assert verify_chain(entries[3:], Anchor(3, entries[1].hash)) == [
        "entry 4: does not link to the entry before it"
    ]
    assert verify_chain(entries[4:], start) == [
        "entry 5: expected sequence 4 (an entry was deleted)",
        "entry 5: does not link to the entry before it",
    ]
    # Nothing after the point is nothing to check.
    assert verify_chain([], start) == []
