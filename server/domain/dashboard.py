"""The results dashboard (评审成果统计): the rules that need no database.

A bureau's leadership asks, for its region and a campaign year (the year of the inspection
date): how many facilities reached each tier, by sub-region; how the year's planned visits
stand; the share at 基本 and at 推荐 (or higher) against the target the bureau set; which items
were most often not met; and how all of it compares with the year before.

A facility's result in a year is its latest finally approved county inspection or city
re-inspection of that year on a checklist of the family (by inspection date, then id);
self-assessments never count. A facility with none is 未评. Shares are of every facility of the
family's kinds in the region, 未评 included: the national target ("at least 20 % of centres at
推荐标准") counts the centres, not the inspected ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server.domain import rectification, regions, workflow
from server.domain.checklist import Checklist
from server.domain.scoring import TIER_NONE, TIER_NONE_LABEL, Answer, item_outcome

UNRATED = "unrated"
UNRATED_LABEL = "未评"
COUNTED_KINDS = (workflow.COUNTY_INSPECTION, workflow.CITY_REINSPECTION)

# The two shares leadership reports, each "this tier or a higher one", and their words.
BASIC = "basic"
RECOMMENDED = "recommended"
SHARES = (BASIC, RECOMMENDED)
RATED = "rated"  # the facilities with a result that year, whatever its tier (a list's filter)
RATED_LABEL = "已评定"

TOP_ITEMS = 10  # the items most often not met, listed
DIRECT_LABEL = "本级"  # facilities registered at the region itself, in none of its sub-regions
MIN_YEAR, MAX_YEAR = 2000, 2100


def campaign_year(inspection_date: dt.date) -> int:
    return inspection_date.year


def counts_as_result(kind: str) -> bool:
    return kind in COUNTED_KINDS


def rectification_items(checklist: Checklist, score: Mapping[str, Any]) -> list[str]:
    """The items of a scored inspection on its rectification list, in checklist order: the items
    its rectification tasks are made from (server/domain/rectification.py `failed_items`)."""
    return [failed.item_id for failed in rectification.failed_items(checklist, score)]


def items_not_met(
    checklist: Checklist,
    checked_facts: Mapping[str, Any],
    answers: Mapping[str, Answer],
    inspection_date: dt.date,
) -> list[str]:
    """The same list from an inspection's answers and checked facts, each item's outcome alone,
    without scoring the tiers: what re-reading stored results needs."""
    outcomes = {
        item.id: {
            "outcome": item_outcome(
                checklist, item, answers.get(item.id), checked_facts, inspection_date
            ).outcome
        }
        for item in checklist.items()
    }
    return rectification_items(checklist, {"items": outcomes})


@dataclass(frozen=True)
class Column:
    code: str
    label: str


def tier_columns(checklists: Iterable[Checklist]) -> list[Column]:
    """The columns of a family's tier table: 未评, 未达标, then every tier its checklists define,
    lowest first. Checklists come newest first: a newer edition's label wins, and a tier only an
    older edition has keeps its place after the tier below it there."""
    order: list[str] = []
    labels: dict[str, str] = {}
    for checklist in checklists:
        previous: str | None = None
        for tier in checklist.tiers:
            labels.setdefault(tier.code, tier.label)
            if tier.code not in order:
                order.insert(order.index(previous) + 1 if previous in order else len(order), tier.code)
            previous = tier.code
    return [
        Column(UNRATED, UNRATED_LABEL),
        Column(TIER_NONE, TIER_NONE_LABEL),
        *(Column(code, labels[code]) for code in order),
    ]


def share_label(columns: Sequence[Column], share: str) -> str:
    """A share as people read it, in the family's own words: 基本标准及以上, 示范村卫生室及以上."""
    label = next((c.label for c in columns if c.code == share), share)
    return f"{label}及以上"


def at_least(columns: Sequence[Column], threshold: str) -> list[str]:
    """The tier codes at or above `threshold` in the family's order (none when the family has no
    such tier)."""
    codes = [c.code for c in columns if c.code not in (UNRATED, TIER_NONE)]
    return codes[codes.index(threshold) :] if threshold in codes else []


def percent(count: int, total: int) -> float | None:
    """A share in percent, rounded to one decimal; None over no facility."""
    return round(count * 100 / total, 1) if total else None


def met(count: int, total: int, target_percent: int | None) -> bool | None:
    """Whether `count` of `total` reaches the target, compared exactly (no rounding); None without a
    target or over no facility."""
    if target_percent is None or not total:
        return None
    return count * 100 >= target_percent * total


@dataclass(frozen=True)
class Target:
    region_code: str
    basic_percent: int | None
    recommended_percent: int | None

    def of(self, share: str) -> int | None:
        return self.basic_percent if share == BASIC else self.recommended_percent


def chain(code: str) -> list[str]:
    """The region and every region above it, nearest first."""
    found: list[str] = []
    current: str | None = code
    while current is not None:
        found.append(current)
        current = regions.parent_code(current)
    return found


def target_for(code: str, targets: Mapping[str, Target]) -> Target | None:
    """The target that applies to a region: its own, else that of the nearest region above it."""
    for region in chain(code):
        if region in targets:
            return targets[region]
    return None


def child_prefix_length(children: Sequence[str]) -> int | None:
    """How many leading digits of a facility's region code name the sub-region it lies in: the
    length of the children's scope prefix (4 under a province, 6 under a city, 9 under a county, 12
    under a township). None without children. Children of one region share a level, so one length."""
    lengths = {len(regions.scope_prefix(code)) for code in children}
    return min(lengths) if lengths else None
