"""A facility's facts through the API: the facts the loaded editions declare, read and set with a
reason, checked against each declaration (type, allowed range), scoped and audited. An edition
needing a fact the facility lacks cannot start an inspection until the fact is set."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from server.db import checklists as checklist_queries
from server.db.models import AuditEntry, Facility
from server.extensions import db
from server.services.auth import hash_password
from server.settings import PROJECT_ROOT
from tests.api.world import World, add_user

MINI_FACTS = PROJECT_ROOT / "checklists" / "examples" / "checklists" / "mini-facts.v1.json"


def load_mini_facts() -> None:
    data = json.loads(MINI_FACTS.read_text(encoding="utf-8"))
    checklist_queries.add_version("mini-facts", 1, "quality_service", "test", data["title"], "1" * 64, data)
    db.session.flush()


def facts_url(world: World, facility: str = "own") -> str:
    return f"/api/facilities/{world.facilities[facility].id}/facts"


def create(world: World) -> Any:
    return world.call(
        "county_reviewer",
        "POST",
        "/api/inspections",
        {
            "facility_id": world.facilities["own"].id,
            "checklist_id": "mini-facts",
            "checklist_version": 1,
            "kind": "county_inspection",
            "inspection_date": "2026-11-20",
            "inspector_ids": [world.users["inspector"].id],
        },
    )


def by_key(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["key"]: f for f in body["facts"]}


def test_an_edition_needing_medical_staff_starts_once_the_facility_has_it(world: World) -> None:
    load_mini_facts()
    refused = create(world)
    assert refused.status_code == 400, refused.json
    assert refused.json["error"]["code"] == "facts.invalid"
    missing = {(p["code"], p["pointer"]) for p in refused.json["error"]["problems"]}
    assert missing == {("facts.missing", "/facts/medical_staff"), ("facts.missing", "/facts/has_dr")}
    response = world.call(
        "admin",
        "PATCH",
        facts_url(world),
        {"facts": {"medical_staff": 12, "has_dr": True}, "reason": "按2026年人员花名册核实"},
    )
    assert response.status_code == 200, response.json
    created = create(world)
    assert created.status_code == 201, created.json
    score = world.call("county_reviewer", "GET", f"/api/inspections/{created.json['id']}/score")
    assert score.status_code == 200, score.json
    # 12 staff: the staffing item (medical_staff >= 10) applies; with DR, so does the DR item
    assert score.json["items"]["F-B02"].get("reason") != "condition"
    assert score.json["items"]["F-B03"].get("reason") != "condition"


def test_the_declared_facts_are_listed_with_label_unit_range_and_value(world: World) -> None:
    load_mini_facts()
    response = world.call("inspector", "GET", facts_url(world))
    assert response.status_code == 200, response.json
    assert response.json["facility_id"] == world.facilities["own"].id
    facts = by_key(response.json)
    assert facts["medical_staff"] == {
        "key": "medical_staff",
        "label": "卫生技术人员数",
        "type": "integer",
        "type_label": "整数",
        "unit": "人",
        "min": 0,
        "max": 500,
        "value": None,
        "editable": True,
    }
    # the record supplies beds (20 in the world) and what it implies; a derived fact is not editable
    assert facts["beds"]["value"] == 20
    assert facts["beds"]["max"] == 200
    assert (facts["has_beds"]["value"], facts["has_beds"]["editable"]) == (True, False)
    assert facts["facility_kind"]["value"] == "township"
    # facts of every loaded edition: the village clinic edition's tcm_corner, the big three's
    assert {"tcm_corner", "county_imaging_center", "obstetric_ultrasound"} <= set(facts)
    assert facts["service_area"]["min"] == 0.5


def test_out_of_range_wrong_type_unknown_and_derived_facts_are_refused_and_nothing_changes(
    world: World,
) -> None:
    load_mini_facts()
    response = world.call(
        "admin",
        "PATCH",
        facts_url(world),
        {
            "facts": {
                "medical_staff": -3,
                "beds": 201,
                "has_dr": "是",
                "population_served": 1.5,
                "colour": "red",
                "has_beds": False,
                "tcm_corner": True,
            },
            "reason": "核实机构信息",
        },
    )
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert (error["code"], error["message"]) == ("facility.facts_invalid", "机构信息有 6 处问题，未作修改")
    problems = {p["pointer"]: (p["code"], p["message"]) for p in error["problems"]}
    assert problems == {
        "/facts/beds": ("facts.out_of_range", "超出允许范围（不大于 200）"),
        "/facts/colour": ("facts.unknown", "已加载的评审标准均未声明此项机构信息"),
        "/facts/has_beds": ("facts.read_only", "此项机构信息由机构记录的床位数得出，不能直接修改"),
        "/facts/has_dr": ("facts.type", "类型应为是或否"),
        "/facts/medical_staff": ("facts.out_of_range", "超出允许范围（0～500 人）"),
        "/facts/population_served": ("facts.type", "类型应为整数"),
    }
    facility = db.session.get(Facility, world.facilities["own"].id)
    db.session.refresh(facility)
    assert (facility.beds, facility.facts) == (20, {})


def test_a_change_needs_a_reason(world: World) -> None:
    load_mini_facts()
    for reason in ("", " 好 "):
        response = world.call(
            "admin", "PATCH", facts_url(world), {"facts": {"medical_staff": 3}, "reason": reason}
        )
        assert response.status_code == 400, response.json
        assert response.json["error"] == {
            "code": "facility.reason_required",
            "message": "修改机构信息需要填写理由（至少 2 个字）",
        }
    assert world.call("admin", "PATCH", facts_url(world), {"facts": {"medical_staff": 3}}).status_code == 422


def test_set_clear_and_record_facts_are_audited_with_old_and_new_values(world: World) -> None:
    load_mini_facts()
    first = world.call(
        "admin",
        "PATCH",
        facts_url(world),
        {"facts": {"medical_staff": 8, "population_served": 9500, "beds": 0}, "reason": "年度核实"},
    )
    assert first.status_code == 200, first.json
    facts = by_key(first.json)
    assert (facts["medical_staff"]["value"], facts["population_served"]["value"]) == (8, 9500)
    assert (facts["beds"]["value"], facts["has_beds"]["value"]) == (0, False)
    facility = db.session.get(Facility, world.facilities["own"].id)
    db.session.refresh(facility)
    assert (facility.beds, facility.population_served, facility.facts) == (0, 9500, {"medical_staff": 8})
    second = world.call(
        "admin",
        "PATCH",
        facts_url(world),
        {"facts": {"medical_staff": None, "population_served": None, "has_dr": False}, "reason": "人员调出"},
    )
    assert second.status_code == 200, second.json
    db.session.refresh(facility)
    assert (facility.population_served, facility.facts) == (None, {"has_dr": False})
    refused = world.call("admin", "PATCH", facts_url(world), {"facts": {"beds": None}, "reason": "清空床位"})
    assert refused.status_code == 422, refused.json
    assert refused.json["error"]["problems"][0]["code"] == "facts.required"
    entries = list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "facility.facts").order_by(AuditEntry.seq)
        )
    )
    assert [(e.before, e.after, e.target_type, e.target_id, e.region_code) for e in entries] == [
        (
            {"beds": 20, "medical_staff": None, "population_served": None},
            {"facts": {"beds": 0, "medical_staff": 8, "population_served": 9500}, "reason": "年度核实"},
            "facility",
            str(facility.id),
            "410222",
        ),
        (
            {"has_dr": None, "medical_staff": 8, "population_served": 9500},
            {
                "facts": {"has_dr": False, "medical_staff": None, "population_served": None},
                "reason": "人员调出",
            },
            "facility",
            str(facility.id),
            "410222",
        ),
    ]


def test_only_the_bureaus_desk_sets_facts_and_only_inside_their_region(world: World) -> None:
    load_mini_facts()
    body = {"facts": {"medical_staff": 5}, "reason": "核实人员"}
    for username in ("inspector", "self_assessor", "finance"):
        response = world.call(username, "PATCH", facts_url(world), body)
        assert response.status_code == 403, (username, response.json)
    assert world.call("county_reviewer", "PATCH", facts_url(world), body).status_code == 200
    add_user("county_admin", "admin", "410222", hash_password(world.password))
    assert world.call("county_admin", "PATCH", facts_url(world), body).status_code == 200
    outside = world.call("county_admin", "PATCH", facts_url(world, "sibling"), body)
    assert outside.status_code == 404, outside.json
    assert world.call("county_admin", "GET", facts_url(world, "sibling")).status_code == 404
    facility = db.session.get(Facility, world.facilities["sibling"].id)
    db.session.refresh(facility)
    assert facility.facts == {}
