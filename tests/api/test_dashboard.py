"""The results dashboard (/api/dashboard, /api/dashboard/facilities, /api/dashboard/targets).

The world's city 开封 (410200) has two counties, 通许 (410222) and 兰考 (410225), and a centre
registered at the city itself (开封市本级). Final results are written as a final approval writes
them (server/db/dashboard.py `record`), except in the test that walks the real workflow, which
also shows that an expired document counts as not met and that reopening removes the result.

Who may call which endpoint in which region is the access matrix's (test_access_matrix.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from server.db import dashboard as dashboard_queries
from server.db.models import (
    Answer,
    AuditEntry,
    DashboardNotMet,
    DashboardResult,
    Inspection,
    Plan,
    RectificationTask,
)
from server.domain.times import china_date
from server.extensions import db
from tests.api.test_workflow import act, county_approved
from tests.api.world import World, add_facility, add_user, complete_changes
from tests.services.test_payouts import add_report

LABELS = {"none": "未达标", "basic": "基本标准", "recommended": "推荐标准"}
FAMILY = "quality_service"  # the mini test checklist's


def result(
    world: World,
    facility: str,
    tier: str,
    not_met: tuple[str, ...] = (),
    day: dt.date = dt.date(2026, 11, 20),
    kind: str = "county_inspection",
    report: bool = False,
) -> Inspection:
    """A finally approved inspection on the mini checklist, summarised as its approval does."""
    row = world.facilities[facility]
    inspection = Inspection(
        facility_id=row.id,
        region_code=row.region_code,
        checklist_id="mini-test",
        checklist_version=1,
        kind=kind,
        status="approved",
        inspection_date=day,
        created_by=world.users["admin"].id,
        final_tier_code=tier,
        final_tier_label=LABELS[tier],
    )
    db.session.add(inspection)
    db.session.flush()
    dashboard_queries.record(inspection, FAMILY, list(not_met))
    if report:
        at = dt.datetime.combine(day, dt.time(2), dt.UTC)
        add_report(inspection, tier, LABELS[tier], at)
    return inspection


def city_of_results(world: World) -> None:
    world.facilities["own3"] = add_facility("410222", "通许县厉庄乡卫生院")
    result(world, "own", "none", ("M-B01",), day=dt.date(2026, 3, 2))  # replaced by the re-inspection
    result(world, "own", "basic", ("M-R3",), day=dt.date(2026, 10, 9), kind="city_reinspection", report=True)
    result(world, "own", "recommended", day=dt.date(2026, 12, 1), kind="self_assessment")  # never counts
    result(world, "own2", "recommended", ("M-B02",))
    result(world, "sibling", "none", ("M-B01", "M-B02"))
    result(world, "parent", "recommended")
    result(world, "own", "none", ("M-B02",), day=dt.date(2025, 11, 3))  # the year before
    db.session.commit()


def dashboard(world: World, who: str = "admin", **query: Any) -> Any:
    text = "&".join(f"{k}={v}" for k, v in {"year": 2026, **query}.items())
    response = world.call(who, "GET", f"/api/dashboard?{text}")
    assert response.status_code == 200, response.json
    return response.json


def listed(world: World, who: str = "admin", **query: Any) -> Any:
    text = "&".join(f"{k}={v}" for k, v in {"year": 2026, **query}.items())
    return world.call(who, "GET", f"/api/dashboard/facilities?{text}")


def names(page: Any) -> list[str]:
    return [r["facility_name"] for r in page["items"]]


def test_a_city_counts_its_counties_and_its_own_facilities_by_tier(world: World) -> None:
    city_of_results(world)
    body = dashboard(world)
    assert body["region"] == {"code": "410200", "name": "开封市", "level": "city"}
    assert body["family"] == FAMILY and body["family_label"] == "优质服务基层行"
    codes = [t["code"] for t in body["tiers"]]
    assert codes[:2] == ["unrated", "none"] and codes.index("basic") < codes.index("recommended")
    rows = {r["region_name"]: r for r in body["rows"]}
    assert list(rows) == ["通许县", "兰考县", "开封市本级"]
    tongxu = rows["通许县"]
    # own: its latest result of the year (the city's re-inspection), not the earlier one nor its
    # self-assessment; own3 has none (未评); the village clinic is not of this family
    assert tongxu["facilities"] == 3
    assert {k: v for k, v in tongxu["tiers"].items() if v} == {"basic": 1, "recommended": 1, "unrated": 1}
    assert rows["兰考县"]["tiers"]["none"] == 1 and rows["兰考县"]["facilities"] == 1
    assert rows["开封市本级"]["direct"] is True and rows["开封市本级"]["tiers"]["recommended"] == 1
    total = body["total"]
    assert total["facilities"] == 5 and total["tiers"]["unrated"] == 1
    assert total["shares"]["basic"] == {"count": 3, "percent": 60.0, "target_percent": None, "met": None}
    assert total["shares"]["recommended"]["count"] == 2 and total["shares"]["recommended"]["percent"] == 40.0
    assert sum(total["tiers"].values()) == total["facilities"]


def test_the_items_most_often_not_met_and_the_year_before(world: World) -> None:
    city_of_results(world)
    body = dashboard(world)
    items = [
        (i["item_id"], i["count"], i["checked"], i["percent"], i["previous_count"]) for i in body["items"]
    ]
    # the standing results only: own's earlier M-B01 was replaced by its re-inspection
    assert items == [
        ("M-B02", 2, 4, 50.0, 1),
        ("M-B01", 1, 4, 25.0, 0),
        ("M-R3", 1, 4, 25.0, 0),
    ]
    first = body["items"][0]
    assert (first["number"], first["text"], first["checklist_title"]) == (
        "1.1.2",
        "基本条款2",
        "评分引擎测试用小清单",
    )
    previous = {r["region_name"]: r["previous"] for r in body["rows"]}["通许县"]
    assert {k: v for k, v in previous["tiers"].items() if v} == {"none": 1, "unrated": 2}
    assert previous["shares"]["basic"]["count"] == 0
    assert body["total"]["previous"]["facilities"] == 5
    assert 2025 in body["years"] and 2026 in body["years"]


def test_shares_are_compared_with_the_nearest_target(world: World) -> None:
    city_of_results(world)
    city = {
        "region_code": "410200",
        "year": 2026,
        "family": FAMILY,
        "basic_percent": 80,
        "recommended_percent": 20,
    }
    response = world.call("admin", "PUT", "/api/dashboard/targets", city)
    assert response.status_code == 200, response.json
    assert response.json["region_name"] == "开封市"
    county = {"region_code": "410225", "year": 2026, "family": FAMILY, "recommended_percent": 30}
    assert world.call("admin", "PUT", "/api/dashboard/targets", county).status_code == 200
    body = dashboard(world)
    assert body["target"]["basic_percent"] == 80 and body["target"]["inherited"] is False
    total = body["total"]["shares"]
    assert (total["basic"]["met"], total["recommended"]["met"]) == (False, True)  # 3/5 < 80 %, 2/5 >= 20 %
    rows = {r["region_name"]: r["shares"] for r in body["rows"]}
    assert rows["通许县"]["recommended"]["target_percent"] == 20  # the city's, inherited
    assert rows["兰考县"]["recommended"] == {"count": 0, "percent": 0.0, "target_percent": 30, "met": False}
    assert rows["兰考县"]["basic"]["target_percent"] is None  # 兰考 set only 推荐
    # the county's own view names where its target comes from
    county_view = dashboard(world, "county_reviewer")
    assert county_view["target"]["region_name"] == "开封市" and county_view["target"]["inherited"] is True
    # set again: replaced, and both versions are in the audit log
    again = world.call("admin", "PUT", "/api/dashboard/targets", {**city, "basic_percent": 50})
    assert again.status_code == 200
    assert dashboard(world)["total"]["shares"]["basic"]["met"] is True
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "dashboard.target")).all()
    assert [e.target_id for e in entries] == ["410200", "410225", "410200"]
    assert entries[-1].before["basic_percent"] == 80 and entries[-1].after["basic_percent"] == 50


def test_a_target_is_refused_outside_the_region_or_without_a_share(world: World) -> None:
    body = {"region_code": "410102", "year": 2026, "family": FAMILY, "basic_percent": 80}
    outside = world.call("admin", "PUT", "/api/dashboard/targets", body)
    assert outside.status_code == 422 and outside.json["error"]["code"] == "dashboard.invalid_target"
    assert outside.json["error"]["problems"][0]["pointer"] == "/region_code"
    empty = world.call(
        "admin", "PUT", "/api/dashboard/targets", {**body, "region_code": "410200", "basic_percent": None}
    )
    assert (
        empty.status_code == 422 and empty.json["error"]["problems"][0]["pointer"] == "/recommended_percent"
    )
    too_much = world.call(
        "admin", "PUT", "/api/dashboard/targets", {**body, "region_code": "410200", "basic_percent": 101}
    )
    assert (
        too_much.status_code == 422 and too_much.json["error"]["problems"][0]["pointer"] == "/basic_percent"
    )
    family = world.call(
        "admin", "PUT", "/api/dashboard/targets", {**body, "region_code": "410200", "family": "gold"}
    )
    assert family.status_code == 422 and family.json["error"]["problems"][0]["pointer"] == "/family"


def test_every_number_lists_its_facilities_page_by_page(world: World) -> None:
    city_of_results(world)
    reached = listed(world, reached="basic", limit=2)
    assert reached.status_code == 200, reached.json
    first = reached.json
    assert first["title"] == "开封市 2026年 优质服务基层行：基本标准及以上"
    # by region code, then facility: the city's own centre first
    assert names(first) == ["开封市直属卫生院", "通许县城关镇卫生院"] and first["next"]
    second = listed(world, reached="basic", limit=2, after=first["next"]).json
    assert names(second) == ["通许县练城乡卫生院"] and second["next"] is None
    own = first["items"][1]
    assert (own["tier_code"], own["tier_label"], own["inspection_date"]) == (
        "basic",
        "基本标准",
        "2026-10-09",
    )
    assert own["report_number"] and own["report_number"].startswith("DB-410222")
    assert own["facility_path"] == f"/console/facilities/{world.facilities['own'].id}"
    assert own["report_path"] == f"/api/inspections/{own['inspection_id']}/report"
    assert own["kind_label"] == "市级复核评审"
    assert (own["progress"], own["plan_name"]) == (None, None)  # a result, not a planned visit
    rated = listed(world, tier="rated").json
    assert rated["title"].endswith("：已评定")
    assert names(rated) == [
        "开封市直属卫生院",
        "通许县城关镇卫生院",
        "通许县练城乡卫生院",
        "兰考县城关镇卫生院",
    ]

    assert names(listed(world, tier="none").json) == ["兰考县城关镇卫生院"]
    assert names(listed(world, tier="unrated").json) == ["通许县厉庄乡卫生院"]
    unrated = listed(world, tier="unrated").json["items"][0]
    assert (unrated["tier_label"], unrated["inspection_id"], unrated["report_path"]) == ("未评", None, None)
    item = listed(world, checklist_id="mini-test", item_id="M-B02").json
    assert item["title"].endswith("未达标条款 1.1.2 基本条款2")
    assert names(item) == ["通许县练城乡卫生院", "兰考县城关镇卫生院"]
    direct = listed(world, direct="true").json
    assert names(direct) == ["开封市直属卫生院"] and direct["title"].startswith("开封市本级 2026年")
    county = listed(world, region_code="410222").json
    assert len(county["items"]) == 3
    last_year = listed(world, year=2025, tier="none").json
    assert names(last_year) == ["通许县城关镇卫生院"]


def test_planned_visits_and_their_lists(world: World) -> None:
    plan = Plan(
        request_id="dashboard-plan",
        name="2026 年通许县县级评审",
        region_code="410222",
        starts_on=dt.date(2026, 12, 1),
        ends_on=dt.date(2026, 12, 31),
        checklist_id="mini-test",
        checklist_version=1,
        kind="county_inspection",
        requires_self_assessment=False,
        status="active",
        size=4,
        created_by=world.users["admin"].id,
    )
    db.session.add(plan)
    db.session.flush()
    visits = {}
    for name, status in (
        ("own", "draft"),
        ("own2", "draft"),
        ("sibling", "submitted"),
        ("parent", "cancelled"),
    ):
        facility = world.facilities[name]
        visits[name] = Inspection(
            plan_id=plan.id,
            facility_id=facility.id,
            region_code=facility.region_code,
            checklist_id="mini-test",
            checklist_version=1,
            kind="county_inspection",
            status=status,
            inspection_date=dt.date(2026, 12, 10),
            created_by=world.users["admin"].id,
        )
        db.session.add(visits[name])
    db.session.flush()
    db.session.add(
        Answer(
            inspection_id=visits["own2"].id,
            item_id="M-B01",
            revision=1,
            grade="C",
            author_id=world.users["inspector"].id,
            source="inspector",
        )
    )
    approved = result(world, "own", "basic")
    approved.plan_id = plan.id
    db.session.commit()

    body = dashboard(world)
    total = body["total"]["plan"]
    assert (total["planned"], total["done"]) == (4, 1)  # the called-off visit is not planned
    assert total["progress"]["not_started"] == 1 and total["progress"]["in_progress"] == 1
    assert total["progress"]["submitted"] == 1 and total["progress"]["cancelled"] == 1
    rows = {r["region_name"]: r["plan"] for r in body["rows"]}
    assert (rows["通许县"]["planned"], rows["兰考县"]["planned"]) == (3, 1)
    assert names(listed(world, progress="not_started").json) == ["通许县城关镇卫生院"]
    started = listed(world, progress="in_progress").json["items"][0]
    assert (started["facility_name"], started["progress"], started["plan_name"]) == (
        "通许县练城乡卫生院",
        "in_progress",
        "2026 年通许县县级评审",
    )
    assert len(listed(world, progress="planned").json["items"]) == 4
    done = listed(world, progress="done").json["items"]
    assert [d["inspection_id"] for d in done] == [approved.id] and done[0]["report_path"]


def test_a_county_sees_its_own_figures_only(world: World) -> None:
    city_of_results(world)
    county = dashboard(world, "county_reviewer")
    assert county["region"]["code"] == "410222" and county["rows"] == []  # no townships in this world
    assert county["total"]["facilities"] == 3
    # 兰考's not met items are not counted here
    assert [(i["item_id"], i["count"]) for i in county["items"]] == [("M-B02", 1), ("M-R3", 1)]
    assert [p["code"] for p in county["path"]] == ["410222"]
    neighbour = world.call("county_reviewer", "GET", "/api/dashboard?region_code=410225&year=2026")
    assert neighbour.status_code == 404
    assert listed(world, "county_reviewer", region_code="410225").status_code == 404
    assert listed(world, "county_reviewer", region_code="410200").status_code == 404
    own_list = listed(world, "county_reviewer", reached="basic").json
    assert names(own_list) == ["通许县城关镇卫生院", "通许县练城乡卫生院"]
    # the city drills into a county: the same figures, with the way back up
    drilled = dashboard(world, region_code="410222")
    assert drilled["total"]["tiers"] == county["total"]["tiers"]
    assert [p["name"] for p in drilled["path"]] == ["开封市", "通许县"]
    finance = dashboard(world, "finance")
    assert finance["total"]["facilities"] == 5


def test_a_final_approval_adds_the_result_and_reopening_removes_it(world: World) -> None:
    inspection = county_approved(world)
    assert act(world, "city_reviewer", inspection, "start_city_review").status_code == 200
    assert act(world, "city_reviewer", inspection, "approve").status_code == 200
    body = dashboard(world)
    assert {k: v for k, v in body["total"]["tiers"].items() if v}["basic"] == 1
    stored = db.session.get(DashboardResult, inspection.id)
    assert stored is not None and stored.latest and stored.year == 2026

    reopened = act(world, "city_reviewer", inspection, "reopen", "财政复核发现照片时间异常")
    assert reopened.status_code == 200, reopened.json
    after = dashboard(world)
    assert after["total"]["tiers"].get("basic", 0) == 0
    assert after["items"] == []
    assert db.session.get(DashboardResult, inspection.id) is None
    assert (
        db.session.scalars(
            select(DashboardNotMet).where(DashboardNotMet.inspection_id == inspection.id)
        ).all()
        == []
    )


def test_an_expired_document_is_an_item_not_met(world: World) -> None:
    inspection = world.inspection()
    answers = complete_changes(inspection.id)
    for c in answers:
        if c["item_id"] == "M-B08":
            c["document_date"] = "2025-06-01"  # 17 months before the visit: more than 12
    world.sync("inspector", answers)
    for who, action in (
        ("inspector", "submit"),
        ("county_reviewer", "start_county_review"),
        ("county_reviewer", "county_approve"),
        ("city_reviewer", "start_city_review"),
        ("city_reviewer", "approve"),
    ):
        response = act(world, who, inspection, action)
        assert response.status_code == 200, response.json
    body = dashboard(world)
    assert [(i["item_id"], i["count"]) for i in body["items"]] == [("M-B08", 1)]
    listed_item = listed(world, checklist_id="mini-test", item_id="M-B08").json
    assert names(listed_item) == ["通许县城关镇卫生院"]
    assert listed_item["items"][0]["tier_code"] == "basic"


def test_bad_questions_are_refused_with_the_field(world: World) -> None:
    two = listed(world, tier="basic", progress="planned")
    assert two.status_code == 422 and two.json["error"]["code"] == "dashboard.invalid"
    alone = listed(world, item_id="M-B01")
    assert alone.status_code == 422 and alone.json["error"]["problems"][0]["pointer"] == "/item_id"
    assert listed(world, tier="gold").json["error"]["problems"][0]["pointer"] == "/tier"
    family = world.call("admin", "GET", "/api/dashboard?family=gold")
    assert family.status_code == 422 and family.json["error"]["problems"][0]["pointer"] == "/family"
    year = world.call("admin", "GET", "/api/dashboard?year=1999")
    assert year.status_code == 422 and year.json["error"]["code"] == "request.invalid"
    cursor = listed(world, after="nonsense")
    assert cursor.status_code == 422
    item = listed(world, checklist_id="mini-test", item_id="M-X99")
    assert item.status_code == 422 and item.json["error"]["problems"][0]["pointer"] == "/item_id"


def test_a_province_counts_its_cities(world: World) -> None:
    city_of_results(world)
    result(world, "other_city", "recommended")
    hash_ = world.users["admin"].password_hash
    add_user("province_admin", "admin", "410000", hash_)
    db.session.commit()
    body = dashboard(world, "province_admin")
    rows = {r["region_name"]: r for r in body["rows"]}
    assert list(rows) == ["郑州市", "开封市"]  # by code: 410100, 410200
    assert (rows["开封市"]["facilities"], rows["郑州市"]["facilities"]) == (5, 1)
    assert rows["郑州市"]["tiers"]["recommended"] == 1 and rows["开封市"]["has_children"] is True
    assert body["total"]["shares"]["recommended"]["count"] == 3
    city = listed(world, "province_admin", region_code="410200", reached="recommended").json
    assert names(city) == ["开封市直属卫生院", "通许县练城乡卫生院"]


def test_overdue_rectification_tasks_are_counted_and_listed(world: World) -> None:
    city_of_results(world)
    standing = {
        r.facility_id: r.inspection_id
        for r in db.session.scalars(select(DashboardResult).where(DashboardResult.latest.is_(True)))
    }
    today = china_date(dt.datetime.now(dt.UTC))
    late, soon = today - dt.timedelta(days=3), today + dt.timedelta(days=3)
    for facility, item, deadline, status in (
        ("own", "M-R3", late, "open"),  # overdue
        ("own2", "M-B02", late, "returned"),  # overdue: returned to the facility
        ("own2", "M-B03", late, "submitted"),  # waiting for the county: not the facility's
        ("sibling", "M-B01", soon, "open"),  # not yet due
        ("sibling", "M-B02", late, "accepted"),
    ):
        row = world.facilities[facility]
        db.session.add(
            RectificationTask(
                inspection_id=standing[row.id],
                facility_id=row.id,
                region_code=row.region_code,
                item_id=item,
                problem="未达到基本要求",
                deadline=deadline,
                status=status,
            )
        )
    db.session.commit()
    body = dashboard(world)
    assert body["total"]["overdue"] == {"tasks": 2, "facilities": 2}
    rows = {r["region_name"]: r["overdue"] for r in body["rows"]}
    assert rows["通许县"] == {"tasks": 2, "facilities": 2} and rows["兰考县"] == {"tasks": 0, "facilities": 0}
    page = listed(world, overdue="true").json
    assert page["title"].endswith("：整改逾期")
    assert [(r["facility_name"], r["overdue"]) for r in page["items"]] == [
        ("通许县城关镇卫生院", 1),
        ("通许县练城乡卫生院", 1),
    ]
    every = {r["facility_name"]: r["overdue"] for r in listed(world, tier="rated").json["items"]}
    assert every["兰考县城关镇卫生院"] == 0 and every["通许县城关镇卫生院"] == 1
    assert dashboard(world, "county_reviewer")["total"]["overdue"]["tasks"] == 2
    assert listed(world, overdue="true", tier="basic").status_code == 422
