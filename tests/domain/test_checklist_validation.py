"""The definition checks: each broken rule is reported at its JSON pointer."""

from typing import Any

import pytest

from server.domain.checklist import check_definition, parse_checklist
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
