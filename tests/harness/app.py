"""The real server as its own process: gunicorn on a free loopback port over PostgreSQL and MinIO.

`AppServer` prepares a fresh PostgreSQL database and MinIO bucket (from the test harness), runs
the migrations, loads the checklists, seeds the demo data, and serves the app (and the built PWA)
with gunicorn. `kill()` is SIGKILL (no graceful shutdown: what a power cut does); `start()` brings
it back on the same port, database and bucket. With `jobs_worker` a job worker (`flask jobs
worker`, same environment) is started and stopped with the server, so jobs queued on PostgreSQL
run as in production (not inline). `node()` makes another app node on the same
database, bucket and secret key, on a port of its own: what a second machine behind a load
balancer is. Browser tests (tests/browser/server.py) and the two-node tests use it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.settings import PROJECT_ROOT, S3Settings
from tests.conftest import fresh_postgres_database, require_env
from tests.harness.services import free_port, wait_until

if TYPE_CHECKING:
    from server.storage.s3 import S3Store


class AppServer:
    """One app node. `workers` and `threads` are gunicorn's (one worker, eight threads by default);
    `jobs_worker` runs a background job worker beside it."""

    def __init__(
        self,
        workdir: Path,
        pwa_dist: Path | None = None,
        *,
        workers: int = 1,
        threads: int = 8,
        data_of: AppServer | None = None,
        jobs_worker: bool = False,
        shared: dict[str, str] | None = None,
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers, self.threads = workers, threads
        # What every node of one deployment shares: the secret key, the database, the bucket and
        # the public address (the load balancer's; here the first node's).
        # `shared` names an existing deployment's (a benchmark's database and evidence folder).
        if shared is not None:
            self.shared = {"DABIAO_PUBLIC_URL": self.url, **shared}
        else:
            self.shared = data_of.shared if data_of is not None else self._fresh_data(pwa_dist)
        self.env = {
            **os.environ,
            **self.shared,
            "DABIAO_INSTANCE_PATH": str(workdir / "instance"),  # each node's own, nothing shared in it
            "PORT": str(self.port),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log = workdir / "server.log"
        self.jobs_worker = jobs_worker
        self.worker: subprocess.Popen[bytes] | None = None
        self.worker_log = workdir / "worker.log"
        self.logins: dict[str, str] = dict(data_of.logins) if data_of is not None else {}

    def _fresh_data(self, pwa_dist: Path | None) -> dict[str, str]:
        from server.storage.s3 import S3Store

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
        return {
            "DABIAO_SECRET_KEY": secrets.token_urlsafe(32),
            "DABIAO_DATABASE_URL": fresh_postgres_database("browser"),
            "DABIAO_EVIDENCE_BACKEND": "s3",
            "DABIAO_S3_ENDPOINT": endpoint,
            "DABIAO_S3_BUCKET": bucket,
            "DABIAO_S3_ACCESS_KEY": s3.access_key,
            "DABIAO_S3_SECRET_KEY": s3.secret_key,
            "DABIAO_PWA_DIST": str(pwa_dist or PROJECT_ROOT / "pwa" / "dist"),
            "DABIAO_PUBLIC_URL": self.url,
        }

    def store(self) -> S3Store:
        """The deployment's evidence store (its MinIO bucket), as the nodes reach it."""
        from server.storage.s3 import S3Store

        env = self.shared
        return S3Store(
            S3Settings(
                endpoint_url=env["DABIAO_S3_ENDPOINT"],
                bucket=env["DABIAO_S3_BUCKET"],
                access_key=env["DABIAO_S3_ACCESS_KEY"],
                secret_key=env["DABIAO_S3_SECRET_KEY"],
                region="us-east-1",
                connect_timeout=2,
                read_timeout=10,
            )
        )

    def node(self, workdir: Path, workers: int | None = None, threads: int | None = None) -> AppServer:
        """Another app node of this deployment (same database, bucket and secret key), on its own
        port with its own instance folder; not started. Gunicorn's workers and threads as this one's
        unless given."""
        return AppServer(
            workdir, workers=workers or self.workers, threads=threads or self.threads, data_of=self
        )

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
                str(self.workers),
                "--threads",
                str(self.threads),
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
        if self.jobs_worker:
            self.start_worker()

    def start_worker(self) -> None:
        """The job worker of this deployment: `flask jobs worker` with the server's environment."""
        if self.worker is not None and self.worker.poll() is None:
            return  # still running (the server alone was killed)
        log = self.worker_log.open("ab")
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: its child processes go with it
        )
        log.close()

    def stop_worker(self) -> None:
        """SIGTERM (the worker finishes or gives back what it runs), then SIGKILL to the group."""
        if self.worker is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.worker.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.worker.wait(15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.worker.pid, signal.SIGKILL)  # its children, should any be left
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.worker.wait(10)
        self.worker = None

    def _healthy(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"the app server exited:\n{self.log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:  # noqa: S310 - loopback
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def kill(self) -> None:
        """SIGKILL to the whole process group: the server stops mid-request, nothing is flushed.
        The job worker, if any, is left running (stop() ends it)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        self.stop_worker()
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
        """(status, body): JSON parsed, anything else as bytes."""
        status, _, answer = self.fetch(method, path, token, body, files, fields)
        return status, answer

    def fetch(
        self,
        method: str,
        path: str,
        token: str | None = None,
        body: Any = None,
        files: dict[str, tuple[str, bytes]] | None = None,
        fields: dict[str, str] | None = None,
    ) -> tuple[int, Message, Any]:
        """As `api`, with the response's headers: (status, headers, body)."""
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
                received = response.headers
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            status = exc.code
            received = exc.headers
        if "json" in received.get("Content-Type", "") and raw:  # a 204 has no body to parse
            return status, received, json.loads(raw)
        return status, received, raw

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
