"""Campaign plans (/api/plans): created whole or not at all, once per request, followed per
facility, changed while nobody has started, cancelled without losing what was submitted.

Who may call which endpoint, in which region, is the access matrix's (test_access_matrix.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import uuid
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from server import registry
from server.db.models import Assignment, AuditEntry, Inspection, Plan, Report, StatusChange
from server.extensions import db
from tests.api.test_workflow import act, county_approved
from tests.api.world import World, complete_changes
from tests.services.test_payouts import approved

WHEN = {"starts_on": "2026-12-01", "ends_on": "2026-12-31"}


def plan_body(world: World, facilities: dict[str, list[str]], **values: Any) -> dict[str, Any]:
    """A plan of 通许 on the mini checklist: facility name -> team (usernames)."""
    entries = [
        {
            "facility_id": world.facilities[name].id,
            "inspector_ids": [world.users[u].id for u in team],
            "inspection_date": "2026-12-10",
        }
        for name, team in facilities.items()
    ]
    return {
        "request_id": str(uuid.uuid4()),
        "name": "2026 年通许县优质服务基层行县级评审",
        "region_code": "410222",
        **WHEN,
        "checklist_id": "mini-test",
        "checklist_version": 1,
        "kind": "county_inspection",
        "entries": entries,
        **values,
    }


def inspections_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Inspection)) or 0


def create(world: World, body: dict[str, Any], by: str = "county_reviewer") -> Any:
    return world.call(by, "POST", "/api/plans", body)


def test_a_plan_creates_its_inspections_and_teams_in_one_go_and_once_per_request(world: World) -> None:
    body = plan_body(world, {"own": ["inspector", "inspector2"], "own2": ["inspector"]})
    before = inspections_count()
    response = create(world, body)
    assert response.status_code == 201, response.json
    plan, entries = response.json["plan"], response.json["entries"]
    assert (plan["status"], plan["size"], plan["region_name"]) == ("active", 2, "通许县")
    assert plan["checklist_title"] and plan["counts"]["not_started"] == 2
    assert [e["facility_name"] for e in entries] == ["通许县城关镇卫生院", "通许县练城乡卫生院"]
    assert {p["name"] for p in entries[0]["inspectors"]} == {"inspector", "inspector2"}
    assert all(e["progress"] == "not_started" and e["changeable"] for e in entries)
    assert inspections_count() == before + 2
    made = db.session.scalars(select(Inspection).where(Inspection.plan_id == plan["id"])).all()
    assert {(i.kind, i.status, i.inspection_date.isoformat()) for i in made} == {
        ("county_inspection", "draft", "2026-12-10")
    }
    teams = db.session.scalars(
        select(Assignment.user_id).where(Assignment.inspection_id.in_([i.id for i in made]))
    )
    assert sorted(teams) == sorted([world.users["inspector"].id] * 2 + [world.users["inspector2"].id])

    again = create(world, body)  # a double click, a retry after a lost answer
    assert again.status_code == 200, again.json
    assert again.json["plan"]["id"] == plan["id"]
    assert inspections_count() == before + 2
    entries_logged = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "plan.create")).all()
    assert [(e.target_type, e.target_id) for e in entries_logged] == [("plan", str(plan["id"]))]

    # the inspectors find their visits on their phones
    tasks = world.call("inspector2", "GET", "/api/sync/bootstrap").json["assignments"]
    assert [t["inspection"]["id"] for t in tasks] == [entries[0]["inspection_id"]]
    listed = world.call("county_reviewer", "GET", "/api/plans").json
    assert [p["id"] for p in listed["items"]] == [plan["id"]]


def test_every_problem_of_a_plan_is_answered_at_once_and_nothing_is_created(world: World) -> None:
    body = plan_body(
        world,
        {"own": ["inspector", "sibling_inspector"], "sibling": ["inspector"], "village": ["inspector"]},
    )
    body["entries"].append(dict(body["entries"][0], inspector_ids=[world.users["inspector"].id]))
    body["entries"][0]["inspection_date"] = "2027-01-05"
    before = inspections_count()
    response = create(world, body)
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "plan.invalid"
    problems = {p["pointer"]: p["message"] for p in error["problems"]}
    assert problems == {
        "/entries/0/facility_id": "同一机构在计划中出现了多次",
        "/entries/0/inspection_date": "计划日期不在计划期限内",
        "/entries/0/inspector_ids/1": "不是本辖区的检查员",
        "/entries/1/facility_id": "不是本辖区的机构",
        "/entries/2/facility_id": problems["/entries/2/facility_id"],
        "/entries/3/facility_id": "同一机构在计划中出现了多次",
    }
    assert "不适用于此类机构" in problems["/entries/2/facility_id"]
    assert "4 处" not in error["message"] and "6 处" in error["message"]
    assert inspections_count() == before
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0

    period = plan_body(world, {"own": ["inspector"]}, starts_on="2026-12-31", ends_on="2026-12-01")
    refused = create(world, period).json["error"]
    assert {p["pointer"] for p in refused["problems"]} >= {"/ends_on"}


def test_a_reviewer_plans_only_the_kind_of_visit_of_their_level(world: World) -> None:
    body = plan_body(world, {"own": ["inspector"]}, kind="city_reinspection")
    response = create(world, body)
    assert (response.status_code, response.json["error"]["code"]) == (403, "inspection.kind_not_allowed")


def test_a_facility_is_not_planned_twice_for_the_same_period(world: World) -> None:
    assert create(world, plan_body(world, {"own": ["inspector"]})).status_code == 201
    second = create(world, plan_body(world, {"own": ["inspector2"]}, name="重复的计划"))
    assert second.status_code == 422
    [problem] = second.json["error"]["problems"]
    assert problem["message"] == "已在同期的评审计划“2026 年通许县优质服务基层行县级评审”中"
    later = plan_body(world, {"own": ["inspector2"]}, starts_on="2027-03-01", ends_on="2027-03-31")
    later["entries"][0]["inspection_date"] = "2027-03-10"
    assert create(world, later).status_code == 201  # another period is another campaign


def test_team_and_date_change_until_the_inspector_starts(world: World) -> None:
    created = create(world, plan_body(world, {"own": ["inspector"]})).json
    plan_id, visit = created["plan"]["id"], created["entries"][0]["inspection_id"]
    url = f"/api/plans/{plan_id}/inspections/{visit}"
    moved = world.call(
        "county_reviewer",
        "PATCH",
        url,
        {
            "inspector_ids": [world.users["inspector2"].id],
            "inspection_date": "2026-12-20",
            "reason": "原检查员出差",
        },
    )
    assert moved.status_code == 200, moved.json
    assert moved.json["inspection_date"] == "2026-12-20"
    assert [p["id"] for p in moved.json["inspectors"]] == [world.users["inspector2"].id]
    assert world.call("inspector", "GET", "/api/sync/bootstrap").json["assignments"] == []
    outside = world.call("county_reviewer", "PATCH", url, {"inspection_date": "2027-02-01"})
    assert (outside.status_code, outside.json["error"]["code"]) == (422, "plan.invalid_change")
    assert outside.json["error"]["problems"][0]["pointer"] == "/inspection_date"
    logged = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "plan.change")).one()
    assert logged.before["inspectors"] == [world.users["inspector"].id]
    assert logged.after["reason"] == "原检查员出差"

    synced = world.sync("inspector2", complete_changes(visit)[:1])
    assert synced.status_code == 200, synced.json
    late = world.call("county_reviewer", "PATCH", url, {"inspection_date": "2026-12-21"})
    assert (late.status_code, late.json["error"]["code"]) == (409, "plan.work_started")
    assert "通许县城关镇卫生院" in late.json["error"]["message"]
    shown = world.call("county_reviewer", "GET", f"/api/plans/{plan_id}").json
    assert (shown["entries"][0]["progress"], shown["entries"][0]["changeable"]) == ("in_progress", False)
    assert shown["plan"]["counts"]["in_progress"] == 1


def test_cancelling_a_plan_keeps_what_was_submitted(world: World) -> None:
    created = create(world, plan_body(world, {"own": ["inspector"], "own2": ["inspector2"]})).json
    plan_id = created["plan"]["id"]
    submitted, drafted = (e["inspection_id"] for e in created["entries"])
    assert world.sync("inspector", complete_changes(submitted)).status_code == 200
    answer = world.call(
        "inspector", "POST", f"/api/inspections/{submitted}/transitions", {"action": "submit"}
    )
    assert answer.status_code == 200, answer.json
    assert world.sync("inspector2", complete_changes(drafted)[:2]).status_code == 200

    no_reason = world.call("county_reviewer", "POST", f"/api/plans/{plan_id}/cancel", {"reason": " "})
    assert (no_reason.status_code, no_reason.json["error"]["code"]) == (422, "plan.reason_required")
    cancelled = world.call(
        "county_reviewer", "POST", f"/api/plans/{plan_id}/cancel", {"reason": "机构合并，改年度再评"}
    )
    assert cancelled.status_code == 200, cancelled.json
    plan = cancelled.json["plan"]
    assert (plan["status"], plan["cancel_reason"], plan["cancelled_by_name"]) == (
        "cancelled",
        "机构合并，改年度再评",
        "county_reviewer",
    )
    progress = {e["inspection_id"]: e["progress"] for e in cancelled.json["entries"]}
    assert progress == {submitted: "submitted", drafted: "cancelled"}
    assert db.session.get(Inspection, drafted).status == "cancelled"  # type: ignore[union-attr]
    kept = world.call("county_reviewer", "GET", f"/api/inspections/{drafted}").json
    assert len(kept["answers"]) == 2  # the answers stay, read-only
    change = db.session.scalars(select(StatusChange).where(StatusChange.inspection_id == drafted)).one()
    assert (change.action, change.reason) == ("cancel", "机构合并，改年度再评")
    refused = world.sync("inspector2", complete_changes(drafted)[2:3])
    assert refused.json["receipts"][0]["status"] == "rejected"
    assert (
        world.call(
            "county_reviewer",
            "POST",
            f"/api/inspections/{submitted}/transitions",
            {"action": "start_county_review"},
        ).status_code
        == 200
    )  # the submitted one goes on
    again = world.call("county_reviewer", "POST", f"/api/plans/{plan_id}/cancel", {"reason": "再次取消"})
    assert (again.status_code, again.json["error"]["code"]) == (409, "plan.cancelled")


def test_a_plan_may_require_the_facilitys_self_assessment_before_the_visit(world: World) -> None:
    body = plan_body(world, {"own": ["inspector"], "own2": ["inspector"]}, requires_self_assessment=True)
    missing = create(world, body)
    assert missing.status_code == 422
    [problem] = missing.json["error"]["problems"]
    assert problem["pointer"] == "/entries/1/facility_id" and "没有可用的机构账号" in problem["message"]

    body = plan_body(world, {"own": ["inspector"]}, requires_self_assessment=True)
    created = create(world, body).json
    [entry] = created["entries"]
    own = entry["self_assessment"]
    assert (own["progress"], own["done"]) == ("not_started", False)
    tasks = world.call("self_assessor", "GET", "/api/sync/bootstrap").json["assignments"]
    assert [t["inspection"]["id"] for t in tasks] == [own["inspection_id"]]

    visit = entry["inspection_id"]
    assert world.sync("inspector", complete_changes(visit)).status_code == 200
    early = world.call("inspector", "POST", f"/api/inspections/{visit}/transitions", {"action": "submit"})
    assert (early.status_code, early.json["error"]["code"]) == (409, "plan.self_assessment_pending")

    assessment = own["inspection_id"]
    assert world.sync("self_assessor", complete_changes(assessment)).status_code == 200
    done = world.call(
        "self_assessor", "POST", f"/api/inspections/{assessment}/transitions", {"action": "submit"}
    )
    assert done.status_code == 200, done.json
    assert (
        world.call(
            "inspector", "POST", f"/api/inspections/{visit}/transitions", {"action": "submit"}
        ).status_code
        == 200
    )
    shown = world.call("county_reviewer", "GET", f"/api/plans/{created['plan']['id']}").json
    assert shown["entries"][0]["self_assessment"]["done"] is True


def test_a_large_plan_is_created_by_a_background_job(world: World, app: Flask) -> None:
    app.config["DABIAO_SETTINGS"] = dataclasses.replace(
        registry.settings(), plan_inline_facilities=1, jobs_inline=True
    )
    body = plan_body(world, {"own": ["inspector"], "own2": ["inspector2"]})
    response = create(world, body)
    assert response.status_code == 201, response.json
    plan = response.json["plan"]
    assert plan["job"] is not None and plan["job"]["kind_label"] == "创建评审计划"
    assert plan["job"]["state"] == "succeeded"  # inline here, as on SQLite
    assert (plan["status"], plan["counts"]["not_started"]) == ("active", 2)
    assert len(response.json["entries"]) == 2
    jobs = world.call("county_reviewer", "GET", "/api/jobs").json["jobs"]
    assert [j["title"] for j in jobs] == ["创建评审计划（2 家机构）"]


def test_plans_are_seen_inside_their_region_only(world: World) -> None:
    plan_id = create(world, plan_body(world, {"own": ["inspector"]})).json["plan"]["id"]
    assert [p["id"] for p in world.call("city_reviewer", "GET", "/api/plans").json["items"]] == [plan_id]
    assert world.call("sibling_county_reviewer", "GET", "/api/plans").json["items"] == []
    assert world.call("sibling_county_reviewer", "GET", f"/api/plans/{plan_id}").status_code == 404
    hidden = world.call(
        "sibling_county_reviewer", "POST", f"/api/plans/{plan_id}/cancel", {"reason": "不是我的"}
    )
    assert hidden.status_code == 404


def test_facilities_are_picked_by_kind_place_and_last_tier(world: World) -> None:
    approved(world, "own", "basic", at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
    approved(world, "own", "recommended", at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))  # the newer counts
    approved(world, "own2", "basic", at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    page = world.call("county_reviewer", "GET", "/api/facilities?last_tier=recommended").json
    assert [f["name"] for f in page["items"]] == ["通许县城关镇卫生院"]
    row = page["items"][0]
    assert (row["region_name"], row["last_result"]["tier_code"], row["last_result"]["inspection_date"]) == (
        "通许县",
        "recommended",
        "2026-06-01",
    )
    assert {t["code"] for t in page["tiers"]} >= {"basic", "recommended", "none", "unrated"}
    unrated = world.call("county_reviewer", "GET", "/api/facilities?last_tier=unrated").json["items"]
    assert [f["name"] for f in unrated] == ["通许县城关镇东街村卫生室"]
    assert unrated[0]["last_result"] is None
    clinics = world.call("county_reviewer", "GET", "/api/facilities?type_code=D600").json["items"]
    assert [f["name"] for f in clinics] == ["通许县城关镇东街村卫生室"]


def test_a_plans_facilities_teams_and_days_are_read_from_a_list(world: World) -> None:
    own2 = world.facilities["own2"]
    sheet = (
        "机构名称,统一社会信用代码,检查员,计划日期\n"
        "通许县城关镇卫生院,,inspector、inspector2,2026-12-10\n"
        f"随便写的名字,{own2.uscc},INSPECTOR2,2026/12/11\n"
        "不存在的卫生院,,inspector,2026年12月12日\n"
        "兰考县城关镇卫生院,,inspector,2026-12-12\n"
        "通许县城关镇东街村卫生室,,sibling_inspector，张三,明天\n"
    ).encode()
    response = world.client.post(
        "/api/plans/list",
        data={"file": (io.BytesIO(sheet), "名单.csv")},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {world.login('county_reviewer')}"},
    )
    assert response.status_code == 200, response.json
    rows = response.json["rows"]
    assert [r["line"] for r in rows] == [2, 3, 4, 5, 6]
    first, second, unknown, outside, bad = rows
    assert first["facility"]["name"] == "通许县城关镇卫生院" and first["problems"] == []
    assert [p["name"] for p in first["inspectors"]] == ["inspector", "inspector2"]
    assert first["inspection_date"] == "2026-12-10"
    assert (second["facility"]["id"], second["inspection_date"], second["problems"]) == (
        own2.id,
        "2026-12-11",
        [],
    )
    assert unknown["facility"] is None and unknown["problems"] == ["本辖区没有名为“不存在的卫生院”的机构"]
    assert unknown["inspection_date"] == "2026-12-12"
    assert outside["problems"] == ["本辖区没有名为“兰考县城关镇卫生院”的机构"]
    assert bad["problems"] == [
        "本辖区没有用户名或姓名为“sibling_inspector”的在岗检查员",
        "本辖区没有用户名或姓名为“张三”的在岗检查员",
        "“明天”不是日期，应写作 2026-12-10",
    ]
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0

    template = world.call("county_reviewer", "GET", "/api/plans/list/template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
    wrong = world.client.post(
        "/api/plans/list",
        data={"file": (io.BytesIO("机构,备注\n甲,乙\n".encode()), "名单.csv")},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {world.login('county_reviewer')}"},
    )
    assert wrong.status_code == 422 and wrong.json["error"]["code"] == "import.invalid"


def test_a_facility_page_shows_its_identifiers_and_results_over_the_years(world: World) -> None:
    own = world.facilities["own"]
    approved(world, "own", "basic", at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
    approved(world, "own", "recommended", at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    created = create(world, plan_body(world, {"own": ["inspector"]})).json
    page = world.call("county_reviewer", "GET", f"/api/facilities/{own.id}/profile").json
    assert page["region_path"] == ["河南省", "开封市", "通许县"]
    assert page["uscc_problem"] is None and page["facility"]["uscc"] == own.uscc
    assert page["facility"]["last_result"]["tier_code"] == "recommended"
    history = page["history"]
    assert [(h["inspection_date"], h["status"], h["tier_code"]) for h in history] == [
        ("2026-12-10", "draft", None),
        ("2026-06-01", "approved", "recommended"),
        ("2025-06-01", "approved", "basic"),
    ]
    assert history[0]["plan_name"] == created["plan"]["name"] and history[1]["report_number"]
    finance = world.call("finance", "GET", f"/api/facilities/{own.id}/profile").json
    assert [h["status"] for h in finance["history"]] == ["approved", "approved"]  # final results only

    own.uscc = own.uscc[:-1] + ("0" if own.uscc[-1] != "0" else "1")
    db.session.commit()
    broken = world.call("county_reviewer", "GET", f"/api/facilities/{own.id}/profile").json
    assert broken["uscc_problem"] == "统一社会信用代码校验位不正确"


def test_the_city_plans_its_re_inspections_across_its_counties(world: World) -> None:
    body = plan_body(
        world,
        {"own": ["inspector"], "sibling": ["sibling_inspector"]},
        region_code="410200",
        kind="city_reinspection",
        name="2026 年开封市市级复核",
    )
    response = create(world, body, by="city_reviewer")
    assert response.status_code == 201, response.json
    assert response.json["plan"]["region_name"] == "开封市"
    assert {e["region_name"] for e in response.json["entries"]} == {"通许县", "兰考县"}
    assert [
        p["id"] for p in world.call("city_reviewer", "GET", "/api/plans?region_code=410200").json["items"]
    ] == [response.json["plan"]["id"]]
    assert world.call("county_reviewer", "GET", "/api/plans").json["items"] == []  # the city's plan


def test_the_last_result_is_known_from_the_approval_not_from_a_rendered_report(world: World) -> None:
    inspection = county_approved(world)
    assert act(world, "city_reviewer", inspection, "approve").status_code == 200
    db.session.expire_all()
    approved_one = db.session.get(Inspection, inspection.id)
    assert approved_one is not None and approved_one.final_tier_code is not None
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0  # nothing rendered yet
    page = world.call(
        "county_reviewer", "GET", f"/api/facilities?last_tier={approved_one.final_tier_code}"
    ).json
    assert [f["id"] for f in page["items"]] == [inspection.facility_id]
    history = world.call("county_reviewer", "GET", f"/api/facilities/{inspection.facility_id}/profile").json[
        "history"
    ]
    assert (history[0]["status"], history[0]["tier_label"]) == ("approved", approved_one.final_tier_label)
    assert act(world, "city_reviewer", approved_one, "reopen", "复核发现照片有误").status_code == 200
    db.session.expire_all()
    unrated = world.call("county_reviewer", "GET", "/api/facilities?last_tier=unrated").json["items"]
    assert inspection.facility_id in [f["id"] for f in unrated]  # reopened: no final result now
