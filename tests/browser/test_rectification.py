"""Rectification (整改) in the browser, on a real server (gunicorn, PostgreSQL, MinIO, the demo):

1. the facility's user (tx_self) opens its tasks on a phone (390×844), loses the network, fixes
   two of them with a note and a photo each, and submits both offline;
2. back online, the app sends the photos and then the submissions, once each;
3. the county reviewer (tx_county) at a desk (1366×900) sees them under 待核验 with the photos,
   accepts one and returns the other with a reason;
4. the phone syncs: one task is 已验收, the other 已退回 with the county's reason.
Every screen is checked for English words, raw region codes and cut-off text; screenshots go to
$DABIAO_SCREENSHOTS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from server.domain.times import CHINA_ZONE
from tests.browser.conftest import DESK, PHONE
from tests.browser.server import AppServer, idb, log_in, poll, screenshot, serving
from tests.browser.test_users_console import check_screen
from tests.photos import jpeg

pytestmark = pytest.mark.browser

# Words of the 三大件 checklist's own text (its items name DR and SOP), not of the app.
CHECKLIST_WORDS = ["SOP", "DR"]


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with serving(tmp_path_factory.mktemp("rectification")) as server:
        yield server


def fix_offline(page: Any, task_id: int, note: str, picture: Path) -> None:
    page.get_by_test_id(f"fix-{task_id}").click()
    page.get_by_test_id("fix-note").locator("textarea").fill(note)
    page.get_by_test_id("fix-photo-input").set_input_files(str(picture))
    page.locator('[data-testid^="fix-thumb-"]').first.wait_for(timeout=15000)
    page.get_by_test_id("fix-submit").click()
    page.get_by_role("button", name="提交", exact=True).click()
    page.get_by_test_id("fix-status").get_by_text("已提交，待同步").wait_for(timeout=10000)
    page.locator(".van-overlay").wait_for(state="hidden", timeout=5000)


def test_a_facility_fixes_offline_and_the_county_checks(
    browser: Any, app_server: AppServer, tmp_path: Path
) -> None:
    phone = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE, is_mobile=True, has_touch=True
    )
    desk = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESK)
    try:
        page = phone.new_page()
        log_in(page, app_server, "tx_self")
        page.wait_for_url("**/tasks", timeout=15000)
        entry = page.get_by_test_id("tasks-fixes")
        entry.get_by_text("7 项待整改").wait_for(timeout=20000)  # the demo's 三大件 result
        screenshot(page, "rectification-01-tasks.png")
        entry.click()
        page.wait_for_url("**/fixes", timeout=15000)
        page.get_by_test_id("fixes-todo").wait_for(timeout=15000)
        tasks = sorted(int(r["id"]) for r in idb(page, "fixes"))
        assert len(tasks) == 7
        check_screen(page, ["tx_self", *CHECKLIST_WORDS])
        screenshot(page, "rectification-02-list.png", full_page=True)

        # No signal: the fixes are written on the phone.
        # the app's files are installed for offline use before the signal goes
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        page.reload()
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
        page.get_by_test_id("fixes-todo").wait_for(timeout=15000)
        phone.set_offline(True)
        now = dt.datetime.now(CHINA_ZONE)
        picture = tmp_path / "fix.jpg"
        picture.write_bytes(jpeg(1600, 1200, taken=f"{now:%Y:%m:%d %H:%M:%S}", seed=11))
        fix_offline(page, tasks[0], "已更换损坏的设备电源线，并补全维护记录", picture)
        check_screen(page, ["tx_self", *CHECKLIST_WORDS])
        screenshot(page, "rectification-03-offline-submitted.png", full_page=True)
        page.get_by_test_id("fix-nav").get_by_text("整改任务").click()
        second = tmp_path / "fix2.jpg"
        second.write_bytes(jpeg(1200, 1600, taken=f"{now:%Y:%m:%d %H:%M:%S}", seed=12))
        fix_offline(page, tasks[1], "已建立每日质控记录本并由专人签字", second)
        assert len(idb(page, "fixOutbox")) == 4  # two photos, two submissions, nothing sent

        # Back online: photos first, then the submissions; nothing twice.
        phone.set_offline(False)
        page.get_by_test_id("fix-nav").get_by_text("整改任务").click()
        poll(page, lambda: not idb(page, "fixOutbox"), 90, "the rectifications to be sent")
        sent = {r["id"]: r["task"]["status"] for r in idb(page, "fixes")}
        assert sent[tasks[0]] == sent[tasks[1]] == "submitted"
        page.get_by_test_id("fixes-waiting").wait_for(timeout=10000)
        screenshot(page, "rectification-04-synced.png", full_page=True)

        # The county checks at its desk.
        office = desk.new_page()
        log_in(office, app_server, "tx_county")
        office.wait_for_url("**/review", timeout=15000)
        office.get_by_test_id("queue-to-rectifications").click()
        office.wait_for_url("**/console/rectifications", timeout=15000)
        office.get_by_test_id("rectifications-table").wait_for(timeout=15000)
        assert office.locator('[data-testid^="rectification-open-"]').count() == 2
        check_screen(office, ["tx_county", *CHECKLIST_WORDS])
        screenshot(office, "rectification-05-desk-list.png")
        office.get_by_test_id(f"rectification-open-{tasks[0]}").click()
        panel = office.get_by_test_id("rectification-panel")
        panel.get_by_text("已更换损坏的设备电源线").wait_for(timeout=10000)
        panel.locator('[data-testid^="panel-photo-"] img').first.wait_for(timeout=15000)
        check_screen(office, ["tx_county", *CHECKLIST_WORDS])
        screenshot(office, "rectification-06-desk-panel.png")
        office.get_by_test_id("panel-accept").click()
        office.get_by_role("button", name="确认验收").click()
        office.get_by_test_id("panel-status").get_by_text("已验收").wait_for(timeout=10000)
        office.locator(".van-popup__close-icon").click()
        office.get_by_test_id(f"rectification-open-{tasks[1]}").click()
        office.get_by_test_id("panel-return").click()
        office.get_by_test_id("panel-error").get_by_text("请写明退回原因").wait_for(timeout=5000)
        office.get_by_test_id("panel-reason").fill("照片未显示签字，请补拍质控记录本签字页")
        office.get_by_test_id("panel-return").click()
        office.get_by_role("button", name="确认退回").click()
        office.get_by_test_id("panel-status").get_by_text("已退回").wait_for(timeout=10000)
        screenshot(office, "rectification-07-desk-returned.png")
        office.locator(".van-popup__close-icon").click()
        office.get_by_test_id("fixes-tab-all").click()
        office.get_by_test_id(f"rectification-{tasks[6]}").wait_for(timeout=10000)
        with office.expect_download() as download:
            office.get_by_test_id("rectifications-export").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.name.startswith("整改清单-")
        rows = list(load_workbook(saved)["整改清单"].iter_rows(values_only=True))
        states = sorted(r[10] for r in rows[3:])
        assert states == ["已退回", "已验收", *["待整改"] * 5]

        # The phone learns both decisions at its next sync.
        page.get_by_test_id("fixes-nav").get_by_text("任务").first.click()
        page.get_by_test_id("tasks-sync").click()
        page.get_by_test_id("tasks-fixes").click()
        page.get_by_test_id("fixes-done").wait_for(timeout=20000)
        page.get_by_test_id(f"fix-{tasks[1]}").click()
        page.get_by_test_id("fix-returned").get_by_text("请补拍质控记录本签字页").wait_for(timeout=10000)
        check_screen(page, ["tx_self", "tx_county", *CHECKLIST_WORDS])
        screenshot(page, "rectification-08-returned.png", full_page=True)
    finally:
        phone.close()
        desk.close()
