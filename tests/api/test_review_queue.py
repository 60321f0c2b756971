"""The reviewers' queue: filters on the server (name, region, status, checklist, tier), region
scoping, paging, what awaits each user, the city sample mark, names in the history and details,
and one error shape for bad filter values."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from server.db.models import Inspection, Region
from server.extensions import db
from tests.api.world import MINI_ANSWERS, World, add_facility, add_photo, change, complete_changes


def act(world: World, who: str, inspection: Inspection, action: str, reason: str | None = None) -> Any:
    body: dict[str, Any] = {"action": action}
    if reason is not None:
        body["reason"] = reason
    response = world.call(who, "POST", f"/api/inspections/{inspection.id}/transitions", body)
    assert response.status_code == 200, response.json
    return response


def queue(world: World, who: str, **query: Any) -> Any:
    response = world.call(who, "GET", f"/api/inspections/queue?{urlencode(query)}")
    assert response.status_code == 200, response.json
    return response.json


def ids(page: Any) -> set[int]:
    return {row["inspection"]["id"] for row in page["items"]}


def complete(world: World, inspection: Inspection) -> None:
    receipts = world.sync("inspector", complete_changes(inspection.id)).json["receipts"]
    assert {r["status"] for r in receipts} == {"applied"}


def submitted(world: World, facility: str = "own") -> Inspection:
    inspection = world.inspection(facility=facility)
    complete(world, inspection)
    act(world, "inspector", inspection, "submit")
    return inspection


def county_approved(world: World, facility: str = "own") -> Inspection:
    inspection = submitted(world, facility)
    act(world, "county_reviewer", inspection, "start_county_review")
    act(world, "county_reviewer", inspection, "county_approve")
    return inspection


def sibling_inspection(world: World) -> Inspection:
    """An inspection in 兰考, the sibling county, made by its own county reviewer."""
    response = world.call(
        "sibling_county_reviewer",
        "POST",
        "/api/inspections",
        {
            "facility_id": world.facilities["sibling"].id,
            "checklist_id": "mini-test",
            "checklist_version": 1,
            "kind": "county_inspection",
            "inspection_date": "2026-11-21",
            "inspector_ids": [world.users["sibling_inspector"].id],
        },
    )
    assert response.status_code == 201, response.json
    return db.session.get(Inspection, response.json["id"])  # type: ignore[return-value]


@pytest.fixture
def township(world: World) -> str:
    """A township under 通许 with a centre of its own."""
    db.session.add(Region(code="410222100", name="城关镇", level="township", parent_code="410222"))
    db.session.flush()
    world.facilities["township"] = facility = add_facility("410222", "通许县城关镇第二卫生院")
    facility.region_code = "410222100"
    db.session.commit()
    return "410222100"


def test_filters_narrow_on_the_server(world: World, township: str) -> None:
    own = world.inspection()  # 通许县城关镇卫生院, draft, nothing answered: 未完成
    complete(world, own2 := world.inspection(facility="own2"))  # 通许县练城乡卫生院, every item at C
    town = world.inspection(facility="township")
    sibling = sibling_inspection(world)  # 兰考县城关镇卫生院
    village = world.inspection(facility="village", checklist=("vc-2022-sample", 1))

    everything = queue(world, "city_reviewer")
    assert ids(everything) == {own.id, own2.id, town.id, sibling.id, village.id}
    assert everything["total"] == 5
    row = next(r for r in everything["items"] if r["inspection"]["id"] == own2.id)
    assert row["facility_name"] == "通许县练城乡卫生院"
    assert (row["tier"], row["tier_label"]) == ("basic", "基本标准")
    assert row["inspectors"] == ["inspector"]
    assert row["sampled_at"] is None
    empty = next(r for r in everything["items"] if r["inspection"]["id"] == own.id)
    assert (empty["tier"], empty["tier_label"]) == ("incomplete", "未完成")

    assert ids(queue(world, "city_reviewer", q="城关镇")) == {own.id, town.id, sibling.id, village.id}
    assert ids(queue(world, "city_reviewer", q=" 练城 ")) == {own2.id}
    assert ids(queue(world, "city_reviewer", q="100%_")) == set()  # LIKE wildcards are plain text
    assert ids(queue(world, "city_reviewer", region="410222")) == {own.id, own2.id, town.id, village.id}
    assert ids(queue(world, "city_reviewer", region=township)) == {town.id}
    assert ids(queue(world, "city_reviewer", region="410225")) == {sibling.id}
    assert ids(queue(world, "city_reviewer", checklist_id="vc-2022-sample")) == {village.id}
    assert ids(queue(world, "city_reviewer", tier="basic")) == {own2.id}
    assert ids(queue(world, "city_reviewer", tier="incomplete", region="410222")) == {
        own.id,
        town.id,
        village.id,
    }
    assert ids(queue(world, "city_reviewer", tier="none")) == set()  # no verdict on an unfinished draft
    assert queue(world, "city_reviewer", tier="basic")["total"] == 1
    act(world, "inspector", own2, "submit")
    assert ids(queue(world, "city_reviewer", status="submitted")) == {own2.id}
    assert ids(queue(world, "city_reviewer", status="draft", q="城关", region="410222")) == {
        own.id,
        town.id,
        village.id,
    }

    # the plain listing takes the same filters
    listed = world.call("city_reviewer", "GET", "/api/inspections?tier=basic&region=410222").json
    assert [i["id"] for i in listed["items"]] == [own2.id] and listed["next"] is None

    options = queue(world, "city_reviewer")
    tiers = {t["code"]: t["label"] for t in options["tiers"]}
    assert tiers["recommended"].startswith("推荐标准") and tiers["none"] == "未达标"
    assert {"id": "vc-2022-sample", "title": options["checklists"][-1]["title"]} in options["checklists"]
    only_village = {t["code"] for t in queue(world, "city_reviewer", checklist_id="vc-2022-sample")["tiers"]}
    assert "community_hospital" not in only_village and "none" in only_village


def test_paging_and_the_total(world: World) -> None:
    made = [world.inspection(facility=f) for f in ("own", "own2", "own", "own2", "own")]
    first = queue(world, "county_reviewer", limit=2)
    second = queue(world, "county_reviewer", limit=2, after=first["next"])
    third = queue(world, "county_reviewer", limit=2, after=second["next"])
    assert third["next"] is None
    assert first["total"] == second["total"] == third["total"] == 5
    assert first["counts"] == {"awaiting": 0, "all": 5}
    seen = [r["inspection"]["id"] for p in (first, second, third) for r in p["items"]]
    assert sorted(seen) == sorted(i.id for i in made)
    assert len(seen) == len(set(seen))


def test_region_scoping_holds_under_every_filter(world: World) -> None:
    sibling = sibling_inspection(world)
    world.inspection()
    assert sibling.id not in ids(queue(world, "county_reviewer", q="兰考"))
    page = queue(world, "county_reviewer", region="410225")
    assert page["items"] == [] and page["total"] == 0 and page["counts"]["all"] == 0
    assert queue(world, "sibling_county_reviewer", q="城关镇")["total"] == 1
    assert queue(world, "other_city_reviewer")["total"] == 0
    listed = world.call("county_reviewer", "GET", "/api/inspections?region=410225").json
    assert listed == {"items": [], "next": None}


def test_awaiting_counts_only_what_awaits_the_user(world: World) -> None:
    world.inspection()  # a draft: awaits nobody
    waiting = submitted(world)  # awaits the county
    held_by_other = submitted(world, "own2")
    act(world, "county_reviewer2", held_by_other, "start_county_review")
    mine = submitted(world)
    act(world, "county_reviewer", mine, "start_county_review")
    not_drawn = county_approved(world)
    drawn = county_approved(world, "own2")

    county = queue(world, "county_reviewer", awaiting="true")
    assert ids(county) == {waiting.id, mine.id}
    assert county["counts"] == {"awaiting": 2, "all": 6}
    assert {r["inspection"]["id"] for r in county["items"] if r["awaiting_me"]} == {waiting.id, mine.id}
    assert ids(queue(world, "county_reviewer2", awaiting="true")) == {waiting.id, held_by_other.id}

    admin = queue(world, "admin")
    assert admin["counts"] == {"awaiting": 0, "all": 6}
    assert queue(world, "admin", awaiting="true")["items"] == []

    assert queue(world, "city_reviewer", awaiting="true")["counts"]["awaiting"] == 0  # nothing drawn
    sample = world.call("city_reviewer", "POST", "/api/samples", {"size": 1, "seed": 7})
    assert sample.status_code == 201
    chosen = sample.json["selected"][0]
    other = drawn.id if chosen == not_drawn.id else not_drawn.id
    city = queue(world, "city_reviewer", awaiting="true")
    assert ids(city) == {chosen}
    act(world, "city_reviewer2", db.session.get(Inspection, chosen), "start_city_review")
    assert ids(queue(world, "city_reviewer2", awaiting="true")) == {chosen}
    assert ids(queue(world, "city_reviewer", awaiting="true")) == set()  # another holds it
    assert other not in ids(queue(world, "city_reviewer", awaiting="true"))
    # the counts follow the other filters
    assert queue(world, "county_reviewer", q="练城")["counts"] == {"awaiting": 0, "all": 2}


def test_a_sampled_inspection_is_marked_and_cannot_be_approved_before_its_re_review(world: World) -> None:
    inspection = county_approved(world)
    sample = world.call("city_reviewer", "POST", "/api/samples", {"size": 1, "seed": 1}).json
    assert sample["selected"] == [inspection.id]
    row = queue(world, "city_reviewer")["items"][0]
    assert row["sampled_at"] == sample["drawn_at"]
    assert row["sampled_at"].endswith("+00:00")
    detail = world.call("city_reviewer", "GET", f"/api/inspections/{inspection.id}").json
    assert "sample" in detail, detail
    assert detail["sample"] == {"sample_id": sample["id"], "drawn_at": sample["drawn_at"]}

    url = f"/api/inspections/{inspection.id}/transitions"
    refused = world.call("city_reviewer", "POST", url, {"action": "approve"})
    assert refused.status_code == 409
    error = refused.json["error"]
    assert error["code"] == "workflow.sampled_for_review"
    assert "复核" in error["message"] and not any("a" <= ch.lower() <= "z" for ch in error["message"])
    act(world, "city_reviewer", inspection, "start_city_review")
    act(world, "city_reviewer", inspection, "approve")
    assert world.call("city_reviewer", "GET", f"/api/inspections/{inspection.id}").json["sample"] is not None
    unsampled = world.call("city_reviewer", "GET", f"/api/inspections/{world.inspection().id}").json
    assert unsampled["sample"] is None


def test_history_and_details_name_the_people(world: World) -> None:
    for username, name in (("inspector", "刘秀英"), ("county_reviewer", "张卫东")):
        world.users[username].display_name = name
    db.session.commit()
    inspection = world.inspection()
    complete(world, inspection)
    for item_id in MINI_ANSWERS:
        add_photo(inspection.id, item_id, world.users["inspector"].id)
    db.session.commit()
    act(world, "inspector", inspection, "submit")
    act(world, "county_reviewer", inspection, "start_county_review")
    url = f"/api/inspections/{inspection.id}/items/M-B01/grade"
    body = {"grade": "A", "base_revision": 1, "reason": "现场核实已达到 A 级要求"}
    assert world.call("county_reviewer", "PUT", url, body).status_code == 200

    history = world.call(
        "county_reviewer", "GET", f"/api/inspections/{inspection.id}/history?item_id=M-B01"
    ).json
    assert [(r["revision"], r["grade"], r["author_name"], r["source"]) for r in history] == [
        (1, "C", "刘秀英", "inspector"),
        (2, "A", "张卫东", "review"),
    ]
    assert history[1]["reason"] == "现场核实已达到 A 级要求"
    assert history[1]["received_at"].endswith("+00:00")

    detail = world.call("county_reviewer", "GET", f"/api/inspections/{inspection.id}").json
    people = detail["people"]
    assert people[str(world.users["inspector"].id)] == "刘秀英"
    assert people[str(world.users["county_reviewer"].id)] == "张卫东"
    assert detail["answers"]["M-B01"]["author_id"] == world.users["county_reviewer"].id
    row = queue(world, "county_reviewer")["items"][0]
    assert row["inspectors"] == ["刘秀英"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=finished", "status"),
        ("region=41022", "region"),
        ("region=4102221000000", "region"),
        ("checklist_id=" + "x" * 65, "checklist_id"),
        ("tier=gold", "tier"),
        ("tier=" + "%00", "tier"),
        ("awaiting=maybe", "awaiting"),
        ("q=" + "院" * 65, "q"),
        ("limit=0", "limit"),
        ("after=-1", "after"),
        ("after=2026-11-20", "after"),
        ("after=2026-13-01.5", "after"),
        ("after=2026-11-20.0", "after"),
        ("after=2026-11-20.5.5", "after"),
        ("after=" + "1" * 65, "after"),
        ("offset=50", "offset"),
    ],
)
@pytest.mark.parametrize("path", ["/api/inspections/queue", "/api/inspections"])
def test_bad_filter_values_get_the_one_error_shape(world: World, query: str, field: str, path: str) -> None:
    response = world.call("city_reviewer", "GET", f"{path}?{query}")
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert set(error) == {"code", "message", "problems"}
    assert error["code"] in {"request.invalid", "inspection.unknown_tier"}
    assert any(p["pointer"].endswith(field) for p in error["problems"]), error
    assert all(set(p) == {"code", "pointer", "message"} for p in error["problems"])


def test_a_regrade_changes_the_tier_shown(world: World) -> None:
    inspection = submitted(world)
    for item_id in MINI_ANSWERS:
        add_photo(inspection.id, item_id, world.users["inspector"].id)
    db.session.commit()
    assert queue(world, "county_reviewer")["items"][0]["tier"] == "basic"
    act(world, "county_reviewer", inspection, "start_county_review")
    failing = {f"M-B0{i}" for i in range(1, 4)}
    for item_id in sorted(failing):
        url = f"/api/inspections/{inspection.id}/items/{item_id}/grade"
        body = {"grade": "not_met", "base_revision": 1, "reason": "现场未见相关记录"}
        assert world.call("county_reviewer", "PUT", url, body).status_code == 200
    row = queue(world, "county_reviewer")["items"][0]
    assert (row["tier"], row["tier_label"]) == ("none", "未达标")
    assert ids(queue(world, "county_reviewer", tier="basic")) == set()
    receipts = world.sync("inspector", [change(inspection.id, "M-B01", "A", base=2)]).json["receipts"]
    assert receipts[0]["status"] != "applied"  # the inspector cannot write during review
