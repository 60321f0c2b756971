"""The scoring engine on small checklists built in the test."""

import datetime as dt
from typing import Any

import pytest

from server.domain.checklist import parse_checklist
from server.domain.errors import DomainError
from server.domain.scoring import check_answers, check_document_dates, score, score_input
from server.services.checklists import load_definition
from server.settings import PROJECT_ROOT
from tests.builders import definition, item, level

DAY = dt.date(2026, 11, 20)
FACTS = {"has_beds": True, "beds": 20}


def ten_basic(**first: Any) -> list[dict[str, Any]]:
    return [item(f"B{i:02d}", **(first if i == 1 else {})) for i in range(1, 11)]


def grades(n_c: int, rest: str = "not_met", total: int = 10) -> dict[str, dict[str, str]]:
    return {f"B{i:02d}": {"grade": "C" if i <= n_c else rest} for i in range(1, total + 1)}


def test_share_exactly_at_the_threshold_reaches_the_tier() -> None:
    checklist = parse_checklist(definition(ten_basic()))
    result = score(checklist, FACTS, grades(8), DAY)
    assert result["tiers"][0]["reached"] is True
    assert result["tiers"][0]["rules"][1]["actual"] == {"numerator": 8, "denominator": 10, "share": "0.8000"}


def test_one_short_of_the_threshold_names_the_items_and_how_many_are_needed() -> None:
    checklist = parse_checklist(definition(ten_basic()))
    result = score(checklist, FACTS, grades(7), DAY)
    assert result["tier"]["code"] == "none"
    blocked = result["next_tier"]["blocked_by"]
    assert result["next_tier"]["code"] == "basic"
    assert blocked == [
        {
            "kind": "rule",
            "index": 1,
            "rule": "share_at_least",
            "label": "基本80%",
            "passed": False,
            "grade": "C",
            "threshold": "0.8",
            "actual": {"numerator": 7, "denominator": 10, "share": "0.7000"},
            "needed": 1,
            "items": ["B08", "B09", "B10"],
        }
    ]


def test_a_failed_core_item_blocks_the_tier_whatever_the_share() -> None:
    checklist = parse_checklist(definition(ten_basic(core=True)))
    answers = {f"B{i:02d}": {"grade": "A"} for i in range(1, 11)}
    answers["B01"] = {"grade": "not_met"}
    result = score(checklist, FACTS, answers, DAY)
    assert result["tier"]["code"] == "none"
    assert result["next_tier"]["blocked_by"][0]["rule"] == "all_at_least"
    assert result["next_tier"]["blocked_by"][0]["items"] == ["B01"]


def test_a_failed_veto_item_forces_none_with_perfect_totals() -> None:
    items = [*ten_basic(), item("V1", levels=["C"], veto=True)]
    checklist = parse_checklist(definition(items))
    answers = {f"B{i:02d}": {"grade": "A"} for i in range(1, 11)} | {"V1": {"grade": "not_met"}}
    result = score(checklist, FACTS, answers, DAY)
    assert result["tier"] == {"code": "none", "label": "未达标"}
    assert result["veto_failed"] == ["V1"]
    assert result["next_tier"]["blocked_by"] == [{"kind": "veto_failed", "items": ["V1"]}]
    assert all(not t["reached"] for t in result["tiers"])


def test_not_applicable_items_leave_every_denominator() -> None:
    items = [*ten_basic(), item("W1", applies_if={"fact": "has_beds", "op": "eq", "value": True})]
    checklist = parse_checklist(definition(items))
    answers = grades(8) | {"W1": {"grade": "not_met"}}
    with_beds = score(checklist, FACTS, answers, DAY)
    without_beds = score(checklist, {"has_beds": False, "beds": 0}, answers, DAY)
    assert with_beds["tiers"][0]["rules"][1]["actual"]["denominator"] == 11
    assert with_beds["tier"]["code"] == "none"  # 8 of 11
    assert without_beds["tiers"][0]["rules"][1]["actual"]["denominator"] == 10
    assert without_beds["tier"]["code"] == "basic"
    assert without_beds["items"]["W1"] == {
        "outcome": "not_applicable",
        "reason": "condition",
        "answered": "not_met",
    }
    assert without_beds["totals"]["not_applicable"] == 1


