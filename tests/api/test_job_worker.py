"""Jobs through procrastinate's queue on PostgreSQL and real workers (`flask jobs worker`), on a
database of their own where every write is committed, as in production.

A worker killed in the middle of a job (its child process too) is survived: another worker puts
the job back in the queue once the dead one's heartbeat is stale, the job runs again as its next
attempt, and exactly one result is published. The limits hold: a job over its time limit is
failed, and a child is replaced after its number of jobs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import text

from server import create_app, registry
from server.extensions import db
from server.settings import PROJECT_ROOT
from tests.api.world import World, add_facility, build_world
from tests.conftest import fresh_postgres_database, make_settings
from tests.services.test_payouts import approved, qs_rules

pytestmark = pytest.mark.postgres

SHEET = {"region_code": "410200", "period": "2026Q4", "format": "pdf"}


STALLED_S = 5


@pytest.fixture
def committed(tmp_path: Path) -> Iterator[tuple[Flask, World, dict[str, str]]]:
    """An app on a fresh PostgreSQL database, a world committed into it, and the environment
    that gives a worker process the same database and evidence store."""
    url = fresh_postgres_database("dabiao_jobs")
    # a worker silent for 5 s is taken for dead: short for the test, long enough that a busy
    # machine (two renderers on two cores) does not delay a live worker's heartbeat past it
    settings = make_settings(tmp_path, url, job_stalled_seconds=STALLED_S, job_max_per_child=1)
    app = create_app(settings)
    with app.app_context():
        upgrade()
        world = build_world(app.test_client())
        env = {
            **os.environ,
            "DABIAO_DATABASE_URL": url,
            "DABIAO_SECRET_KEY": settings.secret_key,
            "DABIAO_INSTANCE_PATH": str(settings.instance_path),
            "DABIAO_EVIDENCE_DIR": str(settings.evidence_dir),
            "DABIAO_JOB_STALLED_SECONDS": str(STALLED_S),
        }
        yield app, world, env
        db.session.remove()
        db.engine.dispose()


def run_once(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--once"])
    assert result.exit_code == 0, result.output


def job_row(job_id: int) -> dict[str, Any]:
    db.session.rollback()  # a fresh snapshot: the worker commits from its own processes
    row = db.session.execute(
        text("SELECT state, attempt, progress_done, progress_total, result_key FROM jobs WHERE id = :id"),
        {"id": job_id},
    ).one()
    return dict(row._mapping)


def many_approved(world: World, count: int) -> None:
    qs_rules()
    for n in range(count):
        approved(world, add_facility("410222" if n % 2 else "410225", f"基准卫生院{n:04d}"))
    db.session.commit()


def test_a_queued_job_is_one_job_until_a_worker_runs_it(committed: Any) -> None:
    app, world, _ = committed
    many_approved(world, 3)
    job = world.call("city_reviewer", "POST", "/api/payouts/sheets", SHEET).json
    assert (job["state"], job["state_label"]) == ("queued", "排队中")
    again = world.call("admin", "POST", "/api/payouts/sheets", SHEET).json
    assert again["id"] == job["id"]
    early = world.call("city_reviewer", "GET", f"/api/jobs/{job['id']}/result")
    assert (early.status_code, early.json["error"]["code"]) == (409, "jobs.not_finished")
    queued = db.session.execute(
        text("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'")
    ).scalar()
    assert queued == 1
    run_once(app)
    done = world.call("city_reviewer", "GET", f"/api/jobs/{job['id']}").json
    assert (done["state"], done["attempt"]) == ("succeeded", 1)
    assert done["progress"]["done"] == done["progress"]["total"] > 0
    pdf = world.call("city_reviewer", "GET", f"/api/jobs/{job['id']}/result")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_export_job_runs_on_a_real_worker(committed: Any) -> None:
    """Queued on PostgreSQL, run by `flask jobs worker` in its child process, downloaded."""
    app, world, _ = committed
    approved(world, "own")
    approved(world, "sibling")
    db.session.commit()
    body = {"region_code": "410200", "period": "2026Q4"}
    job = world.call("finance", "POST", "/api/exports/results", body).json
    assert (job["state"], job["kind"]) == ("queued", "results_export")
    assert world.call("admin", "POST", "/api/exports/results", body).json["id"] == job["id"]  # one job
    run_once(app)
    done = world.call("finance", "GET", f"/api/jobs/{job['id']}").json
    assert done["state"] == "succeeded", done
    download = world.call("finance", "GET", f"/api/jobs/{job['id']}/result")
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(download.data)).worksheets[1]
    assert [row[3] for row in sheet.iter_rows(min_row=6, values_only=True)] == [
        "通许县城关镇卫生院",
        "兰考县城关镇卫生院",
    ]


def test_a_job_queued_with_data_that_rolls_back_never_existed(committed: Any) -> None:
    _, world, _ = committed
    from server.services import jobs

    jobs.submit("payout_sheet", "payout_sheet:410200:2026:pdf", {}, "410200", world.users["admin"].id)
    db.session.rollback()
    assert db.session.execute(text("SELECT count(*) FROM procrastinate_jobs")).scalar() == 0
    assert db.session.execute(text("SELECT count(*) FROM jobs")).scalar() == 0


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed with its child at once
        )


def wait_for(check: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def test_a_worker_killed_in_the_middle_of_a_job_is_survived(committed: Any, tmp_path: Path) -> None:
    _, world, env = committed
    many_approved(world, 200)  # a sheet that takes a few seconds
    job = world.call("city_reviewer", "POST", "/api/payouts/sheets", SHEET).json
    log = tmp_path / "workers.log"
    first = start_worker(env, log)
    try:
        wait_for(lambda: job_row(job["id"])["state"] == "running", 60, "the first worker to start the job")
        time.sleep(0.5)  # in the middle of it
        os.killpg(first.pid, signal.SIGKILL)  # the worker and its child, without warning
        first.wait(10)
        assert job_row(job["id"])["result_key"] is None  # nothing partial was published
        second = start_worker(env, log)
        try:
            row = wait_for(
                lambda: (r := job_row(job["id"]))["state"] == "succeeded" and r,
                120,
                "the job to finish again",
            )
        finally:
            stop(second)
    finally:
        stop(first)
    assert row["attempt"] == 2, log.read_text()
    keys = list(registry.evidence_store().keys(f"jobs/{job['id']}/"))
    assert keys == [row["result_key"]]  # one result, whatever the first attempt left behind
    pdf = world.call("city_reviewer", "GET", f"/api/jobs/{job['id']}/result")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.data.rstrip().endswith(b"%%EOF")
    assert db.session.execute(text("SELECT status FROM procrastinate_jobs")).scalars().all() == []


def test_a_job_over_its_time_limit_is_failed_and_children_are_replaced(committed: Any) -> None:
    app, world, _ = committed
    many_approved(world, 3)
    first = world.call("city_reviewer", "POST", "/api/payouts/sheets", SHEET).json
    second = world.call("city_reviewer", "POST", "/api/payouts/sheets", dict(SHEET, format="xlsx")).json
    run_once(app)  # each child runs one job (job_max_per_child=1)
    pids = {
        db.session.execute(text("SELECT result_meta FROM jobs WHERE id = :id"), {"id": j["id"]}).scalar()[
            "process"
        ]
        for j in (first, second)
    }
    assert len(pids) == 2 and os.getpid() not in pids
    slow = world.call("city_reviewer", "POST", "/api/payouts/sheets", dict(SHEET, period="2026")).json
    tight = create_app(dataclasses.replace(registry.settings(), job_time_limit_s=0.05))
    with tight.app_context():  # the CLI runs in the app context it finds pushed
        run_once(tight)
        db.session.remove()
        db.engine.dispose()
    failed = world.call("city_reviewer", "GET", f"/api/jobs/{slow['id']}").json
    assert failed["state"] == "failed"
    assert failed["error"] == {"code": "jobs.timeout", "message": "任务超过时间上限（1 秒）未完成，已终止"}
    assert failed["result"] is None
    assert dt.datetime.fromisoformat(failed["finished_at"]) >= dt.datetime.fromisoformat(failed["created_at"])


def test_a_large_plan_waits_as_pending_until_a_worker_creates_its_inspections(committed: Any) -> None:
    app, world, _ = committed
    app.config["DABIAO_SETTINGS"] = dataclasses.replace(registry.settings(), plan_inline_facilities=1)
    body = {
        "request_id": "worker-plan-0001",
        "name": "大计划",
        "region_code": "410222",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-31",
        "checklist_id": "mini-test",
        "checklist_version": 1,
        "kind": "county_inspection",
        "entries": [
            {
                "facility_id": world.facilities[f].id,
                "inspector_ids": [world.users["inspector"].id],
                "inspection_date": "2026-12-10",
            }
            for f in ("own", "own2")
        ],
    }
    created = world.call("county_reviewer", "POST", "/api/plans", body)
    assert created.status_code == 201, created.json
    plan = created.json["plan"]
    assert (plan["status"], plan["job"]["state"], created.json["entries"]) == ("pending", "queued", [])
    again = world.call("county_reviewer", "POST", "/api/plans", body)  # the same request, while queued
    assert again.status_code == 200 and again.json["plan"]["id"] == plan["id"]
    refused = world.call("county_reviewer", "POST", f"/api/plans/{plan['id']}/cancel", {"reason": "太早了"})
    assert (refused.status_code, refused.json["error"]["code"]) == (409, "plan.pending")
    db.session.rollback()  # as the end of a request would: the worker's job locks the plan
    run_once(app)
    db.session.expire_all()
    done = world.call("county_reviewer", "GET", f"/api/plans/{plan['id']}").json
    assert (done["plan"]["status"], done["plan"]["job"]["state"]) == ("active", "succeeded")
    assert len(done["entries"]) == 2 and {e["progress"] for e in done["entries"]} == {"not_started"}
    assert done["plan"]["job"]["progress"]["done"] == done["plan"]["job"]["progress"]["total"]


def test_a_plan_whose_job_finds_a_problem_fails_and_can_be_cancelled(committed: Any) -> None:
    app, world, _ = committed
    app.config["DABIAO_SETTINGS"] = dataclasses.replace(registry.settings(), plan_inline_facilities=1)
    body = {
        "request_id": "worker-plan-0002",
        "name": "要取消的计划",
        "region_code": "410222",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-31",
        "checklist_id": "mini-test",
        "checklist_version": 1,
        "kind": "county_inspection",
        "entries": [
            {
                "facility_id": world.facilities[f].id,
                "inspector_ids": [world.users[u].id],
                "inspection_date": "2026-12-10",
            }
            for f, u in (("own", "inspector"), ("own2", "inspector2"))
        ],
    }
    plan = world.call("county_reviewer", "POST", "/api/plans", body).json["plan"]
    assert plan["status"] == "pending"
    gone = world.call(
        "county_reviewer", "POST", f"/api/users/{world.users['inspector2'].id}/disable", {"reason": "调离"}
    )
    assert gone.status_code == 200, gone.json  # before the job ran: it checks the rows again
    db.session.rollback()
    run_once(app)
    db.session.expire_all()
    failed = world.call("county_reviewer", "GET", f"/api/plans/{plan['id']}").json["plan"]
    assert (failed["status"], failed["job"]["state"]) == ("pending", "failed")
    assert failed["job"]["error"]["message"] == "评审计划有 1 处问题，未创建任何检查"
    cancelled = world.call(
        "county_reviewer", "POST", f"/api/plans/{plan['id']}/cancel", {"reason": "检查组有变，重新制定"}
    )
    assert cancelled.status_code == 200, cancelled.json
    assert cancelled.json["plan"]["status"] == "cancelled" and cancelled.json["entries"] == []
