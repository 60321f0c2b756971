"""The definition checks: each broken rule is reported at its JSON pointer."""

from fractions import Fraction
from typing import Any

import pytest

from server.domain.checklist import check_definition, merge_facts, parse_checklist, referenced_facts
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
    data = definition([item("I1"), item("R1", tier="recommended")])
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


# --- the rule vocabulary -------------------------------------------------------------------------


def _rule(data: dict[str, Any], tier: int = 0, index: int = 1) -> dict[str, Any]:
    rule: dict[str, Any] = data["tiers"][tier]["rules"][index]
    return rule


def test_a_threshold_may_be_an_exact_fraction_up_to_one() -> None:
    data = definition([item("I1"), item("I2"), item("I3")])
    _rule(data)["threshold"] = "2/3"
    assert pointers(data) == {}
    assert parse_checklist(data).tiers[0].rules[1].threshold == Fraction(2, 3)
    _rule(data)["threshold"] = "4/3"
    assert pointers(data) == {"/tiers/0/rules/1/threshold": "比例不能大于 1"}
    for bad in ("2/0", "-1/3", "1/3/4", "2 / 3"):
        _rule(data)["threshold"] = bad
        assert "/tiers/0/rules/1/threshold" in pointers(data), bad


def test_selections_by_items_and_tags_must_name_what_exists() -> None:
    data = definition([item("I1", tags=["infection"]), item("M1", monitoring=True)])
    _rule(data)["select"] = {"items": ["I1", "I9", "M1"]}
    found = pointers(data)
    assert found["/tiers/0/rules/1/select/items/1"] == "条款“I9”不存在"
    assert "监测条款" in found["/tiers/0/rules/1/select/items/2"]
    assert "/tiers/0/rules/1/select/items/0" not in found
    _rule(data)["select"] = {"tags": ["infection", "safety"]}
    assert pointers(data) == {"/tiers/0/rules/1/select/tags/1": "没有条款带有标签“safety”"}
    _rule(data)["select"] = {"items": []}
    assert "/tiers/0/rules/1/select/items" in pointers(data)


def test_a_count_rule_needs_a_whole_count_and_a_grade() -> None:
    data = definition([item("I1"), item("I2")])
    data["tiers"][0]["rules"][1] = {
        "rule": "count_at_least",
        "label": "至少1项",
        "select": {},
        "grade": "B",
        "count": 1,
    }
    assert pointers(data) == {}
    for bad in (0, 1.5, "1"):
        _rule(data)["count"] = bad
        assert "/tiers/0/rules/1/count" in pointers(data), bad
    del _rule(data)["grade"]
    assert "/tiers/0/rules/1" in pointers(data)


def test_veto_scopes_name_a_declared_tier() -> None:
    data = definition(
        [item("I1"), item("R1", tier="recommended"), item("V1", veto={"effect": "block", "tier": "gold"})]
    )
    assert pointers(data) == {"/chapters/0/sections/0/items/2/veto/tier": "达标等级“gold”未在 /tiers 中声明"}
    data["chapters"][0]["sections"][0]["items"][2]["veto"] = {"effect": "downgrade"}
    assert pointers(data) == {}
    data["chapters"][0]["sections"][0]["items"][2]["veto"] = {"effect": "suspend"}
    assert any(p.startswith("/chapters/0/sections/0/items/2/veto") for p in pointers(data))


def test_a_rule_condition_names_declared_facts() -> None:
    data = definition([item("I1")])
    _rule(data)["when"] = {"fact": "medical_staff", "op": "lt", "value": 10}
    assert "/tiers/0/rules/1/when/fact" in pointers(data)
    _rule(data)["when"] = {"fact": "beds", "op": "lt", "value": 10}
    assert pointers(data) == {}
    checklist = parse_checklist(data)
    assert "beds" in referenced_facts(checklist)


def test_chapter_weights_are_for_points_checklists_and_all_or_none() -> None:
    points = [level("C", points=1), level("B", points=2)]
    data = definition([{**item("I1"), "levels": points}], scoring={"method": "points"})
    data["tiers"][0]["rules"] = [{"rule": "points_at_least", "label": "及格", "select": {}, "points": "1"}]
    data["chapters"][0]["weight"] = 100
    assert pointers(data) == {}
    data["chapters"].append(
        {
            "id": "CH2",
            "title": "第二章",
            "sections": [{"id": "S2", "title": "节", "items": [{**item("I2"), "levels": points}]}],
        }
    )
    assert pointers(data) == {"/chapters": "章节权重须每章都有，或都没有"}
    graded = definition([item("I1")])
    graded["chapters"][0]["weight"] = 100
    assert pointers(graded) == {"/chapters": "章节权重只用于计分制（points）评审标准"}


