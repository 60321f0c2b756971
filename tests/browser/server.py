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

__all__ = ["AppServer", "copy_dist", "idb", "log_in", "poll", "screenshot", "serving"]


@contextlib.contextmanager
def serving(workdir: Path, pwa_dist: Path | None = None) -> Iterator[AppServer]:
    """A prepared, running server for a test module; skipped (failed under CI) without Chromium."""
    from tests.browser.conftest import chromium_path

    chromium_path()  # before starting anything
    server = AppServer(workdir, pwa_dist)
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
