"""结果公示 in the browser, on a real deployment (gunicorn over PostgreSQL and MinIO, the demo data).

The city administrator of 开封市 (kf_admin) opens 结果公示 from the review queue on a desk
(1366×900), previews the year's results (the demo's finally approved village clinic), fills in
how to object and publishes. Somebody without a login opens the public page on a phone
(390×844) and in print: the clinic, its tier and report number, the period and how to object,
and nobody's name. The administrator records an objection and dismisses it; requires a finished
publication before payouts on the rules page; the payout sheet then holds the clinic back
(尚未公示期满). The publication's days are moved into the past in the database (the clock is
not ours to move in a running server, as tests/api/test_session_clock.py moves a session's
last request), and the sheet pays the clinic; the public page says 公示期满. The finance officer
reads the publication. Screens are checked for English words, raw region codes and cut-off text.
Screenshots go to $DABIAO_SCREENSHOTS.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.browser.server import AppServer, log_in, poll, screenshot, serving
from tests.browser.test_users_console import DESK, PHONE, check_screen

pytestmark = pytest.mark.browser

CLINIC = "城关镇东街村卫生室"
PEOPLE = ("周文华", "李建国", "张卫东", "刘秀英", "陈志强", "赵丽", "王会计", "孙立新")  # the demo's
CONTACT = "如有异议，请于公示期内以书面形式向开封市卫生健康委员会基层卫生科反映。\n联系电话：0371-23456789"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with serving(tmp_path_factory.mktemp("publications-console")) as server:
        yield server


def age_publications(server: AppServer, days: int) -> None:
    """Every publication's period `days` days earlier, as if that much time had passed."""
    engine = sa.create_engine(server.shared["DABIAO_DATABASE_URL"])
    try:
        with engine.begin() as conn:
            rows = conn.execute(sa.text("SELECT id, starts_on, ends_on FROM publications")).all()
            for pid, starts_on, ends_on in rows:
                conn.execute(
                    sa.text("UPDATE publications SET starts_on = :s, ends_on = :e WHERE id = :id"),
                    {
                        "s": starts_on - dt.timedelta(days=days),
                        "e": ends_on - dt.timedelta(days=days),
                        "id": pid,
                    },
                )
            conn.execute(
                sa.text("UPDATE publication_objections SET received_on = received_on - :d"),
                {"d": days},
            )
    finally:
        engine.dispose()


def settled(page: Any) -> None:
    """No dialog, overlay or passing message over the page (before a screenshot)."""
    page.locator(".van-overlay:visible").wait_for(state="detached", timeout=5000)
    poll(page, lambda: page.locator(".van-toast:visible").count() == 0, 5, "the message gone")


