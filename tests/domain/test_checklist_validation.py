"""The definition checks: each broken rule is reported at its JSON pointer."""

from typing import Any

import pytest

from server.domain.checklist import check_definition, merge_facts, parse_checklist
from server.domain.errors import DomainError
from server.services.checklists import schema_validator
from server.settings import PROJECT_ROOT
from tests.builders import definition, item, level

SCHEMA = schema_validator(PROJECT_ROOT / "checklists")


def pointers(data: Any) -> dict[str, str]:
    return {p.pointer: p.message for p in check_definition(data, SCHEMA)}


def test_a_valid_definition_has_no_problem() -> None:
    assert check_definition(definition([item("I1"), item("I2", tier="recommended")]), SCHEMA) == []


def test_schema_problems_name_the_place() -> None:
    data = definition([item("I1")])
    data["chapters"][0]["sections"][0]["items"][0]["tier"] = 5
    data["version"] = 0
    found = pointers(data)
    assert "/chapters/0/sections/0/items/0/tier" in found
    assert "/version" in found


def test_unknown_field_is_refused() -> None:
    data = definition([item("I1", colour="red")])
    assert "/chapters/0/sections/0/items/0" in pointers(data)


def test_duplicate_ids_are_reported_where_repeated() -> None:
    found = pointers(definition([item("I1"), item("I1")]))
    assert "/chapters/0/sections/0/items/1/id" in found


def test_levels_must_follow_the_scale() -> None:
    found = pointers(definition([item("I1", levels=["B", "C"]), item("I2", levels=["C", "X"])]))
    assert "/chapters/0/sections/0/items/0/levels/1/code" in found
    assert "/chapters/0/sections/0/items/1/levels/1/code" in found


def test_conditions_must_name_declared_facts_of_the_right_type() -> None:
    found = pointers(
        definition(
            [
                item("I1", applies_if={"fact": "nope", "op": "eq", "value": True}),
                item("I2", applies_if={"fact": "has_beds", "op": "eq", "value": 3}),
                item("I3", applies_if={"all": [{"fact": "has_beds", "op": "gt", "value": True}]}),
            ]
        )
    )
    assert "/chapters/0/sections/0/items/0/applies_if/fact" in found
    assert "/chapters/0/sections/0/items/1/applies_if/value" in found
    assert "/chapters/0/sections/0/items/2/applies_if/all/0/op" in found


def test_rules_must_name_declared_tiers_and_grades() -> None:
    data = definition([item("I1")])
    data["tiers"][0]["rules"][1]["select"] = {"tier": "gold"}
    data["tiers"][1]["rules"][0]["grade"] = "Z"
    found = pointers(data)
    assert "/tiers/0/rules/1/select/tier" in found
    assert "/tiers/1/rules/0/grade" in found


def test_thresholds_are_exact_decimal_strings() -> None:
    data = definition([item("I1")])
    data["tiers"][0]["rules"][1]["threshold"] = 0.8
    assert "/tiers/0/rules/1/threshold" in pointers(data)
    data["tiers"][0]["rules"][1]["threshold"] = "1.5"
    assert "/tiers/0/rules/1/threshold" in pointers(data)


def test_points_checklists_need_increasing_points() -> None:
    data = definition(
        [
            {**item("I1"), "levels": [level("C", points=2), level("B", points=1)]},
            {**item("I2"), "levels": [level("C")]},
        ],
        scoring={"method": "points"},
    )
    found = pointers(data)
    assert "/chapters/0/sections/0/items/0/levels/1/points" in found
    assert "/chapters/0/sections/0/items/1/levels/0" in found


def test_graded_checklists_carry_no_points() -> None:
    data = definition([{**item("I1"), "levels": [level("C", points=2)]}])
    assert "/chapters/0/sections/0/items/0/levels/0/points" in pointers(data)


def test_a_veto_item_cannot_be_set_aside() -> None:
    assert "/chapters/0/sections/0/items/0" in pointers(definition([item("I1", veto=True, allow_na=True)]))


