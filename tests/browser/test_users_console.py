"""用户管理 in the browser, on a real deployment (gunicorn over PostgreSQL and MinIO, the demo data).

The county reviewer of 通许县 (tx_county) opens the console from the review queue on a desk
(1366×900), creates an inspector and reads the one-time password from the dialog, is told a
username is taken, disables an inspector with a reason. The new inspector logs in on a phone
(390×844) with the one-time password, is held on 修改密码 until they choose their own, then
reaches their tasks. Screens are checked for English words (usernames aside), raw region codes
and cut-off text. Screenshots go to $DABIAO_SCREENSHOTS.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.browser.server import AppServer, log_in, poll, screenshot, serving
from tests.browser.test_chinese_everywhere import TEXT, english_words

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
ONE_TIME = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")
NEW_PASSWORD = "sun-ming-2026-password"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with serving(tmp_path_factory.mktemp("users-console")) as server:
        yield server


def check_screen(page: Any, usernames: list[str], codes: bool = False) -> None:
    """No English word but what people type (usernames, a one-time password), no raw region code
    (unless `codes`: a file's own cells), nothing wider than the window."""
    text = page.evaluate(TEXT)
    for name in sorted(usernames, key=len, reverse=True):
        text = text.replace(name, " ")
    words = english_words(text)
    assert words == [], [line for line in text.splitlines() if any(w in line for w in words)]
    assert codes or re.search(r"\b41\d{4}\b", text) is None, text
    overflow = page.evaluate(
        """() => document.documentElement.scrollWidth - document.documentElement.clientWidth"""
    )
    assert overflow == 0


def test_a_county_reviewer_manages_the_countys_accounts(
    browser: Any, app_server: AppServer, tmp_path: Path
) -> None:
    context = browser.new_context(locale="zh-CN", timezone_id="America/Los_Angeles", viewport=DESK)
    page = context.new_page()
    try:
        log_in(page, app_server, "tx_county")
        page.wait_for_url("**/review", timeout=15000)
        page.get_by_test_id("queue-to-users").click()
        page.wait_for_url("**/console/users", timeout=15000)
        table = page.get_by_test_id("users-table")
        table.wait_for(timeout=15000)
        names = [
            page.get_by_test_id(f"user-{n}")
            for n in ("tx_county", "tx_inspector1", "tx_inspector2", "tx_self")
        ]
        for row in names:
            row.wait_for(timeout=5000)
        assert page.get_by_test_id("user-kf_admin").count() == 0  # the city's accounts are not the county's
        assert "本人" in page.get_by_test_id("user-tx_county").inner_text()
        assert "通许县" in page.get_by_test_id("user-tx_inspector1").inner_text()
        usernames = ["tx_county", "tx_inspector1", "tx_inspector2", "tx_self", "tx_inspector3", "tx_admin"]
        check_screen(page, usernames)
        screenshot(page, "users-desk.png")

        # create an inspector: the one-time password is shown once
        page.get_by_test_id("users-create").click()
        form = page.get_by_test_id("user-form")
        roles = form.get_by_test_id("user-form-role").locator("option").all_inner_texts()
        assert roles == ["检查员", "机构自评人员", "县级审核员"]  # never above the county reviewer's own
        form.get_by_test_id("user-form-username").fill("tx_inspector3")
        form.get_by_test_id("user-form-name").fill("孙明")
        form.get_by_test_id("user-form-role").select_option(label="检查员")
        screenshot(page, "users-create.png")
        form.get_by_test_id("user-form-submit").click()
        issued = page.get_by_test_id("issued-password")
        issued.wait_for(timeout=15000)
        one_time = issued.inner_text().strip()
        assert ONE_TIME.match(one_time), one_time
        check_screen(page, [*usernames, one_time])  # typed, not read: letters are fine
        screenshot(page, "users-one-time-password.png")
        page.get_by_role("button", name="我已记下").click()
        row = page.get_by_test_id("user-tx_inspector3")
        row.wait_for(timeout=5000)
        assert "待修改初始密码" in row.inner_text() and "孙明" in row.inner_text()

        # a taken username is said in the form, in Chinese
        page.get_by_test_id("users-create").click()
        form = page.get_by_test_id("user-form")
        form.get_by_test_id("user-form-username").fill("TX_INSPECTOR1")
        form.get_by_test_id("user-form-name").fill("重名")
        form.get_by_test_id("user-form-submit").click()
        error = page.get_by_test_id("user-form-error")
        error.wait_for(timeout=10000)
        assert error.inner_text() == "用户名“TX_INSPECTOR1”已被使用"
        page.get_by_role("button", name="取消").click()

        # disable an inspector, with a reason
        target = page.get_by_test_id("user-tx_inspector2")
        target.get_by_test_id("user-standing").click()
        standing = page.get_by_test_id("standing-form")
        standing.get_by_test_id("standing-submit").click()
        assert standing.get_by_test_id("standing-error").inner_text() == "请填写原因（至少 2 个字）"
        standing.get_by_test_id("standing-reason").fill("调离本县")
        standing.get_by_test_id("standing-submit").click()
        poll(page, lambda: "已停用" in target.inner_text(), 10, "the account disabled")
        page.get_by_test_id("users-active").select_option(label="已停用")
        poll(page, lambda: page.locator('[data-testid^="user-tx_"]').count() == 1, 10, "the filter")
        check_screen(page, usernames)
        screenshot(page, "users-disabled-filter.png")
    finally:
        context.close()

    # the new inspector, on a phone: held on 修改密码 until they choose their own password
    phone = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = phone.new_page()
    try:
        page.goto(app_server.url + "/")
        page.get_by_test_id("login-username").locator("input").fill("tx_inspector3")
        page.get_by_test_id("login-password").locator("input").fill(one_time)
        page.get_by_test_id("login-submit").click()
        page.wait_for_url("**/password**", timeout=15000)
        page.get_by_test_id("password-one-time").wait_for(timeout=5000)
        check_screen(page, [])
        screenshot(page, "password-one-time-phone.png")
        page.goto(app_server.url + "/tasks")
        page.wait_for_url("**/password**", timeout=15000)  # nothing else until it is changed
        page.get_by_test_id("password-current").locator("input").fill(one_time)
        page.get_by_test_id("password-new").locator("input").fill(NEW_PASSWORD)
        page.get_by_test_id("password-again").locator("input").fill(NEW_PASSWORD)
        page.get_by_test_id("password-submit").click()
        page.wait_for_url(lambda url: urlparse(url).path == "/tasks", timeout=15000)
    finally:
        phone.close()
    status, body = app_server.api(
        "POST", "/api/auth/login", body={"username": "tx_inspector3", "password": NEW_PASSWORD}
    )
    assert status == 200 and body["user"]["must_change_password"] is False, body


FACILITIES_CSV = (
    "名称,机构类别代码,行政区划代码\n通许县东关村卫生室,村卫生室,410222\n通许县西关村卫生室,村卫生室,410222\n"
)
OUTSIDE_CSV = FACILITIES_CSV + "兰考县某村卫生室,村卫生室,410225\n"
USERS_CSV = "用户名,姓名,角色,所属地区\ntx_wu,吴刚,检查员,410222\ntx_zheng,郑红,检查员,410222\n"


def test_a_county_reviewer_imports_facilities_and_inspectors_from_a_sheet(
    browser: Any, app_server: AppServer, tmp_path: Path
) -> None:
    context = browser.new_context(locale="zh-CN", viewport=DESK, accept_downloads=True)
    page = context.new_page()
    try:
        log_in(page, app_server, "tx_county")
        page.wait_for_url("**/review", timeout=15000)
        page.get_by_test_id("queue-to-import").click()
        page.get_by_test_id("import-page").wait_for(timeout=15000)
        with page.expect_download(timeout=30_000) as info:
            page.get_by_test_id("import-template").click()
        assert info.value.suggested_filename == "机构导入模板.xlsx"

        def upload(name: str, text: str) -> None:
            path = tmp_path / name
            path.write_text(text, encoding="utf-8")
            page.get_by_test_id("import-file").set_input_files(str(path))
            page.get_by_test_id("import-verdict").wait_for(timeout=30_000)

        upload("机构-有误.csv", OUTSIDE_CSV)
        assert "发现 1 处问题" in page.get_by_test_id("import-verdict").inner_text()
        assert "地区 410225 不在您的辖区内" in page.get_by_test_id("import-row-4").inner_text()
        assert page.get_by_test_id("import-confirm").is_disabled()
        check_screen(page, [], codes=True)
        screenshot(page, "import-preview-problems.png")

        page.get_by_role("button", name="重新选择文件").click()
        upload("机构.csv", FACILITIES_CSV)
        assert page.get_by_test_id("import-verdict").inner_text() == "共 2 行，可以导入：2 个村卫生室。"
        page.get_by_test_id("import-confirm").click()
        done = page.get_by_test_id("import-done")
        done.wait_for(timeout=30_000)
        assert done.inner_text() == "已导入 2 条：2 个村卫生室。"

        page.get_by_test_id("import-kind-users").click()
        upload("检查员.csv", USERS_CSV)
        page.get_by_test_id("import-confirm").click()
        page.get_by_test_id("import-passwords").wait_for(timeout=30_000)
        rows = page.get_by_test_id("import-passwords").locator("tbody tr").all_inner_texts()
        made = dict(row.split("\t") for row in rows)
        assert sorted(made) == ["tx_wu", "tx_zheng"] and all(ONE_TIME.match(p) for p in made.values())
        check_screen(page, [*made, *made.values()], codes=True)
        screenshot(page, "import-users-passwords.png")
    finally:
        context.close()
    status, body = app_server.api(
        "POST", "/api/auth/login", body={"username": "tx_wu", "password": made["tx_wu"]}
    )
    assert status == 200 and body["user"]["must_change_password"] is True, body


def test_the_city_admin_reads_and_exports_the_audit_log(
    browser: Any, app_server: AppServer, tmp_path: Path
) -> None:
    """The city admin disables an account of 兰考 through the API, then finds it in 开封's log, by
    name and with the reason, and exports the log."""
    token, _ = app_server.login("kf_admin")
    body = {"username": "lk_audit", "display_name": "黄磊", "role": "inspector", "region_code": "410225"}
    status, made = app_server.api("POST", "/api/users", token, body=body)
    assert status == 201, made
    status, _ = app_server.api(
        "POST", f"/api/users/{made['user']['id']}/disable", token, body={"reason": "重复账号"}
    )
    assert status == 200
    context = browser.new_context(locale="zh-CN", viewport=DESK, accept_downloads=True)
    page = context.new_page()
    try:
        log_in(page, app_server, "kf_admin")
        page.wait_for_url("**/review", timeout=15000)
        page.get_by_test_id("queue-to-audit").click()
        page.get_by_test_id("audit-table").wait_for(timeout=15000)
        page.get_by_test_id("audit-action").select_option(label="账号管理")
        page.get_by_test_id("audit-search").click()
        table = page.get_by_test_id("audit-table")
        poll(page, lambda: "登录会话" not in table.inner_text(), 10, "the filter")
        text = table.inner_text()
        assert "周文华（kf_admin）" in text and "黄磊（lk_audit）" in text and "重复账号" in text
        assert "兰考县" in text
        check_screen(page, ["kf_admin", "lk_audit", "tx_county", "tx_inspector2", "tx_inspector3"])
        screenshot(page, "audit-log.png")
        with page.expect_download(timeout=30_000) as info:
            page.get_by_test_id("audit-export").click()
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
        csv_text = saved.read_text(encoding="utf-8")
        assert info.value.suggested_filename == "审计日志.csv"
        assert csv_text.startswith("\ufeff序号,时间（北京时间）") and "停用账号" in csv_text
    finally:
        context.close()
