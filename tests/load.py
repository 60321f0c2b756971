"""Parallel clients against a real gunicorn on SQLite, as `make run` serves the demo.

Used by tests/api/test_sqlite_load.py (a short run, asserted) and bench/sqlite_load.py (the full
minute, measured against the code before the fix). `DemoServer` prepares an instance folder the way
`make run` does (migrations, checklists, demo seed) and serves it with gunicorn's default sync
workers; `run_load` drives it from client threads with a mix of reads and writes for a fixed time.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.settings import PROJECT_ROOT
from tests.harness.services import free_port, wait_until

WORKERS = 2  # as `make run` serves
# The access log line of every request: worker pid, method, path, status, duration in microseconds.
ACCESS_FORMAT = "%(p)s %(m)s %(U)s %(s)s %(D)s"


class DemoServer:
    """gunicorn serving a SQLite instance folder; `prepare()` seeds it as `make run` does."""

    def __init__(self, instance: Path, code_root: Path = PROJECT_ROOT, workers: int = WORKERS) -> None:
        self.instance = instance
        self.code_root = code_root
        self.workers = workers
        self.port = free_port()
        self.env = {
            **os.environ,
            "DABIAO_SECRET_KEY": secrets.token_urlsafe(32),
            "DABIAO_INSTANCE_PATH": str(instance),
            "DABIAO_EVIDENCE_BACKEND": "local",
            "DABIAO_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            "PYTHONPATH": str(code_root),  # the code served (a baseline is another tree)
            "PORT": str(self.port),
        }
        for name in ("DABIAO_DATABASE_URL", "DABIAO_S3_ENDPOINT", "DABIAO_EVIDENCE_DIR"):
            self.env.pop(name, None)
        self.process: subprocess.Popen[bytes] | None = None
        self.log = instance.parent / f"gunicorn-{self.port}.log"

    @property
    def database(self) -> Path:
        return self.instance / "dabiao.sqlite3"

    def flask(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=self.code_root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def prepare(self) -> None:
        self.flask("db", "upgrade")
        self.flask("checklists", "load")
        self.flask("seed", "demo")

    def logins(self) -> dict[str, str]:
        found = {}
        for line in (self.instance / "demo_logins.txt").read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[0] != "username" and not parts[0].startswith("-"):
                found[parts[0]] = parts[3]
        return found

    def start(self) -> None:
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "-",
                "--access-logformat",
                ACCESS_FORMAT,
                "wsgi:app",
            ],
            cwd=self.code_root,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_until(self._healthy, 60, "gunicorn")

    def _healthy(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{self.log.read_text(errors='replace')[-3000:]}")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def access_log(self) -> list[tuple[int, str, str, int, int]]:
        """(worker pid, method, path, status, microseconds) of every request logged so far."""
        rows = []
        for line in self.log.read_text(errors="replace").splitlines():
            parts = line.split()
            parts[:1] = [p.strip("<>") for p in parts[:1]]
            if len(parts) == 5 and parts[0].isdigit() and parts[3].isdigit() and parts[4].isdigit():
                rows.append((int(parts[0]), parts[1], parts[2], int(parts[3]), int(parts[4])))
        return rows


class Client:
    """One device or browser tab: its own session, one connection at a time."""

    def __init__(self, port: int, username: str, password: str) -> None:
        self.port = port
        self.token: str | None = None
        status, body, _ = self.call("POST", "/api/auth/login", {"username": username, "password": password})
        if status != 200:
            raise RuntimeError(f"login of {username}: HTTP {status} {body}")
        self.token = body["token"]

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, dict[str, str]]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        # gunicorn's sync workers close the connection after each answer: one connection a request
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            answer = dict(response.getheaders())
        finally:
            conn.close()
        payload = json.loads(raw) if raw and "json" in answer.get("Content-Type", "") else raw
        return response.status, payload, answer


@dataclass
class Result:
    kind: str
    status: int
    ms: float
    code: str | None = None


@dataclass
class LoadReport:
    clients: int
    seconds: float
    results: list[Result] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # exceptions in the clients themselves

    @property
    def statuses(self) -> Counter[int]:
        return Counter(r.status for r in self.results)

    def count(self, status: int) -> int:
        return self.statuses[status]

    def percentile(self, p: int, kind: str | None = None) -> float:
        samples = sorted(r.ms for r in self.results if kind is None or r.kind == kind)
        if len(samples) < 2:
            return samples[0] if samples else 0.0
        return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]

    def summary(self) -> str:
        kinds = Counter(r.kind for r in self.results)
        codes = Counter(r.code for r in self.results if r.status >= 500)
        return (
            f"{len(self.results)} requests in {self.seconds:.0f} s from {self.clients} clients "
            f"({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}); "
            f"statuses {dict(sorted(self.statuses.items()))}; "
            f"503s {self.count(503)}, 500s {self.count(500)}"
            + (f" ({', '.join(f'{c} {n}' for c, n in codes.items())})" if codes else "")
            + f"; p50 {self.percentile(50):.0f} ms, p95 {self.percentile(95):.0f} ms, "
            f"p99 {self.percentile(99):.0f} ms, max {max((r.ms for r in self.results), default=0):.0f} ms"
        )


# Who the clients are: inspectors syncing the shared draft, reviewers regrading in their review.
ROLES = ("tx_inspector1", "tx_inspector2", "tx_county", "kf_city")


def _targets(client: Client) -> dict[str, int]:
    """Inspection ids by status as the first client of each role sees them."""
    status, rows, _ = client.call("GET", "/api/inspections?limit=100")
    assert status == 200, rows
    return {row["status"]: row["id"] for row in rows["items"]}


def run_load(server: DemoServer, clients: int, seconds: float, idle_first: float = 0.0) -> LoadReport:
    """`clients` threads, each its own session, cycling through list, get, write, get for `seconds`.

    Inspectors send answer changes of the shared draft (POST /api/sync, five changes a batch, each
    thread its own items), the county reviewer regrades items of the inspection in county review,
    the city reviewer those in city review (PUT .../grade). With `idle_first` every session first
    sits idle that long, so that the first reads come at once after a pause."""
    logins = server.logins()
    sessions = [
        Client(server.port, ROLES[i % len(ROLES)], logins[ROLES[i % len(ROLES)]]) for i in range(clients)
    ]
    by_status = _targets(sessions[0]) | _targets(sessions[2 % clients])
    draft_id = max(
        row["id"]
        for row in sessions[0].call("GET", "/api/inspections?status=draft&limit=100")[1]["items"]
        if row["kind"] == "county_inspection"
    )
    target = {
        "tx_inspector1": draft_id,
        "tx_inspector2": draft_id,
        "tx_county": by_status["county_review"],
        "kf_city": by_status["city_review"],
    }
    report = LoadReport(clients, seconds)
    lock = threading.Lock()
    stop_at = 0.0

    def clock() -> None:
        nonlocal stop_at
        stop_at = time.monotonic() + idle_first + seconds

    start = threading.Barrier(clients, action=clock)

    def worker(index: int) -> None:
        role = ROLES[index % len(ROLES)]
        me = sessions[index]
        inspection_id = target[role]
        status, detail, _ = me.call("GET", f"/api/inspections/{inspection_id}")
        assert status == 200, detail
        # this thread's items: those answered (the shared draft's first one is in conflict)
        answered = sorted(detail["answers"])[1:]
        peers = [i for i in range(clients) if ROLES[i % len(ROLES)] == role]
        mine = answered[peers.index(index) :: len(peers)]
        answers = {item: dict(detail["answers"][item]) for item in mine}
        device = f"load-{index}-{secrets.token_hex(4)}"
        start.wait()
        if idle_first:
            time.sleep(idle_first)
        items = itertools.cycle(mine)
        steps = itertools.cycle(("list", "get", "write", "get"))
        while time.monotonic() < stop_at:
            step = next(steps)
            try:
                started = time.perf_counter()
                if step == "list":
                    status, body, _ = me.call("GET", "/api/inspections?limit=50")
                elif step == "get":
                    status, body, _ = me.call("GET", f"/api/inspections/{inspection_id}")
                elif role.startswith("tx_inspector"):
                    step = "sync"
                    batch = [next(items) for _ in range(5)]
                    changes = [
                        {
                            "change_id": secrets.token_hex(12),
                            "inspection_id": inspection_id,
                            "item_id": item,
                            "base_revision": answers[item]["revision"],
                            **_fields(answers[item]),
                            "device_time": "2026-11-20T09:30:00+08:00",
                        }
                        for item in dict.fromkeys(batch)
                    ]
                    status, body, _ = me.call("POST", "/api/sync", {"device_id": device, "changes": changes})
                    if status == 200:
                        for receipt, change in zip(body["receipts"], changes, strict=True):
                            if receipt.get("revision") is not None:
                                answers[change["item_id"]]["revision"] = receipt["revision"]
                            elif receipt.get("current_revision") is not None:
                                answers[change["item_id"]]["revision"] = receipt["current_revision"]
                else:
                    step = "regrade"
                    item = next(items)
                    body_in = {
                        **_fields(answers[item]),
                        "base_revision": answers[item]["revision"],
                        "reason": "负载测试：复核后维持原评级",
                    }
                    status, body, _ = me.call(
                        "PUT", f"/api/inspections/{inspection_id}/items/{item}/grade", body_in
                    )
                    if status == 200:
                        answers[item]["revision"] = body["revision"]
                elapsed = (time.perf_counter() - started) * 1000
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    report.failures.append(f"{step}: {type(exc).__name__}: {exc}")
                continue
            code = body.get("error", {}).get("code") if isinstance(body, dict) else None
            with lock:
                report.results.append(Result(step, status, elapsed, code))

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + idle_first + 180)
    return report


def _fields(answer: dict[str, Any]) -> dict[str, Any]:
    return {
        k: answer[k]
        for k in ("grade", "note", "document_date", "valid_until", "documents")
        if answer.get(k) is not None
    }