def test_inspector_may_mark_not_applicable_only_where_allowed() -> None:
    checklist = parse_checklist(definition([item("I1", allow_na=True), item("I2")]))
    result = score(checklist, FACTS, {"I1": {"grade": "not_applicable"}, "I2": {"grade": "C"}}, DAY)
    assert result["items"]["I1"]["outcome"] == "not_applicable"
    assert result["totals"]["applicable"] == 1
    with pytest.raises(DomainError) as err:
        score(checklist, FACTS, {"I2": {"grade": "not_applicable"}}, DAY)
    assert err.value.problems[0].code == "answers.not_applicable_not_allowed"


def test_unanswered_items_count_as_not_met_and_are_listed() -> None:
    checklist = parse_checklist(definition(ten_basic()))
    result = score(checklist, FACTS, {"B01": {"grade": "C"}}, DAY)
    assert result["complete"] is False
    assert result["unanswered"] == [f"B{i:02d}" for i in range(2, 11)]
    assert result["totals"]["not_met"] == 9


@pytest.mark.parametrize(
    ("document_date", "outcome", "reason"),
    [
        ("2025-11-20", "C", None),  # exactly 12 months old on the inspection day
        ("2025-11-19", "not_met", "document_expired"),
        (None, "not_met", "document_date_missing"),
    ],
)
def test_document_age_at_the_inspection_date(
    document_date: str | None, outcome: str, reason: str | None
) -> None:
    validity = {"kind": "max_age", "document": "年度状态检测报告", "max_age_months": 12}
    checklist = parse_checklist(definition([item("D1", levels=["C"], validity=validity)]))
    answer: dict[str, Any] = {"grade": "C"}
    if document_date:
        answer["document_date"] = document_date
    result = score(checklist, FACTS, {"D1": answer}, DAY)
    assert result["items"]["D1"]["outcome"] == outcome
    assert result["items"]["D1"].get("reason") == reason


def test_licence_valid_until_the_inspection_day_is_valid_the_day_before_is_not() -> None:
    validity = {"kind": "valid_until", "document": "放射诊疗许可证"}
    checklist = parse_checklist(definition([item("L1", levels=["C"], validity=validity, veto=True)]))
    ok = score(checklist, FACTS, {"L1": {"grade": "C", "valid_until": "2026-11-20"}}, DAY)
    expired = score(checklist, FACTS, {"L1": {"grade": "C", "valid_until": "2026-11-19"}}, DAY)
    assert ok["items"]["L1"]["outcome"] == "C"
    assert expired["items"]["L1"]["outcome"] == "not_met"
    assert expired["veto_failed"] == ["L1"]


def test_points_share_uses_the_level_points() -> None:
    items = [
        {**item("P1"), "levels": [level("partial", points=3), level("pass", points=5)]},
        {**item("P2"), "levels": [level("pass", points=5)]},
    ]
    data = definition(
        items,
        scoring={"method": "points"},
        grade_scale=[{"code": "partial", "label": "基本达标"}, {"code": "pass", "label": "达标"}],
        tiers=[
            {
                "code": "basic",
                "label": "达标",
                "rules": [
                    {"rule": "points_share_at_least", "label": "80%", "select": {}, "threshold": "0.8"}
                ],
            }
        ],
    )
    checklist = parse_checklist(data)
    result = score(checklist, FACTS, {"P1": {"grade": "partial"}, "P2": {"grade": "pass"}}, DAY)
    assert result["totals"]["points"] == {"earned": 8, "possible": 10}
    assert result["tier"]["code"] == "basic"
    result = score(checklist, FACTS, {"P1": {"grade": "not_met"}, "P2": {"grade": "pass"}}, DAY)
    assert result["next_tier"]["blocked_by"][0]["needed"] == 3
    assert result["items"]["P1"]["points"] == 0


def test_tiers_are_cumulative() -> None:
    items = [*ten_basic(), item("R1", tier="recommended")]
    checklist = parse_checklist(definition(items))
    result = score(checklist, FACTS, grades(7) | {"R1": {"grade": "A"}}, DAY)
    assert [t["reached"] for t in result["tiers"]] == [False, False]
    assert result["tiers"][1]["rules"][0]["passed"] is True


