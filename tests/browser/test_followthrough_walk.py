"""The second half of a campaign, end to end, on a real deployment (gunicorn over PostgreSQL and
MinIO, the demo data), each person on their own screen:

1. the county reviewer (tx_county) approves 通许县朱砂镇卫生院's inspection at a desk (1366×900),
   having regraded two items to 不达标 with a reason; the city approves it finally;
2. the health centre's own account receives its rectification tasks on a phone (390×844), fixes
   two with a note and a photo each while offline, and syncs when the signal is back;
3. the county accepts one fix and returns the other with a reason;
4. the city (kf_city) publishes the period's results (公示);
5. somebody without a login opens the public page and finds the centre;
6. after the publication period (its days moved into the past in the database: the clock of a
   running server is not ours to move), with the region requiring a finished publication before
   payouts, the finance officer (kf_finance) previews the payout sheet and finds the centre with
   its amount.
Every screen is checked for English words, raw region codes and cut-off text; screenshots go to
$DABIAO_SCREENSHOTS.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from server.domain.times import CHINA_ZONE
from tests.browser.conftest import DESK, PHONE
from tests.browser.server import AppServer, idb, log_in, poll, screenshot, serving
from tests.browser.test_campaign_walk import ok
from tests.browser.test_publications_console import age_publications, settled
from tests.browser.test_users_console import check_screen
from tests.photos import jpeg

pytestmark = pytest.mark.browser

CENTRE = "通许县朱砂镇卫生院"  # in county review in the demo
STAFF = "zs_staff"
PASSWORD = "zhusha-2026-password"
CONTACT = "如有异议，请于公示期内向开封市卫生健康委员会基层卫生科书面反映。联系电话：0371-23456789"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with serving(tmp_path_factory.mktemp("follow-through")) as server:
        yield server


def centre_inspection(server: AppServer, token: str) -> dict[str, Any]:
    listed = ok(server.api("GET", f"/api/inspections?q={quote('朱砂镇')}&limit=20", token))
    return next(
        i for i in listed["items"] if i["status"] == "county_review" and i["kind"] == "county_inspection"
    )


def regrade_two(server: AppServer, token: str, inspection_id: int) -> list[str]:
    """Two basic items that are neither core nor veto, regraded to 不达标 with a reason."""
    detail = ok(server.api("GET", f"/api/inspections/{inspection_id}", token))
    head = detail["inspection"]
    definition = ok(
        server.api("GET", f"/api/checklists/{head['checklist_id']}/{head['checklist_version']}", token)
    )
    items = [
        item
        for chapter in definition["chapters"]
        for section in chapter["sections"]
        for item in section["items"]
        if not item.get("core")
        and not item.get("veto")
        and not item.get("monitoring")
        and item["id"] in detail["answers"]
        and detail["answers"][item["id"]]["grade"] not in ("not_met", "not_applicable")
    ]
    chosen = [items[-1]["id"], items[-2]["id"]]
    for item_id in chosen:
        ok(
            server.api(
                "PUT",
                f"/api/inspections/{inspection_id}/items/{item_id}/grade",
                token,
                {
                    "grade": "not_met",
                    "base_revision": detail["answers"][item_id]["revision"],
                    "reason": "现场核查未见相关记录",
                },
            )
        )
    return chosen


def facility_account(server: AppServer, facility_id: int) -> None:
    """The centre's own account, made by the county's administrator, its one-time password replaced."""
    admin, _ = server.login("tx_admin")
    made = ok(
        server.api(
            "POST",
            "/api/users",
            admin,
            {
                "username": STAFF,
                "display_name": "朱砂镇卫生院质控员",
                "role": "self_assessor",
                "facility_id": facility_id,
            },
        ),
        201,
    )
    once = made["one_time_password"]
    token = ok(server.api("POST", "/api/auth/login", body={"username": STAFF, "password": once}))["token"]
    ok(server.api("POST", "/api/auth/password", token, {"current_password": once, "new_password": PASSWORD}))
    server.logins[STAFF] = PASSWORD


def test_approval_rectification_publication_and_payout(
    browser: Any, app_server: AppServer, tmp_path: Path
) -> None:
    county, _ = app_server.login("tx_county")
    inspection = centre_inspection(app_server, county)
    facility_account(app_server, inspection["facility_id"])
    failed = regrade_two(app_server, county, inspection["id"])

    desk = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESK)
    phone = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE, is_mobile=True, has_touch=True
    )
    try:
        # 1. the county approves at its desk; the city approves finally
        office = desk.new_page()
        log_in(office, app_server, "tx_county")
        office.wait_for_url("**/review", timeout=15000)
        office.goto(f"{app_server.url}/review/{inspection['id']}")
        office.get_by_test_id("action-county_approve").click()
        office.get_by_test_id("action-confirm").click()
        poll(
            office,
            lambda: office.get_by_test_id("review-status").inner_text() == "县级已通过",
            20,
            "the approval",
        )
        screenshot(office, "walk2-01-county-approved.png")
        city, _ = app_server.login("kf_city")
        final = ok(
            app_server.api(
                "POST", f"/api/inspections/{inspection['id']}/transitions", city, {"action": "approve"}
            )
        )
        assert final["status"] == "approved"
        tier = ok(app_server.api("GET", f"/api/inspections/{inspection['id']}/score", city))["tier"]
        assert tier["code"] in ("basic", "recommended"), tier

        # 2. the centre fixes two items on its phone, offline, and syncs
        page = phone.new_page()
        log_in(page, app_server, STAFF)
        page.wait_for_url("**/tasks", timeout=15000)
        page.get_by_test_id("tasks-fixes").get_by_text("2 项待整改").wait_for(timeout=20000)
        page.get_by_test_id("tasks-fixes").click()
        page.get_by_test_id("fixes-todo").wait_for(timeout=15000)
        tasks = sorted(int(r["id"]) for r in idb(page, "fixes"))
        assert sorted(r["task"]["item_id"] for r in idb(page, "fixes")) == sorted(failed)
        # what the county found is what the centre reads
        assert all("审核意见：现场核查未见相关记录" in r["task"]["problem"] for r in idb(page, "fixes"))
        check_screen(page, [STAFF])
        screenshot(page, "walk2-02-tasks.png", full_page=True)
        # the app's files are installed for offline use before the signal goes
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        page.reload()
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
        page.get_by_test_id("fixes-todo").wait_for(timeout=15000)
        phone.set_offline(True)
        now = dt.datetime.now(CHINA_ZONE)
        for n, (task_id, note) in enumerate(
            zip(tasks, ("已补齐记录并专人签字", "已完善制度并组织全员培训"), strict=True)
        ):
            picture = tmp_path / f"fix-{n}.jpg"
            picture.write_bytes(jpeg(1600, 1200, taken=f"{now:%Y:%m:%d %H:%M:%S}", seed=40 + n))
            page.get_by_test_id(f"fix-{task_id}").click()
            page.get_by_test_id("fix-note").locator("textarea").fill(note)
            page.get_by_test_id("fix-photo-input").set_input_files(str(picture))
            page.locator('[data-testid^="fix-thumb-"]').first.wait_for(timeout=15000)
            page.get_by_test_id("fix-submit").click()
            page.get_by_role("button", name="提交", exact=True).click()
            page.get_by_test_id("fix-status").get_by_text("已提交，待同步").wait_for(timeout=10000)
            page.locator(".van-overlay").wait_for(state="hidden", timeout=5000)
            if n == 0:
                screenshot(page, "walk2-03-offline-fix.png", full_page=True)
            page.get_by_test_id("fix-nav").get_by_text("整改任务").click()
        assert len(idb(page, "fixOutbox")) == 4
        phone.set_offline(False)
        poll(page, lambda: not idb(page, "fixOutbox"), 90, "the fixes to be sent")
        page.get_by_test_id("fixes-waiting").wait_for(timeout=10000)
        screenshot(page, "walk2-04-synced.png", full_page=True)

        # 3. the county accepts one and returns the other
        office.goto(f"{app_server.url}/console/rectifications")
        office.get_by_test_id("rectifications-table").wait_for(timeout=15000)
        office.get_by_test_id(f"rectification-open-{tasks[0]}").click()
        office.locator('[data-testid^="panel-photo-"] img').first.wait_for(timeout=15000)
        office.get_by_test_id("panel-accept").click()
        office.get_by_role("button", name="确认验收").click()
        office.get_by_test_id("panel-status").get_by_text("已验收").wait_for(timeout=10000)
        office.locator(".van-popup__close-icon").click()
        office.get_by_test_id(f"rectification-open-{tasks[1]}").click()
        office.get_by_test_id("panel-reason").fill("培训签到表未见，请补充照片")
        office.get_by_test_id("panel-return").click()
        office.get_by_role("button", name="确认退回").click()
        office.get_by_test_id("panel-status").get_by_text("已退回").wait_for(timeout=10000)
        check_screen(office, ["tx_county"])
        screenshot(office, "walk2-05-county-checked.png")
        page.get_by_test_id("fixes-nav").get_by_text("任务").first.click()
        page.get_by_test_id("tasks-sync").click()
        page.get_by_test_id("tasks-fixes").get_by_text("1 项待整改").wait_for(timeout=20000)

        # 4. the city publishes the results of the year
        city_desk = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESK).new_page()
        log_in(city_desk, app_server, "kf_city")
        city_desk.wait_for_url("**/review", timeout=15000)
        city_desk.get_by_test_id("queue-to-notices").click()
        city_desk.get_by_test_id("notices-new").click()
        city_desk.get_by_test_id("notice-preview").click()
        table = city_desk.get_by_test_id("notice-entry-table")
        table.wait_for(timeout=30000)
        assert CENTRE in table.inner_text()
        city_desk.get_by_test_id("notice-contact").fill(CONTACT)
        city_desk.get_by_test_id("notice-create").click()
        city_desk.get_by_role("button", name="确认发布").click()
        city_desk.wait_for_url(re.compile(r".*/console/notices/\d+$"), timeout=30000)
        city_desk.get_by_test_id("notice-entries").wait_for(timeout=15000)
        public_path = city_desk.get_by_test_id("notice-public-link").get_attribute("href")
        assert public_path is not None
        settled(city_desk)
        check_screen(city_desk, city_desk.locator(".console-mono").all_inner_texts())
        screenshot(city_desk, "walk2-06-published.png", full_page=True)
        city_desk.context.close()
    finally:
        phone.close()
        desk.close()

    # 5. the public page, with no login
    stranger = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = stranger.new_page()
        response = page.goto(app_server.url + public_path)
        assert response is not None and response.status == 200
        text = page.inner_text("body")
        assert CENTRE in text and tier["label"] in text and "公示中" in text
        assert "质控员" not in text and "培训签到表" not in text  # nobody's name, no notes
        screenshot(page, "walk2-07-public.png", full_page=True)
    finally:
        stranger.close()

    # 6. after the period, with publication required before payouts, the sheet pays the centre
    admin, _ = app_server.login("kf_admin")
    status, _ = app_server.api("PUT", "/api/payouts/settings/410200", admin, {"requires_publication": True})
    assert status == 200
    age_publications(app_server, 20)
    finance_screen = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESK)
    try:
        page = finance_screen.new_page()
        log_in(page, app_server, "kf_finance")
        page.wait_for_url("**/jobs", timeout=15000)
        page.goto(app_server.url + "/console/payouts")
        page.get_by_test_id("payout-preview").click()
        rows = page.get_by_test_id("payout-rows")
        rows.wait_for(timeout=30000)
        poll(page, lambda: CENTRE in rows.inner_text(), 15, "the centre on the sheet")
        assert re.search(r"150,000|300,000", rows.inner_text())
        numbers = re.findall(r"DB-\d{6}-\d{6}-[0-9A-F]{6}", page.inner_text("body"))
        check_screen(page, [*numbers, "PDF", "XLSX"])
        screenshot(page, "walk2-08-payout.png", full_page=True)
    finally:
        finance_screen.close()