def test_the_city_publishes_its_results_and_payouts_wait_for_the_publication(
    browser: Any, app_server: AppServer
) -> None:
    context = browser.new_context(locale="zh-CN", timezone_id="America/Los_Angeles", viewport=DESK)
    page = context.new_page()
    try:
        log_in(page, app_server, "kf_admin")
        page.wait_for_url("**/review", timeout=15000)
        page.get_by_test_id("queue-to-notices").click()
        page.wait_for_url("**/console/notices", timeout=15000)
        page.get_by_test_id("notices-empty").wait_for(timeout=15000)
        check_screen(page, [])
        page.get_by_test_id("notices-new").click()
        page.wait_for_url("**/console/notices/new", timeout=15000)
        page.get_by_test_id("notice-region-0").wait_for(timeout=15000)
        assert page.get_by_test_id("notice-create").is_disabled()
        page.get_by_test_id("notice-preview").click()
        table = page.get_by_test_id("notice-entry-table")
        table.wait_for(timeout=30000)
        assert CLINIC in table.inner_text() and "通许县" in table.inner_text()
        ends = page.get_by_test_id("notice-ends").inner_text()
        assert "7 个工作日" in ends and "节假日" in ends
        assert page.get_by_test_id("notice-title").input_value().endswith("基层医疗卫生机构评审达标结果公示")
        assert page.get_by_test_id("notice-issuer").input_value() == "开封市卫生健康委员会"
        assert page.get_by_test_id("notice-create").is_disabled()  # how to object is still missing
        page.get_by_test_id("notice-contact").fill(CONTACT)
        numbers = page.locator(".console-mono").all_inner_texts()
        check_screen(page, numbers)
        screenshot(page, "notice-new.png", full_page=True)
        page.get_by_test_id("notice-create").click()
        page.get_by_role("button", name="确认发布").click()
        page.wait_for_url(re.compile(r".*/console/notices/\d+$"), timeout=30000)
        entries = page.get_by_test_id("notice-entries")
        entries.wait_for(timeout=15000)
        assert CLINIC in entries.inner_text()
        assert page.get_by_test_id("notice-state").inner_text() == "公示中"
        public_path = page.get_by_test_id("notice-public-link").get_attribute("href")
        assert public_path is not None and public_path.startswith("/public/notices/")

        # an objection, recorded and dismissed
        page.get_by_test_id("entry-object").click()
        form = page.get_by_test_id("objection-form")
        form.get_by_test_id("objection-objector").fill("群众来电（王某）")
        form.get_by_test_id("objection-summary").fill("该村卫生室常年无人值守")
        form.get_by_test_id("objection-submit").click()
        objections = page.get_by_test_id("notice-objections")
        poll(page, lambda: "待处理" in objections.inner_text(), 10, "the objection recorded")
        page.get_by_test_id("objection-decide").click()
        decide = page.get_by_test_id("decide-form")
        decide.get_by_test_id("decide-submit").click()
        assert decide.get_by_test_id("decide-error").inner_text() == "请选择处理结果"
        decide.get_by_test_id("decide-dismissed").check()
        decide.get_by_test_id("decide-reason").fill("经现场核实，该卫生室按时开诊")
        screenshot(page, "notice-decide.png")
        decide.get_by_test_id("decide-submit").click()
        poll(page, lambda: "异议不成立" in objections.inner_text(), 10, "the objection decided")
        settled(page)
        numbers = page.locator(".console-mono").all_inner_texts()
        check_screen(page, numbers)
        screenshot(page, "notice-desk.png", full_page=True)

        # payouts wait for the publication
        page.goto(app_server.url + "/console/payout-rules")
        page.get_by_test_id("publication-setting-toggle").check()
        state = page.get_by_test_id("publication-setting-state")
        poll(page, lambda: "已要求" in state.inner_text(), 10, "the requirement set")
        settled(page)
        screenshot(page, "payout-rules-publication.png", full_page=True)
        page.goto(app_server.url + "/console/payouts")
        page.get_by_test_id("payout-preview").click()
        held = page.get_by_test_id("payout-held")
        held.wait_for(timeout=30000)
        assert "尚未公示期满 1 个" in held.inner_text()
        assert page.get_by_test_id("payout-rows").count() == 0
        check_screen(page, [])
        screenshot(page, "payouts-held.png", full_page=True)

        age_publications(app_server, 20)
        page.get_by_test_id("payout-preview").click()
        rows = page.get_by_test_id("payout-rows")
        rows.wait_for(timeout=30000)
        assert CLINIC in rows.inner_text()
        assert page.get_by_test_id("payout-held").count() == 0
        page.goto(app_server.url + "/console/notices")
        page.get_by_test_id("notices-table").wait_for(timeout=15000)
        assert page.get_by_test_id("notice-state").inner_text() == "公示期满"
        check_screen(page, [])
        screenshot(page, "notices-desk.png", full_page=True)
    finally:
        context.close()

    # the public page: no login, on a phone and in print
    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = phone.new_page()
        response = page.goto(app_server.url + public_path)
        assert response is not None and response.status == 200
        text = page.inner_text("body")
        for shown in (
            CLINIC,
            "开封市卫生健康委员会",
            "7 个工作日",
            "公示期满",
            "0371-23456789",
            "DB-410222-",
        ):
            assert shown in text, shown
        for hidden in (*PEOPLE, "王某", "无人值守", "按时开诊", "kf_admin"):
            assert hidden not in text, hidden
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow == 0
        screenshot(page, "notice-public-phone.png", full_page=True)
        missing = page.goto(app_server.url + "/public/notices/not-a-token")
        assert missing is not None and missing.status == 404
        assert "未找到该公示" in page.inner_text("body")
    finally:
        phone.close()
    desk = browser.new_context(locale="zh-CN", viewport=DESK)
    try:
        page = desk.new_page()
        page.goto(app_server.url + public_path)
        screenshot(page, "notice-public-desk.png", full_page=True)
        page.emulate_media(media="print")
        assert page.evaluate("() => getComputedStyle(document.querySelector('.sheet')).paddingTop") == "0px"
        screenshot(page, "notice-public-print.png", full_page=True)
        folder = os.environ.get("DABIAO_SCREENSHOTS")
        if folder:  # the page as a browser prints it (A4, its @page margins)
            page.pdf(path=str(Path(folder) / "notice-public-print.pdf"), prefer_css_page_size=True)
    finally:
        desk.close()

    # finance reads it from their home page, on a phone
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        log_in(page, app_server, "kf_finance")
        page.wait_for_url("**/jobs", timeout=15000)
        page.get_by_test_id("jobs-to-notices").click()
        page.wait_for_url("**/console/notices", timeout=15000)
        page.get_by_test_id("notices-table").wait_for(timeout=15000)
        settled(page)
        assert page.get_by_test_id("notices-new").count() == 0
        check_screen(page, [])
        screenshot(page, "notices-phone.png", full_page=True)
        page.get_by_test_id("notice-open").click()
        page.get_by_test_id("notice-entries").wait_for(timeout=15000)
        settled(page)
        assert page.get_by_test_id("entry-object").count() == 0  # finance reads, records nothing
        assert "经现场核实" in page.get_by_test_id("notice-objections").inner_text()
        check_screen(page, page.locator(".console-mono").all_inner_texts())
        screenshot(page, "notice-phone.png", full_page=True)
    finally:
        context.close()


