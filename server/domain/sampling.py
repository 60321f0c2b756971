"""Random samples for city re-review: reproducible from the recorded seed and population."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from server.domain import workflow

# How far the city's re-review of a drawn inspection has come, by the inspection's status.
WAITING = "waiting"  # still county-approved: the city has not started
IN_REVIEW = "in_review"
SENT_BACK = "sent_back"  # returned to the county
DONE = "done"  # finally approved or rejected
REVIEW_STATES = (WAITING, IN_REVIEW, SENT_BACK, DONE)
REVIEW_STATE_LABELS = {WAITING: "待复核", IN_REVIEW: "复核中", SENT_BACK: "已退回县级", DONE: "已复核"}


def review_state(status: str) -> str:
    if status == workflow.COUNTY_APPROVED:
        return WAITING
    if status == workflow.CITY_REVIEW:
        return IN_REVIEW
    if status in (workflow.APPROVED, workflow.REJECTED):
        return DONE
    return SENT_BACK


def size_for_rate(population: int, rate_percent: int) -> int:
    """How many a rate draws from a population: rounded up, at least one."""
    return max(1, math.ceil(population * rate_percent / 100))


def draw(population: Sequence[int], size: int, seed: int) -> list[int]:
    """`size` ids from `population`, the same for the same seed and population whatever their order."""
    ordered = sorted(set(population))
    if size >= len(ordered):
        return ordered
    return sorted(random.Random(seed).sample(ordered, size))  # noqa: S311 - a sample, not a secret
