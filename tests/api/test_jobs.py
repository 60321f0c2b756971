"""Background jobs through the API: a payout sheet asked for as a job, followed, downloaded.

Here jobs run inline, as on SQLite (the request that asks for one answers with it finished), on
both engines; tests/api/test_job_worker.py runs them through the queue and a real worker.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import update

from server import registry
from server.db.models import Job
from server.extensions import db
from server.services import auth, jobs
from tests.api.test_access_matrix import DENIALS
from tests.api.world import World, add_user
from tests.services.test_payouts import approved, qs_rules

SHEET = {"region_code": "410200", "period": "2026Q4", "format": "xlsx"}


@pytest.fixture
def app(app_factory: Any) -> Flask:
    return app_factory(jobs_inline=True)


def finished(
    world: World, app: Flask, job: dict[str, Any], username: str = "city_reviewer"
) -> dict[str, Any]:
    assert job["state"] == "succeeded", job
    response = world.call(username, "GET", f"/api/jobs/{job['id']}")
    assert response.status_code == 200, response.json
    return dict(response.json)


def sheet_data(world: World) -> None:
    qs_rules()
    approved(world, "own")
    approved(world, "sibling", tier="basic")
    db.session.commit()


def test_a_payout_sheet_job_is_followed_and_its_file_downloaded(world: World, app: Flask) -> None:
    sheet_data(world)
    response = world.call("city_reviewer", "POST", "/api/payouts/sheets", SHEET)
    assert response.status_code == 202, response.json
    job = response.json
    assert job["kind_label"] == "奖补资金分配表"
    assert job["title"] == "开封市 2026年第四季度 奖补资金分配表（电子表格）"
    assert job["created_by_name"] == world.users["city_reviewer"].display_name
    done = finished(world, app, job)
    assert (done["state"], done["state_label"]) == ("succeeded", "已完成")
    assert done["progress"]["done"] == done["progress"]["total"]
    assert done["result"]["filename"] == "payouts-410200-2026Q4.xlsx"
    assert done["error"] is None
    download = world.call("city_reviewer", "GET", f"/api/jobs/{job['id']}/result")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="payouts-410200-2026Q4.xlsx"'
    assert download.headers["X-Content-SHA256"] == done["result"]["sha256"]
    rows = list(load_workbook(io.BytesIO(download.data)).active.iter_rows(values_only=True))
    assert ("合计", None, 2, 450_000) in [row[:4] for row in rows]
    # the same rows as the sheet made inside a request
    direct = world.call("city_reviewer", "GET", "/api/payouts/410200/2026Q4.xlsx")
    direct_rows = list(load_workbook(io.BytesIO(direct.data)).active.iter_rows(values_only=True))
    assert [r for r in rows if r[0] != rows[1][0]] == [r for r in direct_rows if r[0] != direct_rows[1][0]]


def test_the_same_sheet_asked_for_again_reuses_the_first_file(world: World, app: Flask) -> None:
    sheet_data(world)
    first = finished(world, app, world.call("admin", "POST", "/api/payouts/sheets", SHEET).json, "admin")
    again = finished(world, app, world.call("city_reviewer", "POST", "/api/payouts/sheets", SHEET).json)
    assert again["id"] != first["id"]
    assert (again["result"]["reused"], again["result"]["sha256"]) == (True, first["result"]["sha256"])
    assert list(registry.evidence_store().keys(f"jobs/{again['id']}/")) == []  # nothing written twice
    download = world.call("city_reviewer", "GET", f"/api/jobs/{again['id']}/result")
    assert download.headers["X-Content-SHA256"] == first["result"]["sha256"]
    # a change to what the sheet shows makes a new file
    approved(world, "own2", tier="basic")
    db.session.commit()
    changed = finished(world, app, world.call("city_reviewer", "POST", "/api/payouts/sheets", SHEET).json)
    assert changed["result"]["reused"] is False
    assert changed["result"]["sha256"] != first["result"]["sha256"]


def test_jobs_are_seen_only_by_their_starter_and_by_users_in_scope_who_may_do_that_work(
    world: World, app: Flask
) -> None:
    sheet_data(world)
    job = world.call("city_reviewer", "POST", "/api/payouts/sheets", SHEET).json
    for username in ("city_reviewer", "city_reviewer2", "admin"):
        assert world.call(username, "GET", f"/api/jobs/{job['id']}").status_code == 200, username
        listed = world.call(username, "GET", "/api/jobs").json
        assert job["id"] in [j["id"] for j in listed["jobs"]], username
    for username in ("other_city_reviewer", "county_reviewer", "inspector", "self_assessor"):
        for url in (f"/api/jobs/{job['id']}", f"/api/jobs/{job['id']}/result"):
            response = world.call(username, "GET", url)
            assert response.status_code in (403, 404), (username, url)
            assert response.json in (DENIALS[403], DENIALS[404]), (username, url)
        listed = world.call(username, "GET", "/api/jobs")
        assert listed.status_code == 403 or job["id"] not in [j["id"] for j in listed.json["jobs"]]
    assert world.call(None, "GET", "/api/jobs").status_code == 401
    # a sheet outside the user's region is no sheet at all, and roles without payouts get none
    outside = dict(SHEET, region_code="410100")
    assert world.call("city_reviewer", "POST", "/api/payouts/sheets", outside).status_code == 404
    county = world.call("county_reviewer", "POST", "/api/payouts/sheets", SHEET)  # the city's sheet
    assert (county.status_code, county.json) == (404, DENIALS[404])
    response = world.call("inspector", "POST", "/api/payouts/sheets", SHEET)
    assert (response.status_code, response.json) == (403, DENIALS[403])


def test_bad_requests_for_a_sheet_change_nothing(world: World) -> None:
    for body, code in (
        (dict(SHEET, period="2026Q5"), "payouts.invalid_period"),
        (dict(SHEET, format="csv"), None),
        (dict(SHEET, region_code="41020\u0000"), None),
        ({"region_code": "410200"}, None),
    ):
        response = world.call("city_reviewer", "POST", "/api/payouts/sheets", body)
        assert response.status_code == 422, (body, response.json)
        if code:
            assert response.json["error"]["code"] == code
    assert world.call("city_reviewer", "GET", "/api/jobs").json["jobs"] == []


def test_jobs_list_pages_newest_first(world: World, app: Flask) -> None:
    sheet_data(world)
    ids = []
    for period in ("2026", "2026Q4", "2026-11"):
        ids.append(world.call("admin", "POST", "/api/payouts/sheets", dict(SHEET, period=period)).json["id"])
    page = world.call("admin", "GET", "/api/jobs?limit=2").json
    assert [j["id"] for j in page["jobs"]] == ids[::-1][:2]
    rest = world.call("admin", "GET", f"/api/jobs?limit=2&before={page['next_before']}").json
    assert ([j["id"] for j in rest["jobs"]], rest["next_before"]) == ([ids[0]], None)


def test_verifications_run_as_jobs_that_only_the_top_administrators_see(world: World, app: Flask) -> None:
    runner = app.test_cli_runner()
    for args in (["jobs", "verify", "audit"], ["jobs", "verify", "storage", "--since-last"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert result.output.strip().endswith(": succeeded")
    hashed = auth.hash_password(world.password)
    world.users["province_admin"] = add_user("province_admin", "admin", "410000", hashed)
    db.session.commit()
    listed = world.call("province_admin", "GET", "/api/jobs").json["jobs"]
    titles = [j["title"] for j in listed]
    assert titles == [
        "证据存储校验（上次校验后新增）：未发现问题",
        "审计日志校验（自上次校验点起）：未发现问题",
    ]
    report = world.call("province_admin", "GET", f"/api/jobs/{listed[1]['id']}/result")
    text = report.data.decode("utf-8")
    assert report.headers["Content-Type"].startswith("text/plain")
    assert text.startswith("审计日志校验报告\n") and "结论：审计日志完整" in text, text
    for username in ("admin", "city_reviewer"):  # a city's people: the whole installation is not theirs
        ids = [j["id"] for j in world.call(username, "GET", "/api/jobs").json["jobs"]]
        assert not set(ids) & {j["id"] for j in listed}, username


def test_old_results_are_pruned_but_not_while_a_newer_job_serves_them(world: World, app: Flask) -> None:
    sheet_data(world)
    first = world.call("admin", "POST", "/api/payouts/sheets", SHEET).json
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    assert jobs.prune(30, now=later) == 1
    gone = world.call("admin", "GET", f"/api/jobs/{first['id']}")
    assert (gone.json["state"], gone.json["result"]) == ("succeeded", None)
    refused = world.call("admin", "GET", f"/api/jobs/{first['id']}/result")
    assert (refused.status_code, refused.json["error"]["code"]) == (409, "jobs.no_result")
    assert list(registry.evidence_store().keys(f"jobs/{first['id']}/")) == []
    # a result a recent job reuses stays
    second = world.call("admin", "POST", "/api/payouts/sheets", dict(SHEET, format="pdf")).json
    third = world.call("admin", "POST", "/api/payouts/sheets", dict(SHEET, format="pdf")).json
    assert third["result"]["reused"] is True
    db.session.execute(
        update(Job)
        .where(Job.id == second["id"])
        .values(finished_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=40))
    )
    db.session.commit()
    assert jobs.prune(30) == 1
    assert world.call("admin", "GET", f"/api/jobs/{third['id']}/result").status_code == 200


def test_a_job_that_cannot_be_done_fails_with_a_message_and_the_request_does_not(world: World) -> None:
    admin = world.users["admin"].id
    missing, _ = jobs.submit("report", "report:999999", {"inspection_id": 999999}, "410200", admin)
    db.session.commit()
    missing = jobs.after_commit(missing)
    assert (missing.state, missing.error_code) == ("failed", "http.not_found")
    broken, _ = jobs.submit("report", "report:broken", {}, "410200", admin)  # no inspection named
    db.session.commit()
    broken = jobs.after_commit(broken)
    assert (broken.state, broken.error_code) == ("failed", "jobs.failed")
    shown = world.call("admin", "GET", f"/api/jobs/{broken.id}").json
    assert shown["error"] == {
        "code": "jobs.failed",
        "message": "任务执行出错（共尝试 1 次），请联系系统管理员",
    }
    assert shown["state_label"] == "失败"
