"""评审计划 and 机构管理 in the browser, on a real deployment (gunicorn over PostgreSQL and MinIO,
the demo data).

The county reviewer of 通许县 (tx_county) opens 评审计划 from the review queue on a desk
(1366×900), starts a plan, finds the county's 乡卫生院 by kind, adds them, gives them all a team
of two and a date, and is shown on its row the facility whose date lies outside the period; fixes
it and creates the plan. The plan's page lists every facility as 未开始; a visit gets a new date.
One facility comes from the bureau's own list (a CSV), whose unreadable row is shown. An
inspector then finds the planned visit among their tasks on a phone. Screens are checked for
English words, raw region codes and cut-off text. Screenshots go to $DABIAO_SCREENSHOTS.

The same reviewer finds a facility by kind, reads its identifiers (the USCC's check character
holds), its inspections over the years, and corrects one of its facts with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.server import AppServer, log_in, poll, screenshot, serving
from tests.browser.test_users_console import DESK, PHONE, check_screen

pytestmark = pytest.mark.browser

TOWNSHIP_CENTRES = ("通许县城关镇卫生院", "通许县四所楼镇卫生院", "通许县朱砂镇卫生院", "通许县冯庄乡卫生院")


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with serving(tmp_path_factory.mktemp("plans-console")) as server:
        yield server


def test_a_county_reviewer_plans_the_countys_visits(
    browser: Any, app_server: AppServer, tmp_path: Path
) -> None:
    context = browser.new_context(locale="zh-CN", timezone_id="America/Los_Angeles", viewport=DESK)
    page = context.new_page()
    try:
        log_in(page, app_server, "tx_county")
        page.wait_for_url("**/review", timeout=15000)
        page.get_by_test_id("queue-to-plans").click()
        page.wait_for_url("**/console/plans", timeout=15000)
        page.get_by_test_id("plans-empty").wait_for(timeout=15000)
        page.get_by_test_id("plans-new").click()
        page.wait_for_url("**/console/plans/new", timeout=15000)

        page.get_by_test_id("plan-name").fill("2026 年通许县乡卫生院优质服务基层行县级评审")
        page.get_by_test_id("plan-starts").fill("2026-12-01")
        page.get_by_test_id("plan-ends").fill("2026-12-31")
        checklist = page.get_by_test_id("plan-checklist")
        poll(page, lambda: checklist.locator("option").count() > 0, 10, "the checklists")
        checklist.select_option(
            label="优质服务基层行 乡镇卫生院/社区卫生服务中心服务能力评价（2023版·示例）（第 1 版）"
        )
        assert page.get_by_test_id("plan-kind").is_disabled()  # a county plans county visits

        page.get_by_test_id("find-type").select_option(label="乡卫生院")
        table = page.get_by_test_id("find-table")
        table.wait_for(timeout=15000)
        poll(page, lambda: table.locator("tbody tr").count() == len(TOWNSHIP_CENTRES), 10, "the 乡卫生院")
        page.get_by_test_id("find-pick-all").click()
        page.get_by_test_id("find-add").click()
        draft = page.get_by_test_id("draft-table")
        assert draft.locator("tbody tr").count() == len(TOWNSHIP_CENTRES)
        assert page.get_by_test_id("plan-create").is_disabled()  # no team, no date yet
        # one more from the bureau's own list, with its own day; a row it cannot read is shown
        listed = tmp_path / "名单.csv"
        listed.write_text(
            "机构名称,检查员,计划日期\n通许县玉皇庙镇中心卫生院,tx_inspector1、陈志强,2026/12/15\n"
            "通许县不存在卫生院,刘秀英,2026-12-16\n"
            "城关镇东街村卫生室,刘秀英,2026-12-16\n",  # a clinic: not for this checklist
            encoding="utf-8",
        )
        page.get_by_test_id("plan-list-file").set_input_files(str(listed))
        note = page.get_by_test_id("plan-list-note")
        note.wait_for(timeout=15000)
        assert "2 行已加入计划，1 行有问题未加入" in note.inner_text()
        refused = page.get_by_test_id("plan-list-refused")
        assert (
            "第 3 行" in refused.inner_text()
            and "本辖区没有名为“通许县不存在卫生院”的机构" in refused.inner_text()
        )
        assert draft.locator("tbody tr").count() == len(TOWNSHIP_CENTRES) + 2
        centre = page.get_by_test_id("draft-table").locator("tbody tr", has_text="通许县玉皇庙镇中心卫生院")
        assert "2026-12-15" in centre.inner_text()

        page.get_by_test_id("draft-all").click()
        page.get_by_test_id("bulk-inspector-tx_inspector1").check()
        page.get_by_test_id("bulk-inspector-tx_inspector2").check()
        page.get_by_test_id("bulk-date").fill("2026-12-10")
        page.get_by_test_id("bulk-apply").click()
        assert "刘秀英、陈志强" in draft.inner_text()
        # one facility later, on a day outside the period
        page.get_by_test_id("draft-all").click()  # none chosen
        first = draft.locator("tbody tr").first
        first.get_by_role("checkbox").click()
        page.get_by_test_id("bulk-date").fill("2027-01-05")
        page.get_by_test_id("bulk-apply").click()
        assert "1 家机构的计划日期不在计划期限内" in page.inner_text("body")  # said before sending
        assert page.get_by_test_id("plan-create").is_disabled()
        check_screen(page, ["tx_inspector1", "tx_inspector2"])
        screenshot(page, "plan-new.png", full_page=True)
        page.get_by_test_id("bulk-date").fill("2026-12-18")
        page.get_by_test_id("bulk-apply").click()

        # the server checks every row: the clinic is refused on its row, nothing is created
        page.get_by_test_id("plan-create").click()
        error = page.get_by_test_id("plan-error")
        error.wait_for(timeout=15000)
        assert error.inner_text() == "评审计划有 1 处问题，未创建任何检查"
        clinic = draft.locator("tbody tr", has_text="城关镇东街村卫生室")
        assert "不适用于此类机构" in clinic.get_by_test_id("draft-problem").inner_text()
        screenshot(page, "plan-new-refused.png", full_page=True)
        clinic.get_by_role("button", name="移出").click()
        page.get_by_test_id("plan-create").click()

        page.wait_for_url("**/console/plans/*", timeout=15000)
        entries = page.get_by_test_id("plan-entries")
        entries.wait_for(timeout=15000)
        assert entries.locator("tbody tr").count() == len(TOWNSHIP_CENTRES) + 1
        assert page.get_by_test_id("plan-status").inner_text() == "进行中"
        for name in TOWNSHIP_CENTRES:
            assert name in entries.inner_text()
        assert set(entries.get_by_test_id("entry-progress").all_inner_texts()) == {"未开始"}
        check_screen(page, [])
        screenshot(page, "plan-page.png", full_page=True)

        # a visit nobody has started gets a new date
        row = entries.locator("tbody tr").last
        row.get_by_test_id("entry-change").click()
        form = page.get_by_test_id("change-form")
        form.get_by_test_id("change-inspector-tx_inspector2").uncheck()
        form.get_by_test_id("change-date").fill("2026-12-22")
        form.get_by_test_id("change-reason").fill("陈志强出差")
        screenshot(page, "plan-change.png")
        form.get_by_test_id("change-submit").click()
        poll(page, lambda: row.get_by_test_id("entry-date").inner_text() == "2026-12-22", 10, "the new date")
        assert row.get_by_test_id("entry-team").inner_text() == "刘秀英"

        page.locator(".van-nav-bar__left").click()
        page.wait_for_url("**/console/plans", timeout=15000)
        plans = page.get_by_test_id("plans-table")
        plans.wait_for(timeout=15000)
        assert "未开始 5" in plans.inner_text() and "5 家" in plans.inner_text()
        check_screen(page, [])
        screenshot(page, "plans-list.png")
    finally:
        context.close()

    phone = browser.new_context(locale="zh-CN", timezone_id="America/Los_Angeles", viewport=PHONE)
    page = phone.new_page()
    try:
        log_in(page, app_server, "tx_inspector1")
        page.wait_for_url("**/tasks", timeout=15000)
        poll(
            page,
            lambda: "通许县冯庄乡卫生院" in page.inner_text("body"),
            20,
            "the planned visit among the tasks",
        )
        screenshot(page, "plan-inspector-tasks.png")
    finally:
        phone.close()


def test_a_county_reviewer_finds_a_facility_and_corrects_a_fact(browser: Any, app_server: AppServer) -> None:
    context = browser.new_context(locale="zh-CN", timezone_id="America/Los_Angeles", viewport=DESK)
    page = context.new_page()
    try:
        log_in(page, app_server, "tx_county")
        page.wait_for_url("**/review", timeout=15000)
        page.get_by_test_id("queue-to-facilities").click()
        page.wait_for_url("**/console/facilities", timeout=15000)
        table = page.get_by_test_id("facilities-table")
        table.wait_for(timeout=15000)
        assert "兰考" not in table.inner_text()  # the county's own facilities only
        page.get_by_test_id("facilities-type").select_option(label="中心卫生院")
        poll(page, lambda: table.locator("tbody tr").count() == 2, 10, "the 中心卫生院")
        identifiers = page.locator(".console-mono").all_inner_texts()  # USCCs: codes, not words
        check_screen(page, identifiers, codes=True)
        screenshot(page, "facilities-list.png")
        table.get_by_role("link", name="通许县竖岗镇中心卫生院").click()
        page.wait_for_url("**/console/facilities/*", timeout=15000)
        identity = page.get_by_test_id("facility-identity")
        identity.wait_for(timeout=15000)
        assert "河南省 开封市 通许县 竖岗镇" in identity.inner_text()
        assert page.get_by_test_id("uscc-ok").inner_text() == "校验位正确"
        history = page.get_by_test_id("facility-history")
        assert "市级复核中" in history.inner_text() and "机构自评" in history.inner_text()

        page.get_by_test_id("facts-edit").click()
        form = page.get_by_test_id("facts-form")
        form.get_by_test_id("fact-input-medical_staff").fill("四十")
        form.get_by_test_id("facts-submit").click()
        assert "请填写整数" in form.inner_text()
        form.get_by_test_id("fact-input-medical_staff").fill("48")
        form.get_by_test_id("facts-submit").click()
        assert form.get_by_test_id("facts-error").inner_text() == "请填写修改原因（至少 2 个字）"
        form.get_by_test_id("facts-reason").fill("按 2026 年卫生统计年报核实")
        screenshot(page, "facility-facts-edit.png")
        form.get_by_test_id("facts-submit").click()
        fact = page.get_by_test_id("fact-medical_staff")
        poll(page, lambda: "48" in fact.inner_text(), 10, "the new value")
        check_screen(page, page.locator(".console-mono").all_inner_texts(), codes=True)
        screenshot(page, "facility-page.png", full_page=True)
    finally:
        context.close()
