"""The score's published schema (ScoreOut) describes the engine's whole result, exactly.

Every result of the golden vectors and of a sample of the comparison corpus (each shipped edition:
random answer sets, threshold pairs) conforms to the document's schema, which refuses keys it
does not list; and dumping it through ScoreOut, as the API does, gives back the same JSON (no key
dropped, no integer turned into a float). The app's engine result type is generated from this
schema, so both engines write what the document says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from server.api.schemas import ScoreOut
from server.domain import jsonstrict
from server.services.checklists import load_definition, read_manifest
from server.settings import PROJECT_ROOT
from tests import openapi_conformance as oc
from tests.checklists.test_golden_vectors import VECTORS, run_vector
from tests.scoring_corpus import build_cases

ROOT = PROJECT_ROOT / "checklists"
EDITIONS = sorted(read_manifest(ROOT))
SCORED = [p for p in VECTORS if "expected" in jsonstrict.loads(p.read_bytes())]


def same_json(result: dict[str, Any]) -> None:
    dumped = ScoreOut().dump(result)
    assert json.dumps(dumped, sort_keys=True) == json.dumps(result, sort_keys=True)


def conforms(result: dict[str, Any]) -> None:
    assert oc.problems(oc.component("ScoreOut"), result) == []


@pytest.mark.parametrize("path", SCORED, ids=[p.stem for p in SCORED])
def test_every_golden_result_conforms_and_dumps_unchanged(path: Path) -> None:
    result = run_vector(jsonstrict.loads(path.read_bytes()))
    conforms(result)
    same_json(result)


@pytest.mark.parametrize("rel", EDITIONS)
def test_corpus_results_conform_and_dump_unchanged(rel: str) -> None:
    checklist = load_definition(ROOT / rel, ROOT)
    cases = build_cases(checklist, 120, 0, seed=31)  # random answer sets and threshold pairs
    assert len(cases) >= 120
    check = oc.component("ScoreOut")
    for case in cases:
        result = case.expected
        assert oc.problems(check, result) == [], case.name
        same_json(result)


def test_the_schema_refuses_what_the_engine_never_writes() -> None:
    (path,) = [p for p in VECTORS if p.stem.startswith("mini-05")]
    result = run_vector(jsonstrict.loads(path.read_bytes()))
    check = oc.component("ScoreOut")
    broken = json.loads(json.dumps(result))
    broken["items"]["M-B01"]["reason"] = "guessed"
    broken["totals"]["extra"] = 1
    del broken["next_tier"]
    broken["tiers"][0]["rules"][0]["actual"] = {"met": 1, "of": 2, "share": "0.5000"}
    found = oc.problems(check, broken)
    assert any(p.startswith("items/M-B01/reason") for p in found), found
    assert any(p.startswith("totals") and "extra" in p for p in found), found
    assert any("next_tier" in p for p in found), found
    assert any(p.startswith("tiers/0/rules/0/actual") for p in found), found