def test_a_share_of_nothing_never_grants_a_tier() -> None:
    items = [*ten_basic(), item("R1", tier="recommended", allow_na=True)]
    checklist = parse_checklist(definition(items))
    result = score(checklist, FACTS, grades(10) | {"R1": {"grade": "not_applicable"}}, DAY)
    assert result["tier"]["code"] == "basic"
    rule = result["next_tier"]["blocked_by"][0]
    assert rule["actual"] == {"numerator": 0, "denominator": 0, "share": None}
    assert rule["reason"] == "no_applicable_items"


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({"X9": {"grade": "C"}}, "answers.unknown_item"),
        ({"B01": {"grade": "D"}}, "answers.invalid_grade"),
        ({"B01": {"grade": None}}, "answers.invalid_grade"),
        ({"B01": {"grade": "C", "score": 5}}, "answers.unknown_field"),
        ({"B01": {"grade": "C", "document_date": "2026-02-30"}}, "input.invalid_date"),
        ({"B01": "C"}, "answers.invalid"),
    ],
)
def test_bad_answers_are_refused_with_a_stable_code(answers: dict[str, Any], code: str) -> None:
    checklist = parse_checklist(definition(ten_basic()))
    with pytest.raises(DomainError) as err:
        score(checklist, FACTS, answers, DAY)
    assert err.value.code == "answers.invalid"
    assert err.value.problems[0].code == code


@pytest.mark.parametrize(
    ("facts", "code"),
    [
        ({"has_beds": 1, "beds": 2}, "facts.type"),
        ({"has_beds": True, "beds": True}, "facts.type"),
        ({"has_beds": True, "beds": 1, "colour": "red"}, "facts.unknown"),
    ],
)
def test_bad_facts_are_refused(facts: dict[str, Any], code: str) -> None:
    checklist = parse_checklist(definition(ten_basic()))
    with pytest.raises(DomainError) as err:
        score(checklist, facts, {}, DAY)
    assert [p.code for p in err.value.problems] == [code]


def test_facts_that_conditions_need_must_be_given() -> None:
    checklist = parse_checklist(
        definition([item("W1", applies_if={"fact": "has_beds", "op": "eq", "value": True})])
    )
    with pytest.raises(DomainError) as err:
        score(checklist, {}, {}, DAY)
    assert [p.pointer for p in err.value.problems] == ["/facts/has_beds"]


def test_answers_for_another_version_are_refused() -> None:
    checklist = parse_checklist(definition(ten_basic()))
    document = {
        "checklist": {"id": "test-mini", "version": 2},
        "inspection_date": "2026-11-20",
        "facts": FACTS,
        "answers": {},
    }
    with pytest.raises(DomainError) as err:
        score_input(checklist, document)
    assert err.value.code == "answers.checklist_mismatch"


def test_a_document_issued_after_the_inspection_is_named_in_both_forms() -> None:
    root = PROJECT_ROOT / "checklists"
    checklist = load_definition(root / "examples" / "checklists" / "docs-test.v1.json", root)
    day = dt.date(2026, 11, 20)
    answers = check_answers(
        checklist,
        {
            "D-01": {
                "grade": "A",
                # a licence valid until after the inspection is normal; a report issued after it is not
                "documents": {
                    "licence": {"valid_until": "2027-01-01"},
                    "state_test": {"document_date": "2026-11-21"},
                },
            },
            "D-02": {"grade": "B", "documents": {"water_test": {"document_date": "2026-11-20"}}},
            "D-03": {"grade": "C", "document_date": "2026-12-01"},
        },
    )
    with pytest.raises(DomainError) as caught:
        check_document_dates(checklist, answers, day)
    assert caught.value.code == "answers.document_after_inspection"
    assert caught.value.status == 422
    assert (
        caught.value.message
        == "“设备状态检测报告”的出具日期 2026-11-21 晚于检查日期 2026-11-20，不能作为本次检查的依据"
    )
    problems = caught.value.problems
    assert [(p.code, p.pointer) for p in problems] == [
        ("answers.document_after_inspection", "/answers/D-01/documents/state_test/document_date"),
        ("answers.document_after_inspection", "/answers/D-03/document_date"),
    ]
    assert problems[0].message == caught.value.message
    assert "消毒效果监测报告" in problems[1].message
    check_document_dates(checklist, answers, dt.date(2026, 12, 1))  # on the inspection day is fine
