"""奖补资金 and 市级抽样复核 in the browser, on a real deployment (gunicorn over PostgreSQL and MinIO,
the demo data).

The city reviewer (kf_city) follows the demo's sample and is told a new one has nothing left to
draw from. The city administrator of 开封市 (kf_admin) opens 奖补资金 from the review queue on a desk
(1366×900), previews the city's sheet for the year (the rows and totals its files carry), records
it after a confirmation, and records it again to no effect; reads the reward rules and adds one
for 通许县. The finance officer (kf_finance) reaches the same screen from their home page, sees
the recorded sheet in the history, cannot record, and downloads the spreadsheet. Screens are
checked for English words, raw region codes and cut-off text. Screenshots go to
$DABIAO_SCREENSHOTS.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from tests.browser.server import AppServer, log_in, poll, screenshot, serving
from tests.browser.test_users_console import DESK, check_screen

pytestmark = pytest.mark.browser

APPROVED_CLINIC = "城关镇东街村卫生室"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with serving(tmp_path_factory.mktemp("payouts-console")) as server:
        yield server


def test_the_city_records_its_sheet_and_finance_downloads_it(browser: Any, app_server: AppServer) -> None:
    context = browser.new_context(locale="zh-CN", timezone_id="America/Los_Angeles", viewport=DESK)
    page = context.new_page()
    try:
        log_in(page, app_server, "kf_admin")
        page.wait_for_url("**/review", timeout=15000)
        page.get_by_test_id("queue-to-payouts").click()
        page.wait_for_url("**/console/payouts", timeout=15000)
        page.get_by_test_id("payout-history").or_(page.get_by_text("还没有登记过奖补资金")).first.wait_for(
            timeout=15000
        )
        page.get_by_test_id("payout-preview").click()
        rows = page.get_by_test_id("payout-rows")
        rows.wait_for(timeout=30000)
        assert APPROVED_CLINIC in rows.inner_text()
        assert "开封市 " in rows.inner_text() and "元，补差" in rows.inner_text()  # the rule, by name
        sums = page.get_by_test_id("payout-sums").inner_text()
        assert sums.startswith("合计") and "1 家机构" in sums
        check_screen(page, ["kf_admin", *page.locator(".console-mono").all_inner_texts()])
        screenshot(page, "payouts-preview.png", full_page=True)

        page.get_by_test_id("payout-record").click()
        confirm = page.get_by_test_id("record-confirm")
        assert "将登记" in confirm.inner_text() and "1 家机构" in confirm.inner_text()
        screenshot(page, "payouts-confirm.png")
        confirm.get_by_test_id("record-submit").click()
        history = page.get_by_test_id("payout-history")
        history.wait_for(timeout=15000)
        poll(page, lambda: "开封市" in history.inner_text(), 10, "the recorded sheet in the history")
        assert page.get_by_test_id("payout-record").inner_text() == "已全部登记"
        assert page.get_by_test_id("payout-record").is_disabled()

        page.get_by_test_id("payouts-to-rules").click()
        page.wait_for_url("**/console/payout-rules", timeout=15000)
        table = page.get_by_test_id("rules-table")
        table.wait_for(timeout=15000)
        assert "开封市" in table.inner_text() and "补差" in table.inner_text()
        page.get_by_test_id("rules-add").click()
        form = page.get_by_test_id("rule-form")
        form.get_by_test_id("rule-region-0").select_option(label="通许县")
        form.get_by_test_id("rule-amount").fill("一万")
        form.get_by_test_id("rule-submit").click()
        assert "请填写以元为单位的整数金额" in form.inner_text()
        form.get_by_test_id("rule-amount").fill("180000")
        form.get_by_test_id("rule-note").fill("县财政配套 3 万元")
        screenshot(page, "payout-rule-add.png")
        form.get_by_test_id("rule-submit").click()
        poll(page, lambda: "县财政配套 3 万元" in table.inner_text(), 10, "the new rule")
        check_screen(page, ["kf_admin", *page.locator(".console-mono").all_inner_texts()])
        screenshot(page, "payout-rules.png", full_page=True)
    finally:
        context.close()

    context = browser.new_context(
        locale="zh-CN", timezone_id="America/Los_Angeles", viewport=DESK, accept_downloads=True
    )
    page = context.new_page()
    try:
        log_in(page, app_server, "kf_finance")
        page.wait_for_url("**/jobs", timeout=15000)
        page.get_by_test_id("jobs-to-payouts").click()
        page.wait_for_url("**/console/payouts", timeout=15000)
        history = page.get_by_test_id("payout-history")
        history.wait_for(timeout=15000)
        assert "周文华" in history.inner_text()  # who recorded it, by name
        page.get_by_test_id("payout-preview").click()
        page.get_by_test_id("payout-rows").wait_for(timeout=30000)
        assert page.get_by_test_id("payout-record").count() == 0  # finance reads, records nothing
        with page.expect_download(timeout=30000) as download:
            page.get_by_test_id("payout-xlsx").click()
        assert download.value.suggested_filename.endswith(".xlsx")
        data = download.value.path().read_bytes()
        cells = [
            str(c) for row in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True) for c in row
        ]
        assert APPROVED_CLINIC in cells
        check_screen(page, ["kf_admin", *page.locator(".console-mono").all_inner_texts()])
        screenshot(page, "payouts-finance.png", full_page=True)
    finally:
        context.close()


def test_the_city_follows_its_samples_and_draws_from_a_period(browser: Any, app_server: AppServer) -> None:
    context = browser.new_context(locale="zh-CN", timezone_id="America/Los_Angeles", viewport=DESK)
    page = context.new_page()
    try:
        log_in(page, app_server, "kf_city")
        page.wait_for_url("**/review", timeout=15000)
        page.get_by_test_id("queue-to-samples").click()
        page.wait_for_url("**/console/samples", timeout=15000)
        table = page.get_by_test_id("samples-table")
        table.wait_for(timeout=15000)
        assert "第 1 次" in table.inner_text() and "李建国" in table.inner_text()  # the demo's sample
        table.get_by_test_id("sample-show").first.click()
        opened = page.get_by_test_id("sample-open")
        opened.wait_for(timeout=10000)
        assert "20261128" in page.get_by_test_id("sample-seed-shown").inner_text()
        assert "通许县" in page.get_by_test_id("sample-rows").inner_text()
        assert "待复核" in page.get_by_test_id("sample-rows").inner_text()
        # everything the county approved was drawn already: a new sample has nothing to draw from
        page.get_by_test_id("sample-draw").click()
        error = page.get_by_test_id("sample-error")
        error.wait_for(timeout=10000)
        assert error.inner_text() == "此期间没有尚未抽取过的县级审核通过评审可供抽样"
        page.get_by_test_id("sample-amount").fill("200")
        page.get_by_test_id("sample-draw").click()
        poll(page, lambda: error.inner_text() == "比例应为 1～100 的整数", 5, "the rate checked")
        check_screen(page, [])
        screenshot(page, "samples.png", full_page=True)
    finally:
        context.close()
