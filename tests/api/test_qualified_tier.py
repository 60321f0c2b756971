"""The 合格标准 tier of the quality-service sample's second version, end to end: a small centre
supplies the facts the version declares (medical staff, people served), is inspected on it, and
the approved inspection's PDF report states the tier. The first version stays on offer where the
facts are missing, and inspections pinned to it score as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from server.db.models import Inspection
from server.extensions import db
from server.services import checklists
from tests.api.test_evidence import post_photo
from tests.api.test_facility_facts import load_mini_facts
from tests.api.test_reports import pdf_text
from tests.api.world import World, add_photo, change
from tests.photos import jpeg

QS = "qs-2023-sample"


def offered(world: World) -> dict[str, int]:
    response = world.call(
        "county_reviewer", "GET", f"/api/checklists?facility_id={world.facilities['own'].id}"
    )
    assert response.status_code == 200, response.json
    return {ref["id"]: ref["version"] for ref in response.json}


def create(world: World, version: int) -> Any:
    return world.call(
        "county_reviewer",
        "POST",
        "/api/inspections",
        {
            "facility_id": world.facilities["own"].id,
            "checklist_id": QS,
            "checklist_version": version,
            "kind": "county_inspection",
            "inspection_date": "2026-11-20",
            "inspector_ids": [world.users["inspector"].id],
        },
    )


def _patch(world: World, **facts: Any) -> Any:
    return world.call(
        "admin",
        "PATCH",
        f"/api/facilities/{world.facilities['own'].id}/facts",
        {"facts": facts, "reason": "按2026年人员花名册和辖区人口核实"},
    )


def set_facts(world: World, **facts: Any) -> None:
    response = _patch(world, **facts)
    assert response.status_code == 200, response.json


def centre(world: World, version: int, **facts: Any) -> int:
    """The own centre with these facts, and a new inspection of it on this version."""
    world.facilities["own"].facts = {"community_hospital": False}
    db.session.commit()
    set_facts(world, **facts)
    created = create(world, version)
    assert created.status_code == 201, created.json
    inspection_id: int = created.json["id"]
    return inspection_id


def every_item_at_c(world: World, inspection_id: int, version: int, uploads: bool = False) -> None:
    """Every item answered at C (documents in force), with the photos each item asks for: rows
    standing for them, or (`uploads`) real uploads, which final approval retains in the store."""
    checklist = checklists.get_checklist(QS, version)
    changes = []
    for item in checklist.items():
        dates: dict[str, str] = {}
        if item.validity is not None:
            dates = (
                {"valid_until": "2027-06-30"}
                if item.validity.kind == "valid_until"
                else {"document_date": "2026-06-01"}
            )
        changes.append(change(inspection_id, item.id, "C", **dates))
        for n in range(item.photos_min):
            if uploads:
                inspection = db.session.get(Inspection, inspection_id)
                assert inspection is not None
                photo = jpeg(width=160, height=120, seed=len(changes) * 10 + n)
                assert post_photo(world, "inspector", inspection, photo, item=item.id).status_code == 201
            else:
                add_photo(inspection_id, item.id, world.users["inspector"].id)
    receipts = world.sync("inspector", changes).json["receipts"]
    assert {r["status"] for r in receipts} == {"applied"}, [r for r in receipts if r["status"] != "applied"][
        :3
    ]
    db.session.commit()


def test_a_small_centre_supplies_its_facts_and_its_report_states_the_qualified_tier(
    world: World, tmp_path: Path
) -> None:
    world.facilities["own"].facts = {"community_hospital": False}
    db.session.commit()
    # without the facts the second version needs, the first stays on offer and the second refuses
    assert offered(world)[QS] == 1
    refused = create(world, 2)
    assert refused.status_code == 400
    assert {(p["code"], p["pointer"]) for p in refused.json["error"]["problems"]} >= {
        ("facts.missing", "/facts/medical_staff")
    }
    # a negative staff count is refused, and nothing changes
    bad = world.call(
        "admin",
        "PATCH",
        f"/api/facilities/{world.facilities['own'].id}/facts",
        {"facts": {"medical_staff": -3}, "reason": "按花名册核实"},
    )
    assert bad.status_code == 422 and bad.json["error"]["problems"][0]["code"] == "facts.out_of_range"

    set_facts(world, medical_staff=8, population_served=9_200)
    assert offered(world)[QS] == 2
    created = create(world, 2)
    assert created.status_code == 201, created.json
    inspection = db.session.get(Inspection, created.json["id"])
    assert inspection is not None
    every_item_at_c(world, inspection.id, 2)
    assert post_photo(world, "inspector", inspection, jpeg(), item="QS-1.1.01").status_code == 201

    score = world.call("county_reviewer", "GET", f"/api/inspections/{inspection.id}/score").json
    # every item at C: 合格标准 (core items at C, 80 % at C); 基本标准 now also asks 20 % at B
    # and 5 % at A, which a sheet of Cs does not have
    assert score["tier"] == {"code": "qualified", "label": "合格标准"}
    qualified, basic = score["tiers"][0], score["tiers"][1]
    assert qualified["assessed"] and qualified["reached"]
    assert not basic["reached"]
    failed = [r["label"] for r in basic["rules"] if not r["passed"]]
    assert failed == ["基本标准条款达到B级及以上的比例不低于20%", "基本标准条款达到A级的比例不低于5%"]
    # the shares count the applicable basic items, the veto items left out
    model = checklists.get_checklist(QS, 2)
    counted = [
        i.id
        for i in model.items()
        if i.tier == "basic" and not i.veto and not i.monitoring
        if score["items"][i.id]["outcome"] != "not_applicable"
    ]
    vetoes = [i.id for i in model.items() if i.tier == "basic" and i.veto]
    assert len(vetoes) == 3 and len(counted) > 50
    share = basic["rules"][1]["actual"]
    assert share["numerator"] == share["denominator"] == len(counted)

    for who, action in (
        ("inspector", "submit"),
        ("county_reviewer", "start_county_review"),
        ("county_reviewer", "county_approve"),
    ):
        response = world.call(
            who, "POST", f"/api/inspections/{inspection.id}/transitions", {"action": action}
        )
        assert response.status_code == 200, response.json

    report = world.call("county_reviewer", "GET", f"/api/inspections/{inspection.id}/report")
    assert report.status_code == 200, report.json
    text = pdf_text(report.data, tmp_path)
    assert "合格标准" in text
    assert "基本标准条款达到A级的比例不低于5%" in text
    assert f"0/{len(counted)}（0.0%）" in text  # the 5 % A rule's count, veto items left out
    assert "社区医院基本标准本机构不适用" in text


def test_a_larger_centre_is_not_assessed_for_the_qualified_tier(world: World) -> None:
    inspection_id = centre(world, 2, medical_staff=35, population_served=42_000)
    every_item_at_c(world, inspection_id, 2)
    score = world.call("county_reviewer", "GET", f"/api/inspections/{inspection_id}/score").json
    assert score["tiers"][0] == {"code": "qualified", "label": "合格标准", "assessed": False}
    assert score["tier"]["code"] == "none"  # a sheet of Cs misses 基本标准's 20 % at B and 5 % at A


def test_an_inspection_pinned_to_the_first_version_scores_as_before(world: World) -> None:
    """The same answers on the first version: its 基本标准 asks only core items and 80 % at C."""
    inspection_id = centre(world, 1, medical_staff=8, population_served=9_200)
    every_item_at_c(world, inspection_id, 1)
    score = world.call("county_reviewer", "GET", f"/api/inspections/{inspection_id}/score").json
    assert score["tier"] == {"code": "basic", "label": "基本标准"}
    assert [t["code"] for t in score["tiers"]] == ["basic", "recommended", "community_hospital"]


def _move(world: World, inspection_id: int, *steps: tuple[str, str]) -> None:
    for who, action in steps:
        response = world.call(
            who, "POST", f"/api/inspections/{inspection_id}/transitions", {"action": action}
        )
        assert response.status_code == 200, response.json


def approved_small_centre(world: World) -> int:
    """A small centre (8 staff, 9,200 people) inspected on v2, every item at C, finally approved."""
    inspection_id = centre(world, 2, medical_staff=8, population_served=9_200)
    every_item_at_c(world, inspection_id, 2, uploads=True)
    _move(
        world,
        inspection_id,
        ("inspector", "submit"),
        ("county_reviewer", "start_county_review"),
        ("county_reviewer", "county_approve"),
        ("city_reviewer", "start_city_review"),
        ("city_reviewer", "approve"),
    )
    return inspection_id


def test_a_fact_an_inspection_needs_cannot_be_cleared(world: World) -> None:
    inspection_id = centre(world, 2, medical_staff=8, population_served=9_200)
    refused = _patch(world, medical_staff=None)
    assert refused.status_code == 409, refused.json
    assert refused.json["error"]["code"] == "facility.fact_in_use"
    assert (
        "医务人员数" in refused.json["error"]["message"] and "2026-11-20" in refused.json["error"]["message"]
    )
    db.session.expire_all()
    assert world.facilities["own"].facts["medical_staff"] == 8  # nothing changed
    score = world.call("county_reviewer", "GET", f"/api/inspections/{inspection_id}/score")
    assert score.status_code == 200


def test_a_changed_fact_renders_the_report_again(world: World, tmp_path: Path) -> None:
    inspection_id = centre(world, 2, medical_staff=8, population_served=9_200)
    every_item_at_c(world, inspection_id, 2)
    url = f"/api/inspections/{inspection_id}/report"
    first = world.call("county_reviewer", "GET", url)
    assert first.status_code == 200 and "合格标准" in pdf_text(first.data, tmp_path)
    again = world.call("county_reviewer", "GET", url)
    assert again.headers["X-Report-Number"] == first.headers["X-Report-Number"]  # nothing changed: reused
    set_facts(world, medical_staff=12)
    changed = world.call("county_reviewer", "GET", url)
    assert changed.status_code == 200
    assert changed.headers["X-Report-Number"] != first.headers["X-Report-Number"]
    text = pdf_text(changed.data, tmp_path)
    assert "合格标准本机构不适用" in text  # 12 staff: the tier is no longer assessed


def test_a_finally_approved_result_is_not_changed_by_a_fact(world: World) -> None:
    inspection_id = approved_small_centre(world)
    refused = _patch(world, medical_staff=12)
    assert refused.status_code == 409, refused.json
    assert refused.json["error"]["code"] == "facility.result_locked"
    assert "合格标准 → 未达标" in refused.json["error"]["message"]
    db.session.expire_all()
    assert world.facilities["own"].facts["medical_staff"] == 8
    # a change that leaves the locked result as it is goes through
    assert _patch(world, population_served=9_300).status_code == 200
    score = world.call("county_reviewer", "GET", f"/api/inspections/{inspection_id}/score").json
    assert score["tier"]["code"] == "qualified"


def test_a_bed_count_that_would_change_a_locked_result_through_has_beds_is_refused(world: World) -> None:
    """The quality-service checklist reads has_beds, which the record's bed count decides: closing
    every bed would make the inpatient items not applicable in a finally decided result. (The bed
    count can be set once a loaded edition declares it, as the facts test checklist does.)"""
    load_mini_facts()
    approved_small_centre(world)
    refused = _patch(world, beds=0)
    assert refused.status_code == 409, refused.json
    assert refused.json["error"]["code"] == "facility.result_locked"
    db.session.expire_all()
    assert world.facilities["own"].beds == 20
    assert _patch(world, beds=25).status_code == 200  # still has beds: the result stays as it is
