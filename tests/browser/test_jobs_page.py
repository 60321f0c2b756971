"""The 后台任务 page on a real deployment: gunicorn over PostgreSQL and MinIO with a job worker
beside it (`flask jobs worker`, jobs queued, not inline). A city reviewer of 开封市 asks for the
city's payout sheet as PDF and as XLSX on a desk (1366×900), watches the jobs go from queued to
finished, downloads both files through the app (with the session's token) and checks their bytes;
asking for the same sheet again reuses the first file. The browser runs in another time zone: the
page must still show China time. Screenshots at 1366×900 and 390×844 go to $DABIAO_SCREENSHOTS.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from tests.browser.server import (
    JOB_CARDS,
    AppServer,
    ask_sheet,
    download_job,
    first_job,
    log_in,
    poll,
    screenshot,
    serving,
    wait_job,
)
from tests.browser.test_chinese_everywhere import TEXT, english_words

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
CHINA = ZoneInfo("Asia/Shanghai")
# A report's number (server/domain/report.py), in a report job's title: a code people quote.
REPORT_NUMBER = re.compile(r"\bDB-\d{6}-\d{6}-[0-9A-F]{6}\b")
JOB_TIMEOUT = 180.0  # a worker's first child process starts, lays out the PDF, stores it


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with serving(tmp_path_factory.mktemp("jobs-page"), jobs_worker=True) as server:
        yield server


def context_of(browser: Any, viewport: dict[str, int], **extra: Any) -> Any:
    # far from China on purpose: times on screen must not follow the browser's zone
    return browser.new_context(
        locale="zh-CN", timezone_id="America/Los_Angeles", viewport=viewport, accept_downloads=True, **extra
    )


def job_id(card: Any) -> int:
    return int(str(card.get_attribute("data-testid")).removeprefix("job-"))


def wait_finished(page: Any, card: Any, server: AppServer) -> str:
    try:
        return wait_job(page, card, JOB_TIMEOUT)
    except AssertionError:
        raise AssertionError(
            f"job still running; worker log:\n{server.worker_log.read_text()[-3000:]}"
        ) from None


def download(page: Any, card: Any, tmp: Path) -> tuple[str, bytes]:
    saved = download_job(page, card, tmp)
    return saved.name, saved.read_bytes()


def china(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def utc(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")


def check_screen(page: Any, server: AppServer, token: str) -> None:
    """No English word, no raw id or region code, every time in China time, nothing wider than
    the window."""
    text = REPORT_NUMBER.sub(" ", page.evaluate(TEXT))
    words = english_words(text)
    assert words == [], [line for line in text.splitlines() if any(w in line for w in words)]
    status, listing = server.api("GET", "/api/jobs", token)
    assert status == 200, listing
    for job in listing["jobs"]:
        assert f"#{job['id']}" not in text and job["region_code"] not in text
        assert china(job["created_at"]) in text
        if china(job["created_at"]) != utc(job["created_at"]):
            assert utc(job["created_at"]) not in text
    overflow = page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth
          const wide = [...document.querySelectorAll('.jobs-page *')].filter((el) => {
            const box = el.getBoundingClientRect()
            return box.width > 0 && (box.right > width + 1 || box.left < -1)
          })
          const names = wide.map((el) => el.className).slice(0, 5)
          return { page: document.documentElement.scrollWidth - width, wide: names }
        }"""
    )
    assert overflow == {"page": 0, "wide": []}, overflow


