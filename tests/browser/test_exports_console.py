"""The Excel exports in the browser, on a real deployment (gunicorn and a job worker over PostgreSQL
and MinIO, the demo data), at desk size (1366×900).

The city administrator of 开封市 (kf_admin) opens 奖补资金 and clicks 导出评审结果 for this year: the
workbook downloads under its Chinese name and holds the demo's finally approved village clinic
with its report number. With the server's inline limit at nothing, the same click becomes a
background job, which the 后台任务 page follows and downloads. The county reviewer of 通许县
(tx_county) opens a plan and clicks 导出检查名单: the workbook lists its visits. Screens are checked
for English words, raw region codes and cut-off text. Screenshots go to $DABIAO_SCREENSHOTS.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from tests.browser.server import AppServer, download_job, log_in, poll, screenshot, serving, wait_job
from tests.browser.test_jobs_page import check_screen as check_jobs_screen
from tests.browser.test_users_console import DESK, check_screen

pytestmark = pytest.mark.browser

APPROVED_CLINIC = "城关镇东街村卫生室"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with serving(tmp_path_factory.mktemp("exports-console"), jobs_worker=True) as server:
        yield server


def rows_of(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """Each sheet's rows below its header (row 5)."""
    book = load_workbook(io.BytesIO(data))
    return {ws.title: list(ws.iter_rows(min_row=6, values_only=True)) for ws in book.worksheets}


def test_the_city_exports_its_results_inline_and_as_a_job(
    browser: Any, app_server: AppServer, tmp_path: Path
) -> None:
    year = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).year
    name = f"开封市{year}年评审结果.xlsx"
    context = browser.new_context(
        locale="zh-CN", timezone_id="America/Los_Angeles", viewport=DESK, accept_downloads=True
    )
    page = context.new_page()
    try:
        log_in(page, app_server, "kf_admin")
        page.wait_for_url("**/review", timeout=15000)
        page.get_by_test_id("queue-to-payouts").click()
        page.wait_for_url("**/console/payouts", timeout=15000)
        button = page.get_by_test_id("results-export")
        poll(page, lambda: button.is_enabled(), 15, "the region picked")
        with page.expect_download(timeout=60000) as download:
            button.click()
        assert download.value.suggested_filename == name
        sheets = rows_of(download.value.path().read_bytes())
        # the demo's two final results: the clinic's, and a centre's 三大件 that reached no tier
        assert list(sheets) == ["汇总", "村卫生室标准化建设（第1版）", "乡镇卫生院“三大件”（第1版）"]
        clinics = sheets["村卫生室标准化建设（第1版）"]
        assert [row[3] for row in clinics] == [APPROVED_CLINIC]
        assert [row[3] for row in sheets["乡镇卫生院“三大件”（第1版）"]] == ["通许县竖岗镇中心卫生院"]
        assert str(clinics[0][-4]).startswith("DB-410222-")  # its report's number
        note = page.get_by_test_id("results-export-note")
        note.wait_for(timeout=10000)
        assert note.inner_text() == f"已导出“开封市{year}年评审结果”"
        check_screen(page, ["kf_admin"])
        screenshot(page, "exports-results.png", full_page=True)
    finally:
        context.close()

    # the same export past the inline limit: a background job, followed on the 后台任务 page
    app_server.stop()
    app_server.env["DABIAO_EXPORT_INLINE_ROWS"] = "0"
    app_server.start()
    context = browser.new_context(
        locale="zh-CN", timezone_id="America/Los_Angeles", viewport=DESK, accept_downloads=True
    )
    page = context.new_page()
    try:
        log_in(page, app_server, "kf_finance")
        page.wait_for_url("**/jobs", timeout=15000)
        page.get_by_test_id("jobs-to-payouts").click()
        page.wait_for_url("**/console/payouts", timeout=15000)
        button = page.get_by_test_id("results-export")
        poll(page, lambda: button.is_enabled(), 15, "the region picked")
        button.click()
        note = page.get_by_test_id("results-export-note")
        note.wait_for(timeout=15000)
        assert "已转为后台任务" in note.inner_text() and "评审结果" in note.inner_text()
        check_screen(page, ["kf_finance"])
        screenshot(page, "exports-results-job.png", full_page=True)
        page.get_by_test_id("results-export-jobs").click()
        page.wait_for_url("**/jobs", timeout=15000)
        card = page.locator('[data-testid^="job-"][data-state]').first
        card.wait_for(timeout=15000)
        assert "评审结果" in card.inner_text()
        assert wait_job(page, card, 120) == "succeeded", card.inner_text()
        saved = download_job(page, card, tmp_path)
        assert saved.name == name
        assert [row[3] for row in rows_of(saved.read_bytes())["村卫生室标准化建设（第1版）"]] == [
            APPROVED_CLINIC
        ]
        check_jobs_screen(page, app_server, app_server.login("kf_finance")[0])
        screenshot(page, "exports-results-jobs-page.png", full_page=True)
    finally:
        context.close()


