"""成果统计 in the browser, on a real deployment (gunicorn over PostgreSQL and MinIO, the demo data).

The city finally approves the two centres still in its re-review, so 开封市 has three final
results (two centres in 通许县, a village clinic). Its administrator (kf_admin) opens 成果统计 from
the review queue on a desk (1366×900): the figures per county, the charts, a target set in the
dialog, a number opened as its list of facilities, a facility's page and back to the list, and a
report downloaded from it. On a phone (390×844) the same figures are cards, and a list rises from
the bottom. Finance (kf_finance) reaches it from its home page; an inspector never does. Screens
are checked for English words, raw region codes and anything wider than the window; screenshots
go to $DABIAO_SCREENSHOTS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.server import AppServer, log_in, poll, screenshot, serving
from tests.browser.test_users_console import DESK, PHONE, check_screen

pytestmark = pytest.mark.browser

CENTRES = ("通许县玉皇庙镇中心卫生院", "通许县竖岗镇中心卫生院")


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with serving(tmp_path_factory.mktemp("dashboard")) as server:
        approve_the_citys_reviews(server)
        yield server


def approve_the_citys_reviews(server: AppServer) -> None:
    token, _ = server.login("kf_city")
    status, page = server.api("GET", "/api/inspections?limit=100", token)
    assert status == 200, page
    waiting = [r for r in page["items"] if r["status"] in ("county_approved", "city_review")]
    assert len(waiting) == len(CENTRES), waiting  # the demo's two centres in the city's hands
    for row in waiting:
        if row["status"] == "county_approved":
            status, body = server.api(
                "POST", f"/api/inspections/{row['id']}/transitions", token, {"action": "start_city_review"}
            )
            assert status == 200, body
        status, body = server.api(
            "POST", f"/api/inspections/{row['id']}/transitions", token, {"action": "approve"}
        )
        assert status == 200, body


def the_year(server: AppServer) -> int:
    token, _ = server.login("kf_admin")
    status, page = server.api("GET", "/api/inspections?status=approved&limit=10", token)
    assert status == 200 and page["items"], page
    return dt.date.fromisoformat(page["items"][0]["inspection_date"]).year


def test_the_citys_administrator_reads_the_figures_and_the_lists_behind_them(
    browser: Any, app_server: AppServer, tmp_path: Path
) -> None:
    year = the_year(app_server)
    context = browser.new_context(locale="zh-CN", timezone_id="America/Los_Angeles", viewport=DESK)
    page = context.new_page()
    try:
        log_in(page, app_server, "kf_admin")
        page.wait_for_url("**/review", timeout=15000)
        page.get_by_test_id("queue-to-dashboard").click()
        page.wait_for_url("**/console/dashboard**", timeout=15000)
        table = page.get_by_test_id("dashboard-table")
        table.wait_for(timeout=20000)
        if page.get_by_test_id("dashboard-year").input_value() != str(year):
            page.get_by_test_id("dashboard-year").select_option(str(year))
        poll(
            page,
            lambda: "通许县" in table.inner_text() and "兰考县" in table.inner_text(),
            10,
            "the counties",
        )
        tongxu = table.locator("tbody tr", has_text="通许县")
        assert tongxu.count() == 1
        assert page.get_by_test_id("dashboard-family").input_value() == "quality_service"
        # both centres of 通许 in the city's hands have a final result now; the others are 未评
        facilities = int(tongxu.locator("td").nth(1).inner_text())
        unrated = int(page.get_by_test_id("cell-410222-unrated").inner_text().split()[0])
        assert facilities - unrated == len(CENTRES)
        assert page.locator("canvas").count() >= 3  # the dials, the tiers and the shares
        check_screen(page, [])
        screenshot(page, "dashboard-desk.png", full_page=True)

        # the city sets its target: at least 20 % at 推荐 (or higher)
        page.get_by_test_id("dashboard-target-edit").click()
        form = page.get_by_test_id("dashboard-target-form")
        form.get_by_test_id("target-recommended").fill("20")
        form.get_by_test_id("target-basic").fill("150")
        form.get_by_test_id("target-save").click()
        assert "请填写 0 至 100 的整数" in form.inner_text()
        form.get_by_test_id("target-basic").fill("60")
        form.get_by_test_id("target-save").click()
        note = page.get_by_test_id("dashboard-target")
        note.wait_for(timeout=10000)
        assert "推荐标准及以上 20%" in note.inner_text() and "开封市设定" in note.inner_text()
        assert "目标 20%" in page.get_by_test_id("kpi-recommended").inner_text()

        # a number opens its list; a facility's page and back to the same list
        page.get_by_test_id("kpi-facilities").click()
        listing = page.get_by_test_id("dashboard-list")
        listing.get_by_test_id("dashboard-list-row").first.wait_for(timeout=10000)
        assert (
            page.get_by_test_id("dashboard-list-title")
            .inner_text()
            .startswith(f"开封市 {year}年 优质服务基层行")
        )
        rows = listing.get_by_test_id("dashboard-list-row")
        assert rows.count() >= 12  # every centre of the city, rated or not
        rated = listing.locator('[data-testid="dashboard-list-row"]', has_text=CENTRES[1])
        assert "未评" not in rated.inner_text()
        page.wait_for_timeout(500)  # the list has slid in
        screenshot(page, "dashboard-desk-list.png")
        with page.expect_download(timeout=60000) as download:
            rated.get_by_test_id("dashboard-list-report").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.read_bytes()[:5] == b"%PDF-"
        rated.get_by_role("link", name=CENTRES[1]).click()
        page.wait_for_url("**/console/facilities/*", timeout=15000)
        page.get_by_test_id("facility-history").wait_for(timeout=15000)
        page.go_back()
        page.wait_for_url("**/console/dashboard?**list=**", timeout=15000)
        page.get_by_test_id("dashboard-list-row").first.wait_for(timeout=15000)
        page.locator(".van-popup__close-icon").click()
        poll(page, lambda: "list=" not in page.url, 10, "the list closing")
        listing.wait_for(state="hidden", timeout=10000)  # it slides out after the address changes

        # the 三大件 result the demo approved, with the items its centre did not meet
        page.get_by_test_id("dashboard-family").select_option("big_three")
        items = page.get_by_test_id("dashboard-items")
        poll(page, lambda: items.locator('[data-testid^="item-"]').count() > 0, 15, "the items not met")
        assert "整改逾期" in page.get_by_test_id("kpi-overdue").inner_text()
        check_screen(page, ["SOP"])  # the checklist's own words (操作规程（SOP）)
        screenshot(page, "dashboard-desk-big-three.png", full_page=True)
        items.locator('[data-testid^="item-"]').first.click()
        listing.get_by_test_id("dashboard-list-row").first.wait_for(timeout=10000)
        assert "未达标条款" in page.get_by_test_id("dashboard-list-title").inner_text()
        page.wait_for_timeout(500)  # the list has slid in
        screenshot(page, "dashboard-desk-item-list.png")
        page.locator(".van-popup__close-icon").click()
        poll(page, lambda: "list=" not in page.url, 10, "the list closing")
        listing.wait_for(state="hidden", timeout=10000)  # it slides out after the address changes
        page.get_by_test_id("dashboard-family").select_option("quality_service")

        # a county's own figures
        page.get_by_test_id("region-410222").click()
        poll(page, lambda: "region=410222" in page.url, 10, "the county")
        page.get_by_test_id("dashboard-path").get_by_text("通许县").wait_for(timeout=10000)
        check_screen(page, [])
        screenshot(page, "dashboard-desk-county.png", full_page=True)
    finally:
        context.close()


def test_leadership_reads_it_on_a_phone(browser: Any, app_server: AppServer) -> None:
    year = the_year(app_server)
    phone = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    try:
        log_in(page, app_server, "kf_finance")
        page.wait_for_url("**/jobs", timeout=15000)
        page.get_by_test_id("jobs-to-dashboard").click()
        page.wait_for_url("**/console/dashboard**", timeout=15000)
        cards = page.get_by_test_id("dashboard-cards")
        cards.wait_for(timeout=20000)
        if page.get_by_test_id("dashboard-year").input_value() != str(year):
            page.get_by_test_id("dashboard-year").select_option(str(year))
        poll(page, lambda: "通许县" in cards.inner_text(), 10, "the counties as cards")
        assert page.get_by_test_id("dashboard-target-edit").count() == 0  # finance reads only
        check_screen(page, [])
        screenshot(page, "dashboard-phone.png", full_page=True)
        page.get_by_test_id("dashboard-family").select_option("village_clinic")
        poll(
            page,
            lambda: "示范村卫生室" in page.get_by_test_id("kpi-recommended").inner_text(),
            10,
            "the clinics",
        )
        assert "达标（标准化村卫生室）及以上" in page.get_by_test_id("kpi-basic").inner_text()
        check_screen(page, [])
        screenshot(page, "dashboard-phone-clinics.png", full_page=True)
        page.get_by_test_id("kpi-unrated").click()
        listing = page.get_by_test_id("dashboard-list")
        listing.get_by_test_id("dashboard-list-row").first.wait_for(timeout=10000)
        assert "未评" in page.get_by_test_id("dashboard-list-title").inner_text()
        check_screen(page, [])
        page.wait_for_timeout(500)  # the list has slid in
        screenshot(page, "dashboard-phone-list.png")
    finally:
        phone.close()


def test_an_inspector_has_no_dashboard(browser: Any, app_server: AppServer) -> None:
    phone = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = phone.new_page()
    try:
        log_in(page, app_server, "tx_inspector1")
        page.wait_for_url("**/tasks", timeout=15000)
        page.goto(app_server.url + "/console/dashboard")
        page.wait_for_url("**/tasks", timeout=15000)
    finally:
        phone.close()
