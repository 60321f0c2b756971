"""The app shows the server's Chinese error messages as they are: a wrong password, then the
lockout that says how long to wait, at phone size against the real server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from server.domain import catalog
from tests.browser.server import AppServer, poll, screenshot, serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with serving(tmp_path_factory.mktemp("errors")) as server:
        yield server


def test_a_wrong_password_then_the_lockout_read_in_chinese_with_the_wait(
    phone: Any, app_server: AppServer
) -> None:
    page = phone.new_page()
    page.goto(app_server.url + "/")
    error = page.get_by_test_id("login-error")
    for attempt in range(1, 7):
        page.get_by_test_id("login-username").locator("input").fill("tx_inspector2")
        page.get_by_test_id("login-password").locator("input").fill(f"wrong-{attempt}")
        page.get_by_test_id("login-submit").click()
        poll(page, lambda: error.count() > 0 and error.inner_text().strip() != "", 15, "the login error")
        if attempt == 1:
            assert error.inner_text().strip() == catalog.message("auth.invalid_credentials")
            screenshot(page, "error-wrong-password-390.png")
        page.wait_for_timeout(300)
    text = error.inner_text().strip()
    assert re.fullmatch(r"登录失败次数过多，请 \d+ 分钟后再试", text), text
    assert "auth." not in page.locator("body").inner_text()
    screenshot(page, "error-lockout-390.png")
