"""The golden vectors in checklists/examples/: the contract of the scoring engine.

Each vector names a checklist, gives an input (or raw input text) and the expected result as a
subset: every key given must match, lists must match element by element. The PWA's preview runs
the same files. `fill` answers every item not listed: the highest of the item's levels not above
fill.grade, with fill's document dates on items that need them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.domain import jsonstrict
from server.domain.checklist import Checklist
from server.domain.errors import DomainError
from server.domain.scoring import score_input
from server.services.checklists import load_definition
from server.settings import PROJECT_ROOT

ROOT = PROJECT_ROOT / "checklists"
VECTORS = sorted((ROOT / "examples").glob("*.json"))


def expand_fill(checklist: Checklist, document: dict[str, Any], fill: dict[str, Any]) -> None:
    answers = document.setdefault("answers", {})
    cap = checklist.rank(fill["grade"])
    for item in checklist.items():
        if item.id in answers:
            continue
        levels = [lv.code for lv in item.levels if checklist.rank(lv.code) <= cap]
        answer: dict[str, Any] = {"grade": levels[-1] if levels else "not_met"}
        if item.validity and item.validity.kind == "max_age":
            answer["document_date"] = fill["document_date"]
        if item.validity and item.validity.kind == "valid_until":
            answer["valid_until"] = fill["valid_until"]
        answers[item.id] = answer


def assert_subset(expected: Any, actual: Any, where: str = "") -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{where}/{key}: missing"
            assert_subset(value, actual[key], f"{where}/{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: expected a list, got {actual!r}"
        assert len(expected) == len(actual), f"{where}: expected {len(expected)} elements, got {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            assert_subset(e, a, f"{where}/{i}")
    else:
        assert type(expected) is type(actual) and expected == actual, (
            f"{where}: expected {expected!r}, got {actual!r}"
        )


def run_vector(vector: dict[str, Any]) -> dict[str, Any]:
    checklist = load_definition(ROOT / vector["checklist"], ROOT)
    document = jsonstrict.loads(vector["input_text"]) if "input_text" in vector else vector["input"]
    if "fill" in vector:
        expand_fill(checklist, document, vector["fill"])
    return score_input(checklist, document)


def test_there_are_enough_vectors() -> None:
    assert len(VECTORS) >= 15


@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_golden_vector(path: Path) -> None:
    vector = jsonstrict.loads(path.read_bytes())
    assert set(vector) <= {
        "name",
        "description",
        "checklist",
        "input",
        "input_text",
        "fill",
        "expected",
        "expected_error",
    }
    if "expected_error" in vector:
        with pytest.raises(DomainError) as err:
            run_vector(vector)
        assert_subset(vector["expected_error"], err.value.to_json())
    else:
        assert_subset(vector["expected"], run_vector(vector))