def test_a_city_reviewer_makes_and_downloads_the_citys_payout_sheets(
    browser: Any, app_server: AppServer, tmp_path: Path
) -> None:
    token, _ = app_server.login("kf_city")
    context = context_of(browser, DESK)
    page = context.new_page()
    try:
        log_in(page, app_server, "kf_city")
        page.wait_for_url("**/review", timeout=15000)
        page.get_by_test_id("queue-to-jobs").click()
        page.wait_for_url("**/jobs", timeout=15000)
        page.locator(
            '[data-testid="jobs-empty"], [data-testid="jobs-end"], [data-testid="jobs-more"]'
        ).first.wait_for(timeout=15000)
        earlier = page.locator(JOB_CARDS).count()  # reports queued by the seed, if any
        region = page.get_by_test_id("sheet-region-0")
        assert region.locator("option:checked").inner_text() == "开封市（全部）"
        assert page.get_by_test_id("sheet-summary").inner_text().startswith("开封市 · ")

        # PDF: the job shows at once, queued, with its progress; then it finishes
        pdf_card = ask_sheet(page, "pdf")
        assert pdf_card.get_attribute("data-state") in ("queued", "running")
        assert pdf_card.get_by_test_id("job-progress").is_visible()
        assert "奖补资金分配表" in pdf_card.get_by_test_id("job-title").inner_text()
        screenshot(page, "jobs-desk-queued.png")
        poll(
            page,
            lambda: pdf_card.get_attribute("data-state") != "queued",
            JOB_TIMEOUT,
            "the worker taking the job",
        )
        if pdf_card.get_attribute("data-state") == "running":  # the bar and stage as the worker reports them
            screenshot(page, "jobs-desk-running.png")
        assert wait_finished(page, pdf_card, app_server) == "succeeded", pdf_card.inner_text()
        assert pdf_card.get_by_test_id("job-state").inner_text() == "已完成"
        pdf_id = job_id(pdf_card)
        name, data = download(page, pdf_card, tmp_path)
        assert data.startswith(b"%PDF-"), data[:20]
        assert name.endswith(".pdf")
        status, pdf_job = app_server.api("GET", f"/api/jobs/{pdf_id}", token)
        assert status == 200 and pdf_job["result"]["size"] == len(data)
        assert name == pdf_job["result"]["filename"]

        # XLSX: a second job above the first
        xlsx_card = ask_sheet(page, "xlsx")
        assert job_id(xlsx_card) != pdf_id
        assert wait_finished(page, xlsx_card, app_server) == "succeeded", xlsx_card.inner_text()
        name, data = download(page, xlsx_card, tmp_path)
        assert name.endswith(".xlsx")
        assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
        sheet = load_workbook(io.BytesIO(data), read_only=True).active
        assert sheet is not None
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) >= 2
        assert any("开封市" in str(cell) for row in rows for cell in row if cell)

        # the same PDF again: a new job, whose result is the first file
        again = ask_sheet(page, "pdf")
        assert wait_finished(page, again, app_server) == "succeeded"
        assert again.get_by_test_id("job-reused").inner_text() == "沿用已生成的相同结果"
        _, same = download(page, again, tmp_path)
        status, first = app_server.api("GET", f"/api/jobs/{pdf_id}", token)
        assert same[:5] == b"%PDF-" and len(same) == first["result"]["size"]

        assert page.locator('[data-testid^="job-"][data-state]').count() == earlier + 3
        check_screen(page, app_server, token)
        screenshot(page, "jobs-desk.png")
    finally:
        context.close()

    phone = context_of(browser, PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    try:
        log_in(page, app_server, "kf_city")
        page.wait_for_url("**/review", timeout=15000)
        page.goto(app_server.url + "/jobs")
        first_job(page).wait_for(timeout=15000)
        check_screen(page, app_server, token)
        screenshot(page, "jobs-phone.png")
        screenshot(page, "jobs-phone-full.png", full_page=True)
    finally:
        phone.close()


def test_a_county_reviewer_asks_only_for_the_countys_sheet(browser: Any, app_server: AppServer) -> None:
    token, _ = app_server.login("tx_county")
    context = context_of(browser, DESK)
    page = context.new_page()
    try:
        log_in(page, app_server, "tx_county")
        page.wait_for_url("**/review", timeout=15000)
        assert page.get_by_test_id("queue-to-jobs").inner_text() == "后台任务"
        page.get_by_test_id("queue-to-jobs").click()
        page.wait_for_url("**/jobs", timeout=15000)
        page.locator('[data-testid="jobs-empty"], [data-testid^="job-"][data-state]').first.wait_for(
            timeout=15000
        )
        form = page.get_by_test_id("sheet-form")  # county staff see their county's sheet
        form.wait_for(timeout=15000)
        options = form.get_by_test_id("sheet-region-0").locator("option").all_inner_texts()
        assert options[0] == "通许县（全部）" and not any("开封市" in o for o in options)
        check_screen(page, app_server, token)
        screenshot(page, "jobs-desk-county.png")
    finally:
        context.close()
