"""The photo minimum has one definition (server/domain/evidence.py); the app's twin
(pwa/src/domain/evidence.ts) is proven equal on the same cases, tests/vectors/photo_minimum.json,
which Vitest reads too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from server.domain.checklist import NOT_APPLICABLE, NOT_MET
from server.domain.evidence import needs_more_photos

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "photo_minimum.json"
CASES: list[dict[str, Any]] = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_the_photo_minimum_case(case: dict[str, Any]) -> None:
    got = needs_more_photos(case["photos_min"], case["outcome"], case["photos"])
    assert got is case["needs_more"]


def test_the_cases_cover_every_kind_of_outcome_and_both_answers() -> None:
    outcomes = {c["outcome"] for c in CASES}
    assert {None, NOT_MET, NOT_APPLICABLE} <= outcomes and len(outcomes) > 3
    assert {c["needs_more"] for c in CASES} == {True, False}
    assert any(c["photos"] == c["photos_min"] > 0 for c in CASES)  # the exact threshold
