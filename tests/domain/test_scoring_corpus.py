"""The comparison corpus generator (tests/scoring_corpus.py) on the small example checklist: it is
deterministic, its threshold pairs straddle their rule, and its refused inputs are refused."""

from __future__ import annotations

import json
from fractions import Fraction

from server.domain.checklist import Checklist
from server.services.checklists import load_definition
from server.settings import PROJECT_ROOT
from tests import scoring_corpus
from tests.scoring_corpus import build_cases, corpus_name

ROOT = PROJECT_ROOT / "checklists"


def mini() -> Checklist:
    return load_definition(ROOT / "examples" / "checklists" / "mini-test.v1.json", ROOT)


def as_json(cases: list[scoring_corpus.Case]) -> str:
    return json.dumps([(c.name, c.input, c.expected) for c in cases], ensure_ascii=False)


def test_the_same_seed_gives_the_same_cases_and_another_seed_others() -> None:
    checklist = mini()
    first = as_json(build_cases(checklist, 40, 10, seed=5))
    assert first == as_json(build_cases(checklist, 40, 10, seed=5))
    assert first != as_json(build_cases(checklist, 40, 10, seed=6))


def test_threshold_pairs_hold_at_the_edge_and_fail_one_lowering_below() -> None:
    checklist = mini()
    cases = {c.name: c for c in build_cases(checklist, 0, 0, seed=12)}
    ats = [name for name in cases if name.endswith("-at")]
    # every rule of every tier has pairs
    rules = {(t.code, i) for t in checklist.tiers for i in range(len(t.rules))}
    assert {(n.split("-")[1], int(n.split("-")[2][4:])) for n in ats} == rules
    for name in ats:
        tier, rule_index = name.split("-")[1], int(name.split("-")[2][4:])
        at, below = cases[name].expected, cases[name.removesuffix("at") + "below"].expected
        position = [t.code for t in checklist.tiers].index(tier)
        held, failed = (
            at["tiers"][position]["rules"][rule_index],
            below["tiers"][position]["rules"][rule_index],
        )
        assert held["passed"] is True and failed["passed"] is False, name
        if held["rule"] == "share_at_least":
            threshold = Fraction(held["threshold"])
            actual = held["actual"]
            exact = threshold * actual["denominator"]
            # on the threshold when it can be, else the least count above it
            assert actual["numerator"] == -(-exact.numerator // exact.denominator), name
            assert failed["actual"]["numerator"] == actual["numerator"] - 1, name


def test_refused_inputs_carry_the_whole_error() -> None:
    cases = [c for c in build_cases(mini(), 0, 30, seed=12) if c.name.startswith("invalid-")]
    assert len(cases) == 30
    codes = {c.expected["error"]["code"] for c in cases}
    assert codes <= {"answers.invalid", "facts.invalid"} and len(codes) == 2
    assert all(c.expected["error"]["message"] and c.expected["error"]["problems"] for c in cases)


def test_files_are_named_after_the_published_path() -> None:
    assert corpus_name("big_three/2024-sample/v1.json") == "big_three.2024-sample.v1.json"


def test_items_with_several_documents_get_per_document_dates_and_spoilt_maps() -> None:
    checklist = load_definition(ROOT / "examples" / "checklists" / "docs-test.v1.json", ROOT)
    cases = build_cases(checklist, 300, 300, seed=12)
    reasons: set[str] = set()
    codes: set[str] = set()
    for case in cases:
        for answer in case.input["answers"].values():
            if isinstance(answer, dict) and "documents" in answer and "error" not in case.expected:
                assert not {"document_date", "valid_until"} & set(answer)
        if "error" in case.expected:
            codes |= {p["code"] for p in case.expected["error"].get("problems", [])}
        else:
            for body in case.expected["items"].values():
                reasons |= set(body.get("documents", {}).values())
    assert reasons == {"document_expired", "document_date_missing"}
    assert {"answers.document_form", "answers.unknown_document"} <= codes
