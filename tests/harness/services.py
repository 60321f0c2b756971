"""Throwaway PostgreSQL and MinIO servers on free loopback ports, for the test run.

Each server lives in a temporary directory and is stopped by `stop()`, which is safe to call
twice and after a failed start. `start()` returns the environment variables the tests read.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MINIO_VERSION = "v0.0.0-20260212201848-7aac2a2c5b7c"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Headless Chromium kept off the network it cannot reach here (Debian's package, never a download).
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextlib.contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Serves a Flask app on a free loopback port from a thread; yields its base URL."""
    from werkzeug.serving import make_server

    from server.extensions import db

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(10)
        with app.app_context():
            db.engine.dispose()


def wait_until(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f}s")


def minio_binary() -> Path:
    explicit = os.environ.get("DABIAO_MINIO_BIN")
    if explicit:
        return Path(explicit)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "dabiao" / f"minio-{MINIO_VERSION}" / "minio"


def postgres_bindir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3].split(".")[0])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresServer:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.datadir = workdir / "data"
        self.bindir: Path | None = None
        self.started = False
        self.as_user: list[str] = []

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self.as_user, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )

    def start(self) -> dict[str, str]:
        self.bindir = postgres_bindir()
        if self.bindir is None:
            print("harness: PostgreSQL is not installed; its tests will skip (or fail under CI=true)")
            return {}
        self.workdir.mkdir(parents=True)
        if os.geteuid() == 0:  # initdb refuses to run as root
            owner = pwd.getpwnam("postgres")
            os.chmod(self.workdir.parent, 0o755)  # noqa: S103 - the postgres user must reach its data dir
            os.chown(self.workdir, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        port = free_port()
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.datadir),
            "-A",
            "trust",
            "-U",
            "dabiao",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -k {self.workdir} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-l",
            str(self.workdir / "log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        self.started = True
        self._run(
            str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "dabiao", "dabiao_test"
        )
        print(f"harness: PostgreSQL on 127.0.0.1:{port}", flush=True)
        ctl = " ".join(
            [
                *self.as_user,
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.datadir),
                "-l",
                str(self.workdir / "log"),
                "-w",
            ]
        )
        return {
            "DABIAO_TEST_PG_URL": f"postgresql+psycopg://dabiao@127.0.0.1:{port}/dabiao_test",
            "DABIAO_TEST_PG_CTL": ctl,  # for fault tests that restart the server
        }

    def stop(self) -> None:
        if self.started and self.bindir is not None:
            subprocess.run(
                [
                    *self.as_user,
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.datadir),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
                check=False,
            )
            self.started = False


class MinioServer:
    """A MinIO process; after a first start, `start()` again brings it back on the same port and data.

    With `drives=4` (or more) it is erasure-coded over that many drive folders, `drive(1)` to
    `drive(n)`, as `minio server DIR/d{1...n}` makes it: EC:2 on four drives, so one drive may fail
    and writes still reach their quorum. The folders are on the machine's own disk, so MinIO is
    told it is a test deployment (MINIO_CI_CD), without which it refuses drives on the root disk.
    """

    def __init__(self, workdir: Path, drives: int = 1) -> None:
        self.workdir = workdir
        self.drives = drives
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.console = 0
        self.user = "dabiao-" + secrets.token_hex(4)
        self.password = secrets.token_urlsafe(24)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def start(self) -> dict[str, str]:
        binary = minio_binary()
        if not binary.is_file():
            print(f"harness: no MinIO at {binary}; its tests will skip (or fail under CI=true)")
            return {}
        self.workdir.mkdir(parents=True, exist_ok=True)
        if not self.port:
            self.port, self.console = free_port(), free_port()
        port, console = self.port, self.console
        user, password = self.user, self.password
        env = {
            **os.environ,
            "MINIO_ROOT_USER": user,
            "MINIO_ROOT_PASSWORD": password,
            "MINIO_BROWSER": "off",
            "MINIO_UPDATE": "off",
            "HOME": str(self.workdir),
        }
        if self.drives > 1:
            for number in range(1, self.drives + 1):
                self.drive(number).mkdir(exist_ok=True)
            env["MINIO_CI_CD"] = "1"
            data = str(self.workdir / f"d{{1...{self.drives}}}")
        else:
            data = str(self.workdir / "data")
        log = (self.workdir / "log").open("ab")
        self.process = subprocess.Popen(
            [
                str(binary),
                "server",
                data,
                "--address",
                f"127.0.0.1:{port}",
                "--console-address",
                f"127.0.0.1:{console}",
                "--quiet",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        endpoint = f"http://127.0.0.1:{port}"
        # erasure-coded: ready only once the drives reach their write quorum ("ready" answers sooner)
        probe = "cluster" if self.drives > 1 else "ready"

        def live() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"MinIO exited: {(self.workdir / 'log').read_text(errors='replace')[-2000:]}"
                )
            try:
                with urllib.request.urlopen(f"{endpoint}/minio/health/{probe}", timeout=1) as response:  # noqa: S310
                    return bool(response.status == 200)
            except (urllib.error.URLError, OSError):
                return False

        wait_until(live, 60, "MinIO")
        log.close()  # the child keeps its own handle
        print(f"harness: MinIO on {endpoint}", flush=True)
        return {
            "DABIAO_TEST_S3_ENDPOINT": endpoint,
            "DABIAO_TEST_S3_ACCESS_KEY": user,
            "DABIAO_TEST_S3_SECRET_KEY": password,
            "DABIAO_MINIO_BIN": str(binary),
            "DABIAO_TEST_MINIO_DRIVES": str(self.drives),
        }

    def drive(self, number: int) -> Path:
        """The folder of drive `number` (1 to `drives`) of an erasure-coded server."""
        assert self.drives > 1 and 1 <= number <= self.drives
        return self.workdir / f"d{number}"

    def remove_drive(self, number: int) -> Path:
        """Takes drive `number` away while the server runs, as a failed disk: its folder is moved
        aside (returned) and a plain file put in its place, so that MinIO can neither read it nor
        make a fresh drive there (a missing folder it would recreate and heal as a replacement)."""
        folder = self.drive(number)
        removed = folder.with_name(f"{folder.name}.removed")
        folder.rename(removed)
        folder.write_text("this drive was removed\n")
        return removed

    def drive_states(self) -> dict[str, str]:
        """Each drive's path and state ("ok", "offline", "corrupt", ...) as MinIO's admin API reports
        them (GET /minio/admin/v3/info, signed like any S3 request)."""
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        url = f"http://127.0.0.1:{self.port}/minio/admin/v3/info"
        request = AWSRequest(method="GET", url=url)
        S3SigV4Auth(Credentials(self.user, self.password), "s3", "us-east-1").add_auth(request)
        signed = urllib.request.Request(url, headers=dict(request.headers))
        with urllib.request.urlopen(signed, timeout=5) as response:  # noqa: S310 - loopback
            info = json.loads(response.read())
        return {d["path"]: d["state"] for server in info["servers"] for d in server.get("drives", [])}

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused server would never see the TERM
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
