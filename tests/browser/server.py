"""A real server for browser tests that must kill it and bring it back, and helpers for pages.

The server itself (`AppServer`, gunicorn over PostgreSQL and MinIO) is tests/harness/app.py's.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from server.settings import PROJECT_ROOT
from tests.harness.app import AppServer

__all__ = [
    "AppServer",
    "ask_sheet",
    "copy_dist",
    "download_job",
    "first_job",
    "idb",
    "log_in",
    "poll",
    "screenshot",
    "serving",
    "wait_job",
]


@contextlib.contextmanager
def serving(workdir: Path, pwa_dist: Path | None = None, *, jobs_worker: bool = False) -> Iterator[AppServer]:
    """A prepared, running server for a test module (with a job worker beside it when asked);
    skipped (failed under CI) without Chromium."""
    from tests.browser.conftest import chromium_path

    chromium_path()  # before starting anything
    server = AppServer(workdir, pwa_dist, jobs_worker=jobs_worker)
    server.prepare()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- the app in a page ---------------------------------------------------------------------------

IDB_ROWS = """async (store) => await new Promise((resolve, reject) => {
  const open = indexedDB.open('dabiao')
  open.onerror = () => reject(open.error)
  open.onsuccess = () => {
    const db = open.result
    if (!db.objectStoreNames.contains(store)) { db.close(); resolve([]); return }
    const request = db.transaction(store).objectStore(store).getAll()
    request.onsuccess = () => {
      db.close()
      resolve(request.result.map((row) => { const copy = { ...row }; delete copy.blob; return copy }))
    }
    request.onerror = () => reject(request.error)
  }
})"""


def idb(page: Any, store: str) -> list[dict[str, Any]]:
    """The rows of one table of the app's device database (photo bytes left out)."""
    return list(page.evaluate(IDB_ROWS, store))


def log_in(page: Any, server: AppServer, username: str) -> None:
    page.goto(server.url + "/")
    page.get_by_test_id("login-username").locator("input").fill(username)
    page.get_by_test_id("login-password").locator("input").fill(server.logins[username])
    page.get_by_test_id("login-submit").click()


def screenshot(page: Any, name: str, **options: Any) -> None:
    """Keeps a screenshot for a person to look at, in the folder $DABIAO_SCREENSHOTS names;
    nothing when it is unset."""
    folder = os.environ.get("DABIAO_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), **options)


def copy_dist(target: Path) -> Path:
    """A private copy of the built PWA, for tests that publish a new version of it."""
    shutil.copytree(PROJECT_ROOT / "pwa" / "dist", target)
    return target


def poll(page: Any, check: Any, timeout: float, what: str) -> None:
    """Waits until `check()` is true, letting the page run (and Playwright deliver events) meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"{what} did not happen within {timeout:.0f}s")


# --- the 后台任务 page ----------------------------------------------------------------------------

JOB_CARDS = '[data-testid^="job-"][data-state]'


def first_job(page: Any) -> Any:
    """The newest job's card on the 后台任务 page."""
    return page.locator(JOB_CARDS).first


def ask_sheet(page: Any, fmt: str, timeout: float = 15) -> Any:
    """Asks for the payout sheet chosen in the form, in `fmt` (pdf or xlsx); the new job's card."""
    cards = page.locator(JOB_CARDS)
    before = cards.count()
    page.get_by_test_id(f"sheet-format-{fmt}").click()
    page.get_by_test_id("sheet-submit").click()
    poll(page, lambda: cards.count() > before, timeout, "the new job")
    return first_job(page)


def wait_job(page: Any, card: Any, timeout: float) -> str:
    """Waits for a job's card to show it finished; its state (succeeded or failed)."""
    finished = ("succeeded", "failed")
    poll(page, lambda: card.get_attribute("data-state") in finished, timeout, "the job finishing")
    return str(card.get_attribute("data-state"))


def download_job(page: Any, card: Any, folder: Path, prefix: str = "", timeout: float = 60) -> Path:
    """Downloads a finished job's file through the app into `folder`; the saved file."""
    with page.expect_download(timeout=timeout * 1000) as info:
        card.locator('[data-testid^="job-download-"]').click()
    saved = folder / (prefix + info.value.suggested_filename)
    info.value.save_as(saved)
    return saved
