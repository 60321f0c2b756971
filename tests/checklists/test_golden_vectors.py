"""The golden vectors in checklists/examples/: the contract of the scoring engine.

Each vector names a checklist, gives an input (or raw input text) and the whole expected result
or error: every key and value, in the order the engine writes them (the serialisation is part of
the contract). The PWA's engine runs the same files (pwa/src/domain/scoring.test.ts) except the
`server_only` ones, about input the app never scores. `fill` answers every item not listed: the
highest of the item's levels not above fill.grade, with fill's document dates on items that need
them.
"""

from __future__ import annotations

import json
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
        if item.validities:
            answer["documents"] = {v.key: {v.date_field: fill[v.date_field]} for v in item.validities}
        answers[item.id] = answer


def assert_same(expected: Any, actual: Any, where: str = "") -> None:
    """Equal JSON values with their keys in the same order; the message names the first difference."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        for key in expected:
            assert key in actual, f"{where}/{key}: missing"
        for key in actual:
            assert key in expected, f"{where}/{key}: unexpected {actual[key]!r}"
        for key, value in expected.items():
            assert_same(value, actual[key], f"{where}/{key}")
        assert list(expected) == list(actual), f"{where}: keys in another order: {list(actual)}"
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: expected a list, got {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
            assert_same(e, a, f"{where}/{i}")
        assert len(expected) == len(actual), f"{where}: expected {len(expected)} elements, got {actual!r}"
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
        "server_only",
        "expected",
        "expected_error",
    }
    if "expected_error" in vector:
        with pytest.raises(DomainError) as err:
            run_vector(vector)
        actual = err.value.to_json()
        assert_same(vector["expected_error"], actual)
    else:
        actual = run_vector(vector)
        assert_same(vector["expected"], actual)
    # the same serialisation: what the API sends is what the vector holds
    assert json.dumps(actual, ensure_ascii=False) == json.dumps(
        vector.get("expected", vector.get("expected_error")), ensure_ascii=False
    )


def test_assert_same_names_the_first_difference() -> None:
    with pytest.raises(AssertionError, match=r"^/a/1/b: expected 2, got 3"):
        assert_same({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]})
    with pytest.raises(AssertionError, match=r"^/z: unexpected"):
        assert_same({"a": 1}, {"a": 1, "z": 0})
    with pytest.raises(AssertionError, match=r"keys in another order"):
        assert_same({"a": 1, "b": 2}, {"b": 2, "a": 1})
    with pytest.raises(AssertionError, match=r"^/n: expected 1, got 1.0"):
        assert_same({"n": 1}, {"n": 1.0})
