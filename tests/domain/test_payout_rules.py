"""Payout rule matching by region index (server.domain.payouts.RuleIndex) against the plain scan
(select_rule, payable_rule): the same rule for every facility, on random rule sets from fixed
seeds, and a cost per facility that does not grow with the rules of other regions."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from server.domain import payouts as domain
from server.domain import regions

FAMILIES = ("quality_service", "village_clinic")
TIERS = ("basic", "recommended", "community_hospital")
DAYS = [dt.date(2018, 1, 1) + dt.timedelta(days=180 * n) for n in range(18)]


def region_tree(rng: random.Random) -> list[str]:
    """Provinces, cities, counties, townships and villages, with the odd county right under a
    province (4100xx) as real codes have."""
    codes = []
    for province in rng.sample(range(11, 66), 2):
        codes.append(f"{province}0000")
        for city in rng.sample(range(1, 20), 3):
            codes.append(f"{province}{city:02d}00")
            for county in rng.sample(range(1, 30), 3):
                county_code = f"{province}{city:02d}{county:02d}"
                codes.append(county_code)
                for town in rng.sample(range(1, 400), 2):
                    codes.append(f"{county_code}{town:03d}")
                    codes.append(f"{county_code}{town:03d}{rng.randrange(1, 400):03d}")
        codes.append(f"{province}00{rng.randrange(1, 99):02d}")
    return codes


def random_rules(rng: random.Random, codes: list[str], count: int) -> list[domain.Rule]:
    rules: list[domain.Rule] = []
    for _ in range(count):
        rules.append(
            domain.Rule(
                region_code=rng.choice(codes),
                family=rng.choice(FAMILIES),
                tier_code=rng.choice(TIERS),
                amount_yuan=rng.randrange(0, 500) * 1000,
                top_up=rng.random() < 0.5,
                valid_from=rng.choice(DAYS),  # repeats: same region and day, the first given wins
                id=len(rules) + 1,
            )
        )
    return rules


@pytest.mark.parametrize("seed", range(40))
def test_the_index_picks_the_same_rule_as_the_scan(seed: int) -> None:
    rng = random.Random(seed)
    codes = region_tree(rng)
    rules = random_rules(rng, codes, rng.choice((0, 5, 40, 300)))
    index = domain.RuleIndex(rules)
    for _ in range(300):
        facility = rng.choice(codes)
        family = rng.choice(FAMILIES)
        tier = rng.choice((*TIERS, "none"))
        on = rng.choice(DAYS) + dt.timedelta(days=rng.randrange(-2, 3))
        if tier != "none":
            assert index.select(facility, family, tier, on) == domain.select_rule(
                rules, facility, family, tier, on
            )
        order = TIERS[: rng.randrange(1, 4)]
        assert index.payable(facility, family, tier, order, on) == domain.payable_rule(
            rules, facility, family, tier, order, on
        )


def test_rows_built_with_the_index_equal_rows_built_by_scanning() -> None:
    rng = random.Random(2026)
    codes = region_tree(rng)
    rules = random_rules(rng, codes, 400)
    on = dt.date(2026, 12, 31)
    labels = {"basic": "基本标准", "recommended": "推荐标准", "community_hospital": "社区医院"}
    candidates = [
        domain.Candidate(
            n,
            f"机构{n}",
            None,
            "B100",
            "乡镇卫生院",
            rng.choice(codes),
            rng.choice(FAMILIES),
            n,
            on,
            tier,
            labels[tier],
            TIERS,
            labels,
            f"DB-{n}",
            f"{n:064d}",
        )
        for n in range(1, 400)
        for tier in [rng.choice(TIERS)]
    ]
    indexed = domain.build_rows(candidates, rules, {}, {}, on, FAMILIES)
    scanned = [
        domain.payable_rule(
            rules, row.candidate.region_code, row.candidate.family, row.candidate.tier_code, TIERS, on
        )
        for row in indexed
    ]
    assert [row.rule for row in indexed] == scanned
    assert any(rule is not None for rule in scanned) and any(rule is None for rule in scanned)


def test_the_cost_per_facility_does_not_depend_on_other_regions_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The scan checks every rule's region for every facility; the index looks up only the
    facility's own region chain, however many rules the other regions have."""
    on = dt.date(2026, 12, 31)
    own = [
        domain.Rule("410200", "quality_service", "basic", 150_000, True, dt.date(2018, 1, 1)),
        domain.Rule("410222", "quality_service", "recommended", 300_000, True, dt.date(2020, 1, 1)),
    ]
    facilities = [f"410222{n:03d}" for n in range(1, 101)]

    def others(count: int) -> list[domain.Rule]:
        return [
            domain.Rule(
                f"42{n // 100 % 20 + 1:02d}{n % 100:02d}",
                "quality_service",
                TIERS[n % 3],
                n,
                True,
                DAYS[n % 18],
            )
            for n in range(count)
        ]

    checks = 0
    real_contains = regions.contains

    def counting_contains(outer: str, inner: str) -> bool:
        nonlocal checks
        checks += 1
        return real_contains(outer, inner)

    monkeypatch.setattr(regions, "contains", counting_contains)
    probes = {}
    scans = {}
    for extra in (0, 900, 9000):
        rules = own + others(extra)
        index = domain.RuleIndex(rules)
        checks = 0
        for code in facilities:
            assert index.payable(code, "quality_service", "community_hospital", TIERS, on) == own[1]
        assert checks == 0  # the index checks no other region at all
        probes[extra] = index.probes
        for code in facilities[:10]:
            assert (
                domain.payable_rule(rules, code, "quality_service", "community_hospital", TIERS, on) == own[1]
            )
        scans[extra] = checks
    # community_hospital: the four regions of the chain, none has a rule; recommended: found at the county
    assert probes[0] == probes[900] == probes[9000] == 100 * (4 + 2)
    assert scans[9000] > 100 * scans[0]  # what the scan costs instead