def test_parse_refuses_a_broken_definition() -> None:
    with pytest.raises(DomainError) as err:
        parse_checklist(definition([item("I1"), item("I1")]))
    assert err.value.code == "checklist.invalid"
    assert err.value.problems[0].pointer == "/chapters/0/sections/0/items/1/id"


BASE_FACTS = len(definition([item("I1")]).get("facts", []))


def at(index: int, key: str) -> str:
    """The pointer of a key of the index-th fact added by _with_facts."""
    return f"/facts/{BASE_FACTS + index}/{key}"


def _with_facts(*facts: dict[str, Any]) -> dict[str, Any]:
    data = definition([item("I1")])
    data["facts"] = [*data.get("facts", []), *facts]
    return data


def test_a_fact_may_declare_a_unit_and_a_range() -> None:
    data = _with_facts(
        {
            "key": "medical_staff",
            "type": "integer",
            "label": "卫生技术人员数",
            "unit": "人",
            "min": 0,
            "max": 500,
        },
        {"key": "area", "type": "number", "label": "面积", "unit": "平方公里", "min": 0.5},
        {"key": "same", "type": "integer", "label": "上下限相同", "min": 3, "max": 3},
    )
    assert check_definition(data, SCHEMA) == []
    fact = parse_checklist(data).facts["medical_staff"]
    assert (fact.type, fact.label, fact.unit, fact.min, fact.max) == (
        "integer",
        "卫生技术人员数",
        "人",
        0,
        500,
    )
    assert fact.range_text() == "0～500 人"
    assert parse_checklist(data).facts["area"].range_text() == "不小于 0.5 平方公里"


def test_a_range_must_not_be_empty() -> None:
    found = pointers(_with_facts({"key": "staff", "type": "integer", "label": "人员", "min": 10, "max": 9}))
    assert found == {at(0, "min"): "最小值 10 大于最大值 9"}


def test_a_range_or_unit_on_a_boolean_or_string_fact_is_refused() -> None:
    found = pointers(
        _with_facts(
            {"key": "has_dr", "type": "boolean", "label": "配备DR", "min": 0},
            {"key": "kind", "type": "string", "label": "类别", "max": 3, "unit": "个"},
        )
    )
    assert "只有整数或数值类型" in found[at(0, "min")]
    assert "是或否" in found[at(0, "min")]
    assert "只有整数或数值类型" in found[at(1, "max")]
    assert "可以有单位" in found[at(1, "unit")]


def test_an_integer_fact_has_whole_bounds_and_bounds_are_numbers() -> None:
    found = pointers(_with_facts({"key": "staff", "type": "integer", "label": "人员", "min": 0.5}))
    assert "须为整数" in found[at(0, "min")]
    found = pointers(_with_facts({"key": "staff", "type": "integer", "label": "人员", "max": "5"}))
    assert at(0, "max") in found


def test_merged_declarations_keep_the_narrowest_range_and_report_type_conflicts() -> None:
    one = parse_checklist(
        _with_facts({"key": "staff", "type": "integer", "label": "人员", "unit": "人", "min": 0, "max": 500})
    )
    two = dict(_with_facts({"key": "staff", "type": "integer", "label": "卫技人员", "min": 1, "max": 900}))
    two["version"] = 2
    three = dict(_with_facts({"key": "staff", "type": "number", "label": "人员"}))
    three["version"] = 3
    merged, conflicts = merge_facts([one, parse_checklist(two)])
    assert conflicts == []
    assert (merged["staff"].label, merged["staff"].unit, merged["staff"].min, merged["staff"].max) == (
        "人员",
        "人",
        1,
        500,
    )
    _, conflicts = merge_facts([one, parse_checklist(three)])
    assert (
        len(conflicts) == 1 and "staff" in conflicts[0] and "数值" in conflicts[0] and "整数" in conflicts[0]
    )
