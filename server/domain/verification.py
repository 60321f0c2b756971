"""Pure parts of checking the evidence store against the database: how large a random sample must
be for a stated confidence, drawing it from a stream, and finding orphans by merging two sorted
streams of keys (so neither side is ever held in memory)."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


class OutOfOrder(Exception):
    """A stream of keys that should be in byte order was not."""


def sample_size(confidence: float, tolerance: float) -> int:
    """The smallest n for which a uniform random sample of n objects contains at least one bad
    object with probability `confidence` whenever at least the share `tolerance` of all objects
    are bad: 1 - (1 - tolerance)^n >= confidence, so n = ceil(ln(1 - c) / ln(1 - p))."""
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    if not 0 < tolerance < 1:
        raise ValueError("tolerance must be between 0 and 1")
    exact = math.log(1 - confidence) / math.log(1 - tolerance)
    return max(1, math.ceil(exact - 1e-9))  # 1e-9: 2.0000000001 from rounding is still 2


def detection_chance(size: int, population: int, tolerance: float) -> float:
    """The chance that `size` objects drawn at random (without replacement) from `population`
    contain a bad one if the share `tolerance` of the population is bad (at least one object)."""
    if population <= 0 or size >= population:
        return 1.0
    bad = max(1, math.ceil(tolerance * population))
    good = population - bad
    if size > good:
        return 1.0
    # P(no bad one) = C(good, size) / C(population, size), as a product to stay in floats
    miss = 1.0
    for i in range(size):
        miss *= (good - i) / (population - i)
    return 1 - miss


def reservoir(items: Iterable[T], size: int, rng: random.Random) -> tuple[list[T], int]:
    """A uniform random sample of `size` items from a stream of unknown length, holding at most
    `size` items (Algorithm R); with the number of items seen."""
    kept: list[T] = []
    seen = 0
    for item in items:
        seen += 1
        if len(kept) < size:
            kept.append(item)
        else:
            slot = rng.randrange(seen)
            if slot < size:
                kept[slot] = item
    return kept, seen


def _ordered(keys: Iterable[str], name: str) -> Iterator[str]:
    previous: str | None = None
    for key in keys:
        if previous is not None and key < previous:
            raise OutOfOrder(f"{name}: {key!r} came after {previous!r}")
        previous = key
        yield key


def unreferenced(listed: Iterable[str], referenced: Iterable[str]) -> Iterator[str]:
    """The listed keys that are not referenced. Both streams must be in code point order (which is
    UTF-8 byte order: S3 listings, and a database sorted with a binary collation); duplicates are
    allowed on the referenced side. OutOfOrder is raised as soon as either is not sorted."""
    refs = _ordered(referenced, "referenced keys")
    current = next(refs, None)
    for key in _ordered(listed, "listed keys"):
        while current is not None and current < key:
            current = next(refs, None)
        if current != key:
            yield key
