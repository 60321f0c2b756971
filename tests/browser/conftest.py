"""A live server on a free loopback port and Debian's Chromium driven by Playwright.

Never a browser download: Playwright is pointed at /usr/bin/chromium. The flags (in tests.harness)
keep Chromium off the network it cannot reach here.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask_migrate import upgrade

from server import create_app
from server.services import checklists
from server.settings import PROJECT_ROOT
from tests.conftest import CI, make_settings
from tests.harness.services import CHROMIUM_FLAGS, serve_in_thread


def chromium_path() -> str:
    path = os.environ.get("DABIAO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        message = "Chromium is not installed (apt-get install chromium); run the suite with make test"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    if not (PROJECT_ROOT / "pwa" / "dist" / "index.html").is_file():
        message = "the PWA is not built (make pwa)"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("live")
    app = create_app(make_settings(tmp, f"sqlite:///{tmp / 'live.sqlite3'}"))
    with app.app_context():
        upgrade()
        checklists.sync_published(PROJECT_ROOT / "checklists")
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """An inspector's phone: a touch screen of 390×844 in China, Chinese first."""
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE, is_mobile=True, has_touch=True
    )
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def desk(browser: Any) -> Iterator[Any]:
    """A reviewer's or an administrator's desk screen of 1366×900 in China."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESK)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
