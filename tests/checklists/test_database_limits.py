"""What the database would refuse at `checklists load` is refused at `validate`, with a pointer and
a Chinese message: the validator's limits are the columns' own."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import BigInteger, Integer, String

from server.db.models import ChecklistVersion, Inspection, Payout, PayoutRule, Report
from server.domain import checklist
from server.domain.checklist import check_definition
from server.services import checklists
from server.settings import PROJECT_ROOT

ROOT = PROJECT_ROOT / "checklists"
MINI = ROOT / "examples" / "checklists" / "mini-test.v1.json"


def mini() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(MINI.read_text(encoding="utf-8"))
    return data


def length(column: Any) -> int:
    assert isinstance(column.type, String) and column.type.length is not None
    return column.type.length


def test_the_limits_are_the_columns_lengths() -> None:
    assert length(ChecklistVersion.title) == checklist.TITLE_MAX
    for column in (Report.tier_code, PayoutRule.tier_code, Payout.tier_code):
        assert length(column) == checklist.TIER_CODE_MAX, column
    assert length(Report.tier_label) == checklist.TIER_LABEL_MAX
    for number in (ChecklistVersion.version, Inspection.checklist_version):
        assert type(number.type) is Integer, number  # 32-bit on PostgreSQL
    assert checklist.VERSION_MAX == 2**31 - 1
    assert type(PayoutRule.amount_yuan.type) is BigInteger
    assert checklist.REWARD_MAX == 2**63 - 1
    # the schema's patterns hold ids, families and editions to theirs
    schema = json.loads((ROOT / "schema" / "checklist.schema.json").read_text(encoding="utf-8"))
    assert "{0,63}" in schema["$defs"]["code"]["pattern"] and length(ChecklistVersion.checklist_id) == 64
    assert "{0,31}" in schema["properties"]["family"]["pattern"] and length(ChecklistVersion.family) == 32
    assert "{0,39}" in schema["properties"]["edition"]["pattern"] and length(ChecklistVersion.edition) == 40


def _set(data: dict[str, Any], where: str, value: Any) -> None:
    *parents, last = where.strip("/").split("/")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[last] = value


CASES = {
    "title of 201 characters": ("/title", "标" * 201, "checklist.too_long", "标题最多 200 个字符"),
    "version 2**31": ("/version", 2**31, "checklist.out_of_range", "版本号最大为 2147483647"),
    "tier code of 41 characters": ("/tiers/1/code", "r" * 41, "checklist.too_long", "等级代码最多 40 个字符"),
    "tier label of 41 characters": (
        "/tiers/0/label",
        "基" * 41,
        "checklist.too_long",
        "等级名称最多 40 个字符",
    ),
    "reward of 2**63 yuan": ("/tiers/0/reward_yuan", 2**63, "checklist.out_of_range", "奖补金额（元）最大为"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_value_the_database_would_refuse_is_a_problem_at_its_pointer(case: str) -> None:
    where, value, code, message = CASES[case]
    data = mini()
    _set(data, where, value)
    problems = check_definition(data, checklists.schema_validator(ROOT))
    assert [(p.code, p.pointer) for p in problems] == [(code, where)]
    assert message in problems[0].message


def test_the_largest_values_the_database_holds_are_accepted() -> None:
    data = mini()
    data["title"] = "标" * checklist.TITLE_MAX
    data["version"] = checklist.VERSION_MAX
    data["tiers"][0]["label"] = "基" * checklist.TIER_LABEL_MAX
    data["tiers"][0]["reward_yuan"] = checklist.REWARD_MAX
    assert check_definition(data, checklists.schema_validator(ROOT)) == []


def test_a_family_code_longer_than_its_column_is_refused_by_the_schema() -> None:
    data = mini()
    data["family"] = "f" * 33
    problems = check_definition(data, checklists.schema_validator(ROOT))
    assert [(p.code, p.pointer) for p in problems] == [("checklist.schema", "/family")]