def test_a_county_reviewer_exports_a_plans_inspection_list(browser: Any, app_server: AppServer) -> None:
    token, _ = app_server.login("tx_county")
    status, facilities = app_server.api("GET", "/api/facilities?type_code=C220&limit=50", token)
    assert status == 200, facilities
    status, people = app_server.api("GET", "/api/users?role=inspector&limit=50", token)
    assert status == 200, people
    inspectors = {u["username"]: u["id"] for u in people["items"]}
    picked = sorted(facilities["items"], key=lambda f: f["id"])[:2]
    body = {
        "request_id": "browser-exports-plan",
        "name": "2027 年通许县乡卫生院县级评审",
        "region_code": "410222",
        "starts_on": "2027-03-01",
        "ends_on": "2027-03-31",
        "checklist_id": "qs-2023-sample",
        "checklist_version": 1,
        "kind": "county_inspection",
        "requires_self_assessment": False,
        "entries": [
            {
                "facility_id": f["id"],
                "inspector_ids": [inspectors["tx_inspector1"], inspectors["tx_inspector2"]],
                "inspection_date": f"2027-03-{10 + n:02d}",
            }
            for n, f in enumerate(picked)
        ],
    }
    status, made = app_server.api("POST", "/api/plans", token, body)
    assert status == 201, made
    plan_id = made["plan"]["id"]

    context = browser.new_context(
        locale="zh-CN", timezone_id="America/Los_Angeles", viewport=DESK, accept_downloads=True
    )
    page = context.new_page()
    try:
        log_in(page, app_server, "tx_county")
        page.wait_for_url("**/review", timeout=15000)
        page.goto(f"{app_server.url}/console/plans/{plan_id}")
        page.get_by_test_id("plan-entries").wait_for(timeout=15000)
        with page.expect_download(timeout=30000) as download:
            page.get_by_test_id("plan-export").click()
        assert download.value.suggested_filename == "2027 年通许县乡卫生院县级评审检查名单.xlsx"
        rows = rows_of(download.value.path().read_bytes())["检查名单"]
        assert [row[1] for row in rows] == [f["name"] for f in picked]
        teams = page.get_by_test_id("entry-team").all_inner_texts()
        assert [row[4] for row in rows] == teams == ["刘秀英、陈志强"] * 2  # as the page shows them
        assert [row[6] for row in rows] == page.get_by_test_id("entry-progress").all_inner_texts()
        assert [(row[5], row[6], row[7]) for row in rows] == [
            (dt.datetime(2027, 3, 10), "未开始", "草稿"),
            (dt.datetime(2027, 3, 11), "未开始", "草稿"),
        ]
        check_screen(page, ["tx_county"])
        screenshot(page, "exports-plan.png", full_page=True)
    finally:
        context.close()