def test_the_administrator_names_who_issues_a_countys_documents(browser: Any, app_server: AppServer) -> None:
    context = browser.new_context(locale="zh-CN", timezone_id="America/Los_Angeles", viewport=DESK)
    page = context.new_page()
    try:
        log_in(page, app_server, "kf_admin")
        page.wait_for_url("**/review", timeout=15000)
        page.goto(app_server.url + "/console/payout-rules")
        state = page.get_by_test_id("issuing-body-state")
        poll(page, lambda: "开封市卫生健康委员会" in state.inner_text(), 15, "the city's issuing body")
        assert "默认名称" in state.inner_text()
        page.get_by_test_id("issuer-region-0").select_option(label="通许县")
        poll(page, lambda: "通许县卫生健康委员会" in state.inner_text(), 15, "the county's issuing body")
        page.get_by_test_id("issuing-body-name").fill("通许县卫生健康局")
        page.get_by_test_id("issuing-body-save").click()
        poll(page, lambda: "由“通许县卫生健康局”出具" in state.inner_text(), 10, "the name saved")
        assert "默认名称" not in state.inner_text()
        settled(page)
        check_screen(page, [])
        screenshot(page, "payout-rules-issuing-body.png", full_page=True)
        page.get_by_test_id("issuing-body-name").fill("")
        page.get_by_test_id("issuing-body-save").click()
        poll(page, lambda: "通许县卫生健康委员会" in state.inner_text(), 10, "the default back")
        assert "默认名称" in state.inner_text()
    finally:
        context.close()
