"""Random samples for city re-review: reproducible from the recorded seed and population."""

from __future__ import annotations

import random
from collections.abc import Sequence


def draw(population: Sequence[int], size: int, seed: int) -> list[int]:
    """`size` ids from `population`, the same for the same seed and population whatever their order."""
    ordered = sorted(set(population))
    if size >= len(ordered):
        return ordered
    return sorted(random.Random(seed).sample(ordered, size))  # noqa: S311 - a sample, not a secret
