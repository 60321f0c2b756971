"""The real server as its own process, for browser tests that must kill it and bring it back.

`AppServer` prepares a fresh PostgreSQL database and MinIO bucket (from the test harness), runs
the migrations, loads the checklists, seeds the demo data, and serves the built PWA with gunicorn
on a free loopback port. `kill()` is SIGKILL (no graceful shutdown: what a power cut does);
`start()` brings it back on the same port, database and bucket.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from server.settings import PROJECT_ROOT, S3Settings
from tests.conftest import fresh_postgres_database, require_env
from tests.harness.services import free_port, wait_until


class AppServer:
    def __init__(self, workdir: Path, pwa_dist: Path | None = None) -> None:
        from server.storage.s3 import S3Store

        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        endpoint = require_env("DABIAO_TEST_S3_ENDPOINT", "MinIO")
        bucket = f"browser-{secrets.token_hex(4)}"
        s3 = S3Settings(
            endpoint_url=endpoint,
            bucket=bucket,
            access_key=os.environ["DABIAO_TEST_S3_ACCESS_KEY"],
            secret_key=os.environ["DABIAO_TEST_S3_SECRET_KEY"],
            region="us-east-1",
            connect_timeout=2,
            read_timeout=10,
        )
        assert S3Store(s3).ensure_bucket(object_lock=True)
        self.env = {
            **os.environ,
            "DABIAO_SECRET_KEY": secrets.token_urlsafe(32),
            "DABIAO_DATABASE_URL": fresh_postgres_database("browser"),
            "DABIAO_INSTANCE_PATH": str(workdir / "instance"),
            "DABIAO_EVIDENCE_BACKEND": "s3",
            "DABIAO_S3_ENDPOINT": endpoint,
            "DABIAO_S3_BUCKET": bucket,
            "DABIAO_S3_ACCESS_KEY": s3.access_key,
            "DABIAO_S3_SECRET_KEY": s3.secret_key,
            "DABIAO_PWA_DIST": str(pwa_dist or PROJECT_ROOT / "pwa" / "dist"),
            "DABIAO_PUBLIC_URL": self.url,
            "PORT": str(self.port),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log = workdir / "server.log"
        self.logins: dict[str, str] = {}

    def flask(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def prepare(self) -> None:
        self.flask("db", "upgrade")
        self.flask("checklists", "load")
        self.flask("seed", "demo")
        logins = Path(self.env["DABIAO_INSTANCE_PATH"]) / "demo_logins.txt"
        for line in logins.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[0] != "username" and not parts[0].startswith("-"):
                self.logins[parts[0]] = parts[3]

    def start(self) -> None:
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "1",
                "--threads",
                "8",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "-",
                "wsgi:app",
            ],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_until(self._healthy, 60, "the app server")

    def _healthy(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"the app server exited:\n{self.log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:  # noqa: S310 - loopback
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def kill(self) -> None:
        """SIGKILL to the whole process group: the server stops mid-request, nothing is flushed."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    # --- a second client: the API straight from Python -------------------------------------------

    def api(
        self,
        method: str,
        path: str,
        token: str | None = None,
        body: Any = None,
        files: dict[str, tuple[str, bytes]] | None = None,
        fields: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        data: bytes | None = None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if files is not None:
            boundary = secrets.token_hex(16)
            data = multipart(boundary, fields or {}, files)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
                raw = response.read()
                status = response.status
                content_type = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            status = exc.code
            content_type = exc.headers.get("Content-Type", "")
        if "json" in content_type:
            return status, json.loads(raw)
        return status, raw

    def login(self, username: str) -> tuple[str, dict[str, Any]]:
        credentials = {"username": username, "password": self.logins[username]}
        status, body = self.api("POST", "/api/auth/login", body=credentials)
        assert status == 200, body
        return body["token"], body["user"]


def multipart(boundary: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> bytes:
    out = bytearray()
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for name, (filename, content) in files.items():
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        out += content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


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
