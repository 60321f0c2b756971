"""Sample sizes for a stated confidence, sampling a stream, and orphans by a sorted merge."""

from __future__ import annotations

import math
import random

import pytest

from server.domain.verification import (
    OutOfOrder,
    detection_chance,
    reservoir,
    sample_size,
    unreferenced,
)


def test_the_sample_size_meets_the_confidence_and_is_the_smallest_that_does() -> None:
    for confidence, tolerance in ((0.95, 0.001), (0.99, 0.01), (0.9, 0.05), (0.5, 0.5)):
        n = sample_size(confidence, tolerance)
        assert 1 - (1 - tolerance) ** n >= confidence
        assert n == 1 or 1 - (1 - tolerance) ** (n - 1) < confidence
    assert sample_size(0.95, 0.001) == 2995
    assert sample_size(0.5, 0.5) == 1
    with pytest.raises(ValueError, match="confidence"):
        sample_size(1.0, 0.01)
    with pytest.raises(ValueError, match="tolerance"):
        sample_size(0.95, 0)


def test_without_replacement_the_chance_is_at_least_the_stated_confidence() -> None:
    n = sample_size(0.95, 0.001)
    assert detection_chance(n, 6_200_000, 0.001) >= 0.95
    assert detection_chance(n, n, 0.001) == 1.0  # everything checked
    assert math.isclose(detection_chance(1, 4, 0.25), 0.25)


def test_the_reservoir_keeps_at_most_its_size_and_is_uniform() -> None:
    rng = random.Random(7)
    kept, seen = reservoir(range(10), 20, rng)
    assert (kept, seen) == (list(range(10)), 10)
    counts = [0] * 10
    for _ in range(5000):
        sample, _ = reservoir(range(10), 3, rng)
        assert len(set(sample)) == 3
        for item in sample:
            counts[item] += 1
    assert all(1300 < c < 1700 for c in counts)  # 1500 each if uniform


def test_orphans_are_found_by_merging_two_sorted_streams() -> None:
    listed = [
        "evidence/1/a.jpg",
        "evidence/1/b.jpg",
        "evidence/10/c.jpg",
        "evidence/2/d.jpg",
        "thumbs/1/a.jpg",
    ]
    referenced = [
        "evidence/1/a.jpg",
        "evidence/1/a.jpg",
        "evidence/2/d.jpg",
        "thumbs/1/a.jpg",
        "zzz/not-listed",
    ]
    assert list(unreferenced(listed, referenced)) == ["evidence/1/b.jpg", "evidence/10/c.jpg"]
    assert list(unreferenced(listed, [])) == listed
    assert list(unreferenced([], referenced)) == []
    # '-' sorts before '/': a store walked folder by folder must list "a-b" before "a/x"
    assert list(unreferenced(["a-b", "a/x"], ["a/x"])) == ["a-b"]


def test_a_stream_out_of_order_is_refused_not_misread() -> None:
    with pytest.raises(OutOfOrder, match="listed keys"):
        list(unreferenced(["b", "a"], ["a", "b"]))
    with pytest.raises(OutOfOrder, match="referenced keys"):
        list(unreferenced(["a", "c"], ["b", "a", "c"]))
