"""Sync speed on PostgreSQL behind gunicorn, as a phone would see it over loopback.

1. Latency of one full 300-item inspection batch (p50, p95), then of replaying the same batches.
2. A soak test after ODK Central's (50 submissions/s of a 250-question form for 30 s, zero
   failures): concurrent devices each sync full 300-item inspections, one after the other, for
   30 s; the rate reached and every failure are reported against the 50/s baseline.

Everything runs on this machine: a throwaway PostgreSQL (the test harness's), gunicorn on a free
loopback port, and client threads in this process. Request loops are bounded in count and time.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from flask_migrate import upgrade

from server import create_app
from server.db import checklists as checklist_queries
from server.db.models import Assignment, Facility, Inspection, Region, User
from server.extensions import db
from server.services import auth
from server.settings import PROJECT_ROOT, Settings
from tests.harness.services import PostgresServer, free_port, wait_until

ITEMS = 300
LATENCY_RUNS = 40
SOAK_SECONDS = 30
TARGET_RATE = 50  # ODK Central's soak requirement, submissions per second
SOAK_DEVICES = int(os.environ.get("DABIAO_BENCH_DEVICES", "16"))
WORKERS = int(os.environ.get("DABIAO_BENCH_WORKERS", "2"))


def checklist_300() -> dict[str, Any]:
    items = [
        {
            "id": f"X-{i:03d}",
            "text": f"基准测试条款{i}",
            "tier": "basic" if i % 3 else "recommended",
            "levels": [{"code": c, "criteria": f"{c}级"} for c in ("C", "B", "A")],
        }
        for i in range(ITEMS)
    ]
    return {
        "id": "bench-300",
        "family": "quality_service",
        "edition": "bench",
        "version": 1,
        "title": "300条基准清单",
        "scoring": {"method": "graded"},
        "grade_scale": [{"code": c, "label": c} for c in ("C", "B", "A")],
        "facts": [],
        "tiers": [
            {
                "code": "basic",
                "label": "基本标准",
                "rules": [
                    {
                        "rule": "share_at_least",
                        "label": "80%",
                        "select": {"tier": "basic"},
                        "grade": "C",
                        "threshold": "0.8",
                    }
                ],
            },
            {
                "code": "recommended",
                "label": "推荐标准",
                "rules": [
                    {
                        "rule": "share_at_least",
                        "label": "20%",
                        "select": {"tier": "recommended"},
                        "grade": "B",
                        "threshold": "0.2",
                    }
                ],
            },
        ],
        "chapters": [
            {"id": "X", "title": "基准", "sections": [{"id": "X.1", "title": "全部", "items": items}]}
        ],
    }


def settings(tmp: Path, url: str, secret: str) -> Settings:
    return Settings(
        secret_key=secret,
        database_url=url,
        instance_path=tmp / "instance",
        evidence_backend="local",
        evidence_dir=tmp / "evidence",
        s3=None,
        checklists_dir=PROJECT_ROOT / "checklists",
        pwa_dist=PROJECT_ROOT / "pwa" / "dist",
        max_content_length=25 * 1024 * 1024,
    )


def draft_for(facility: Facility, inspector: User, created_by: int) -> int:
    """A draft inspection on the bench checklist, assigned to the inspector; returns its id."""
    inspection = Inspection(
        facility_id=facility.id,
        region_code=facility.region_code,
        checklist_id="bench-300",
        checklist_version=1,
        kind="county_inspection",
        status="draft",
        inspection_date=dt.date(2026, 11, 20),
        created_by=created_by,
    )
    db.session.add(inspection)
    db.session.flush()
    db.session.add(Assignment(inspection_id=inspection.id, user_id=inspector.id, assigned_by=created_by))
    return inspection.id


def prepare(
    url: str, tmp: Path, secret: str, devices: int, inspections_each: int, password: str
) -> list[list[int]]:
    """Users, one facility and a stock of draft inspections per device; returns inspection ids per device."""
    app = create_app(settings(tmp, url, secret))
    with app.app_context():
        upgrade()
        for code, name, level, parent in (
            ("410000", "河南省", "province", None),
            ("410200", "开封市", "city", "410000"),
            ("410222", "通许县", "county", "410200"),
        ):
            db.session.add(Region(code=code, name=name, level=level, parent_code=parent))
        checklist_queries.add_version(
            "bench-300", 1, "quality_service", "bench", "bench", "b" * 64, checklist_300()
        )
        password_hash = auth.hash_password(password)
        admin = User(
            username="bench-admin",
            display_name="admin",
            password_hash=password_hash,
            role="admin",
            region_code="410200",
        )
        db.session.add(admin)
        db.session.flush()
        stock = []
        for d in range(devices):
            user = User(
                username=f"bench-{d}",
                display_name=f"检查员{d}",
                password_hash=password_hash,
                role="inspector",
                region_code="410222",
            )
            facility = Facility(
                name=f"基准卫生院{d}", type_code="C220", region_code="410222", beds=10, facts={}
            )
            db.session.add_all([user, facility])
            db.session.flush()
            stock.append([draft_for(facility, user, admin.id) for _ in range(inspections_each)])
        db.session.commit()
        db.engine.dispose()
    return stock


class Device:
    def __init__(self, port: int, username: str, password: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        status, body = self.request("POST", "/api/auth/login", {"username": username, "password": password})
        assert status == 200, body
        self.token = body["token"]

    def request(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if getattr(self, "token", None):
            headers["Authorization"] = f"Bearer {self.token}"
        self.conn.request(
            method, path, body=body if isinstance(body, bytes) else json.dumps(body), headers=headers
        )
        response = self.conn.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None

    def sync(self, batch: dict[str, Any] | bytes) -> tuple[int, Any]:
        return self.request("POST", "/api/sync", batch)


def batch_for(inspection_id: int, device: str) -> dict[str, Any]:
    grades = ("C", "B", "A")
    return {
        "device_id": device,
        "changes": [
            {
                "change_id": secrets.token_hex(12),
                "inspection_id": inspection_id,
                "item_id": f"X-{i:03d}",
                "base_revision": 0,
                "grade": grades[i % 3],
                "note": "现场查看",
                "device_time": "2026-11-20T09:30:00+08:00",
            }
            for i in range(ITEMS)
        ],
    }


def check(status: int, body: Any, replay: bool) -> str | None:
    if status != 200:
        return f"HTTP {status}: {body}"
    receipts = body["receipts"]
    if len(receipts) != ITEMS:
        return f"{len(receipts)} receipts"
    bad = [r for r in receipts if r["status"] != "applied" or bool(r.get("replayed")) != replay]
    return f"{len(bad)} receipts not {'replayed' if replay else 'applied'}" if bad else None


def percentile(samples: list[float], p: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[int(p) - 1]


def run() -> list[str]:
    lines = []
    with tempfile.TemporaryDirectory(prefix="dabiao-bench-") as tmp_name:
        tmp = Path(tmp_name)
        postgres = PostgresServer(tmp / "pg")
        gunicorn = None
        try:
            env = postgres.start()
            if not env:
                return ["PostgreSQL is not installed: run make bench (it installs it)"]
            url = env["DABIAO_TEST_PG_URL"]
            secret = secrets.token_urlsafe(32)
            password = secrets.token_urlsafe(12)
            per_device = LATENCY_RUNS + SOAK_SECONDS * TARGET_RATE // SOAK_DEVICES + 20
            stock = prepare(url, tmp, secret, SOAK_DEVICES, per_device, password)
            port = free_port()
            server_env = {
                **os.environ,
                "DABIAO_SECRET_KEY": secret,
                "DABIAO_DATABASE_URL": url,
                "DABIAO_INSTANCE_PATH": str(tmp / "instance"),
            }
            gunicorn = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--workers",
                    str(WORKERS),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--log-level",
                    "warning",
                    "wsgi:app",
                ],
                cwd=PROJECT_ROOT,
                env=server_env,
            )

            def up() -> bool:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                    conn.request("GET", "/healthz")
                    conn.getresponse().read()
                    return True
                except OSError:
                    return False

            wait_until(up, 60, "gunicorn")
            lines.append(
                f"PostgreSQL {url.rsplit('@', 1)[-1]}, gunicorn {WORKERS} workers, {os.cpu_count()} cores, "
                f"{ITEMS}-item batches"
            )

            # 1. latency of a full batch, then of its replay
            device = Device(port, "bench-0", password)
            batches = [batch_for(stock[0].pop(), "bench-phone-0") for _ in range(LATENCY_RUNS)]
            first, replay = [], []
            for batch in batches:
                started = time.perf_counter()
                problem = check(*device.sync(batch), replay=False)
                first.append((time.perf_counter() - started) * 1000)
                assert problem is None, problem
            for batch in batches:
                started = time.perf_counter()
                problem = check(*device.sync(batch), replay=True)
                replay.append((time.perf_counter() - started) * 1000)
                assert problem is None, problem
            lines.append(
                f"sync of a {ITEMS}-item batch: p50 {statistics.median(first):.0f} ms, "
                f"p95 {percentile(first, 95):.0f} ms ({LATENCY_RUNS} batches)"
            )
            lines.append(
                f"replay of the same batches: p50 {statistics.median(replay):.0f} ms, "
                f"p95 {percentile(replay, 95):.0f} ms (nothing written)"
            )

            # 2. soak: SOAK_DEVICES phones syncing whole inspections back to back for SOAK_SECONDS
            done: list[float] = []
            failures: list[str] = []
            lock = threading.Lock()
            stop_at = time.monotonic() + SOAK_SECONDS

            # what each phone has queued up offline, encoded before the clock starts
            queued = [
                [json.dumps(batch_for(i, f"bench-phone-{d}")).encode() for i in stock[d]]
                for d in range(SOAK_DEVICES)
            ]

            def phone(index: int) -> None:
                me = Device(port, f"bench-{index}", password)
                while time.monotonic() < stop_at and queued[index]:
                    batch = queued[index].pop()
                    started = time.perf_counter()
                    try:
                        problem = check(*me.sync(batch), replay=False)
                    except (OSError, http.client.HTTPException) as exc:
                        problem = f"{type(exc).__name__}: {exc}"
                        me = Device(port, f"bench-{index}", password)
                    with lock:
                        if problem:
                            failures.append(problem)
                        elif time.monotonic() <= stop_at + 5:
                            done.append((time.perf_counter() - started) * 1000)

            threads = [threading.Thread(target=phone, args=(i,)) for i in range(SOAK_DEVICES)]
            started = time.monotonic()
            stop_at = started + SOAK_SECONDS
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(SOAK_SECONDS + 120)
            elapsed = time.monotonic() - started
            rate = len(done) / elapsed
            lines.append(
                f"soak: {SOAK_DEVICES} devices for {elapsed:.1f} s: {len(done)} inspections "
                f"of {ITEMS} items synced, "
                f"{rate:.1f}/s ({rate / TARGET_RATE:.2f} of the {TARGET_RATE}/s baseline), "
                f"{len(failures)} failures; latency p50 {statistics.median(done):.0f} ms, "
                f"p95 {percentile(done, 95):.0f} ms"
            )
            for problem in failures[:5]:
                lines.append(f"  failure: {problem[:200]}")
        finally:
            if gunicorn is not None:
                gunicorn.terminate()
                gunicorn.wait(30)
            postgres.stop()
    return lines