@pytest.mark.parametrize(
    ("change", "why"),
    [
        # B asked of an item whose only level is C
        (
            lambda d: d["tiers"][0]["rules"].append(
                {"rule": "all_at_least", "label": "x", "select": {"items": ["C1"]}, "grade": "B"}
            ),
            "没有 B 级及以上",
        ),
        # a share over an empty selection
        (
            lambda d: d["tiers"][0]["rules"].append(
                {
                    "rule": "share_at_least",
                    "label": "x",
                    "select": {"core": True},
                    "grade": "C",
                    "threshold": "0.5",
                }
            ),
            "选中的条款为空",
        ),
        # 3 at B asked of 3 items, one of them C-only
        (
            lambda d: d["tiers"][0]["rules"].append(
                {
                    "rule": "count_at_least",
                    "label": "x",
                    "select": {"tier": "basic"},
                    "grade": "B",
                    "count": 3,
                }
            ),
            "只有 2 条",
        ),
        # 100 % at B over items one of which can only reach C
        (
            lambda d: d["tiers"][0]["rules"].append(
                {
                    "rule": "share_at_least",
                    "label": "x",
                    "select": {"tier": "basic"},
                    "grade": "B",
                    "threshold": "1",
                }
            ),
            "最多 2 条",
        ),
    ],
)
def test_a_tier_that_can_never_be_reached_is_refused(change: Any, why: str) -> None:
    data = definition([item("I1"), item("I2"), item("C1", levels=["C"])])
    assert pointers(data) == {}
    change(data)
    found = pointers(data)
    assert list(found) == ["/tiers/0/rules/2"], found
    assert found["/tiers/0/rules/2"].startswith("达标等级“基本标准”永远无法达到：")
    assert why in found["/tiers/0/rules/2"]


def test_an_item_that_may_not_apply_keeps_a_share_reachable() -> None:
    """A C-only item the inspector may mark not applicable leaves 100 % at B reachable (for a
    facility where it does not apply); one that always applies does not."""
    data = definition([item("I1"), item("C1", levels=["C"], allow_na=True)])
    data["tiers"][0]["rules"].append(
        {"rule": "share_at_least", "label": "x", "select": {}, "grade": "B", "threshold": "1"}
    )
    assert pointers(data) == {}


def test_a_points_mark_above_the_points_on_offer_is_refused() -> None:
    data = definition(
        [{**item("I1"), "levels": [level("C", points=3), level("B", points=5)]}], scoring={"method": "points"}
    )
    data["tiers"][0]["rules"] = [{"rule": "points_at_least", "label": "及格", "select": {}, "points": "6"}]
    assert "最多 5 分，少于 6 分" in pointers(data)["/tiers/0/rules/0"]
    data["tiers"][0]["rules"][0]["points"] = "5"
    assert pointers(data) == {}


def test_points_rules_need_the_points_method() -> None:
    data = definition([item("I1")])
    data["tiers"][0]["rules"].append({"rule": "points_at_least", "label": "x", "select": {}, "points": "1"})
    assert "/tiers/0/rules/2/rule" in pointers(data)


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


LICENCE = {"key": "licence", "kind": "valid_until", "document": "执业许可证"}
STATE_TEST = {"key": "state_test", "kind": "max_age", "document": "状态检测报告", "max_age_months": 12}


def test_several_documents_per_item_parse_in_order() -> None:
    data = definition(
        [item("I1", validity=[LICENCE, STATE_TEST]), item("I2", validity=STATE_TEST | {"key": "x"})]
    )
    assert any(p.startswith("/chapters/0/sections/0/items/1/validity") for p in pointers(data))  # no key
    del data["chapters"][0]["sections"][0]["items"][1]["validity"]["key"]
    assert check_definition(data, SCHEMA) == []
    first, second = parse_checklist(data).items()
    assert first.validity is None
    assert [(v.key, v.kind, v.document, v.max_age_months) for v in first.validities] == [
        ("licence", "valid_until", "执业许可证", None),
        ("state_test", "max_age", "状态检测报告", 12),
    ]
    assert second.validity is not None and second.validity.key is None and second.validities == ()


def test_document_keys_are_unique_within_an_item() -> None:
    data = definition(
        [
            item("I1", validity=[LICENCE, STATE_TEST, LICENCE | {"document": "另一份许可证"}]),
            item("I2", validity=[LICENCE]),  # the same key in another item is fine
        ]
    )
    found = pointers(data)
    assert list(found) == ["/chapters/0/sections/0/items/0/validity/2/key"]
    assert "“licence”" in found["/chapters/0/sections/0/items/0/validity/2/key"]
    assert "重复" in found["/chapters/0/sections/0/items/0/validity/2/key"]


@pytest.mark.parametrize(
    "validity",
    [
        [],
        [{"key": "licence", "kind": "valid_until"}],
        [{"key": "Licence", "kind": "valid_until", "document": "许可证"}],
        [{"key": "report", "kind": "max_age", "document": "报告"}],
        [LICENCE | {"max_age_months": 12}],
    ],
)
def test_a_document_list_needs_keys_names_and_ages(validity: Any) -> None:
    assert any(
        p.startswith("/chapters/0/sections/0/items/0/validity")
        for p in pointers(definition([item("I1", validity=validity)]))
    )
