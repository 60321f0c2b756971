"""Background jobs through the API: a payout sheet asked for as a job, followed, downloaded.

Here jobs run inline, as on SQLite (the request that asks for one answers with it finished), on
both engines; tests/api/test_job_worker.py runs them through the queue and a real worker.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook  # type: ignore[import-untyped]

from server import registry
from server.extensions import db
from tests.api.test_access_matrix import DENIALS
from tests.api.world import World
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
    assert job["title"] == "开封市 2026年第四季度 奖补资金分配表（Excel）"
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
    response = world.call("county_reviewer", "POST", "/api/payouts/sheets", SHEET)
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
