"""Every main screen, as each demo user sees it, speaks Chinese: no English word on the page.

Acronyms people use as words (PDF, DR, QR ...) are allowed, and so are the versions and codes a
person may need to quote. Anything else in Latin letters (a label left in English, a raw status
such as "submitted", an error passed through untranslated) fails the test with the words found
and the screen they were on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.server import AppServer, log_in, screenshot, serving

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}

# Acronyms that are the words people use (三大件 and the hospital systems the standards name, file
# types, the report's QR code, the units of a file's size), and the
# standard's own grade letters A/B/C.
ALLOWED = {
    *("A", "B", "C", "PDF", "DR", "QR", "CT", "ABO", "HIS", "LIS", "PACS", "CSV", "XLSX", "GPS", "EXIF"),
    *("KB", "MB"),
}
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
# A photo's short SHA-256, shown so a printout can be matched to the stored file.
DIGEST = re.compile(r"\b[0-9a-f]{10,64}\b")
# The visible text of the page, placeholders and accessible labels included.
TEXT = """() => {
  const parts = [document.title, document.body.innerText]
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title]')) {
    if (el.closest('[hidden], [aria-hidden="true"]')) continue
    for (const name of ['placeholder', 'aria-label', 'title']) {
      const value = el.getAttribute(name)
      if (value) parts.push(value)
    }
  }
  return parts.join('\\n')
}"""


def english_words(text: str) -> list[str]:
    return sorted({w for w in WORD.findall(DIGEST.sub(" ", text)) if w.upper() not in ALLOWED})


def test_the_word_check_finds_english_and_lets_acronyms_through() -> None:
    assert english_words("提交评审 · 导出 PDF · 扫描 QR 码 · DR 设备") == []
    assert english_words("1 item(s) still missing") == ["item", "missing", "s", "still"]
    assert english_words("状态：submitted") == ["submitted"]
    assert english_words("照片 5d82c5675d3f · 2026-11-22 10:01") == []
    assert english_words("deadbeefcafe failed") == ["failed"]


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with serving(tmp_path_factory.mktemp("chinese")) as server:
        yield server


def settle(page: Any) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # Vant's transitions


def look(page: Any, screen: str, seen: dict[str, list[str]]) -> None:
    settle(page)
    words = english_words(page.evaluate(TEXT))
    if words:
        seen[screen] = words
    screenshot(page, f"chinese-{screen}.png", full_page=True)


def session(browser: Any, viewport: dict[str, int]) -> Any:
    return browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport, is_mobile=viewport is PHONE
    )


def ids(app_server: AppServer, username: str) -> list[dict[str, Any]]:
    token, _ = app_server.login(username)
    status, rows = app_server.api("GET", "/api/inspections?limit=200", token)
    assert status == 200, rows
    return list(rows["items"])


def test_the_login_and_status_screens(browser: Any, app_server: AppServer) -> None:
    seen: dict[str, list[str]] = {}
    context = session(browser, PHONE)
    page = context.new_page()
    try:
        page.goto(app_server.url + "/login")
        look(page, "login", seen)
        page.get_by_test_id("login-username").locator("input").fill("tx_inspector1")
        page.get_by_test_id("login-password").locator("input").fill("not the password")
        page.get_by_test_id("login-submit").click()
        page.wait_for_timeout(1000)
        look(page, "login-refused", seen)
        page.goto(app_server.url + "/status")
        look(page, "status", seen)
    finally:
        context.close()
    assert seen == {}, f"English on screen: {seen}"


def test_the_inspectors_screens(browser: Any, app_server: AppServer) -> None:
    seen: dict[str, list[str]] = {}
    token, _ = app_server.login("tx_inspector1")
    status, facilities = app_server.api("GET", "/api/facilities?limit=500", token)
    assert status == 200, facilities
    centre = next(f["id"] for f in facilities["items"] if f["name"] == "通许县城关镇卫生院")
    draft = next(
        row
        for row in ids(app_server, "tx_inspector1")
        if row["status"] == "draft" and row["facility_id"] == centre
    )
    context = session(browser, PHONE)
    page = context.new_page()
    try:
        log_in(page, app_server, "tx_inspector1")
        page.wait_for_url("**/tasks", timeout=15000)
        look(page, "tasks", seen)
        page.goto(f"{app_server.url}/inspections/{draft['id']}")
        look(page, "inspection", seen)
        page.goto(f"{app_server.url}/inspections/{draft['id']}/items/QS-1.1.01")
        look(page, "item", seen)
        page.goto(f"{app_server.url}/sync")
        look(page, "sync", seen)
    finally:
        context.close()
    assert seen == {}, f"English on screen: {seen}"


def test_the_self_assessors_screens(browser: Any, app_server: AppServer) -> None:
    seen: dict[str, list[str]] = {}
    context = session(browser, PHONE)
    page = context.new_page()
    try:
        log_in(page, app_server, "tx_self")
        page.wait_for_url("**/tasks", timeout=15000)
        look(page, "self-tasks", seen)
    finally:
        context.close()
    assert seen == {}, f"English on screen: {seen}"


@pytest.mark.parametrize("username", ["tx_county", "kf_city", "kf_admin"])
def test_the_reviewers_screens(browser: Any, app_server: AppServer, username: str) -> None:
    seen: dict[str, list[str]] = {}
    rows = [row for row in ids(app_server, username) if row["status"] != "draft"]
    assert rows, f"{username} sees nothing to review in the demo"
    context = session(browser, DESK)
    page = context.new_page()
    try:
        log_in(page, app_server, username)
        page.wait_for_url("**/review", timeout=15000)
        look(page, f"{username}-queue", seen)
        for row in rows[:3]:
            page.goto(f"{app_server.url}/review/{row['id']}")
            look(page, f"{username}-review-{row['status']}", seen)
    finally:
        context.close()
    assert seen == {}, f"English on screen: {seen}"
