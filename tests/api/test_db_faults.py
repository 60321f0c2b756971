"""The database dies in the middle of a sync: the device gets an error it can retry, and the
server keeps no part of the batch. Runs on the real PostgreSQL, outside the rollback fixture."""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from server import create_app
from server.db import inspections as queries
from server.db.models import Answer, AnswerRevision, SyncReceipt
from server.extensions import db
from tests.api.world import World, build_world, complete_changes
from tests.conftest import fresh_postgres_database, make_settings, require_env

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(make_settings(tmp_path, fresh_postgres_database("dabiao_fault")))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def rows() -> tuple[int, int, int]:
    return (
        db.session.query(Answer).count(),
        db.session.query(AnswerRevision).count(),
        db.session.query(SyncReceipt).count(),
    )


def test_connection_killed_before_commit_leaves_nothing_and_a_retry_applies_once(
    pg_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pg_app.app_context():
        world: World = build_world(pg_app.test_client())
        inspection = world.inspection()
        changes = complete_changes(inspection.id)
        world.login("inspector")
        real_insert = queries.insert_rows

        def insert_then_die(model: Any, batch: list[dict[str, Any]]) -> None:
            real_insert(model, batch)
            if model is SyncReceipt:  # everything is written, nothing committed: the server goes away
                db.session.execute(sa.text("SELECT pg_terminate_backend(pg_backend_pid())"))

        monkeypatch.setattr(queries, "insert_rows", insert_then_die)
        response = world.sync("inspector", changes)
        assert response.status_code == 503
        assert response.json["error"]["code"] == "db.unavailable"
        assert response.headers["Retry-After"] == "5"
        db.session.remove()
        assert rows() == (0, 0, 0)

        monkeypatch.setattr(queries, "insert_rows", real_insert)
        retry = world.sync("inspector", changes)
        assert retry.status_code == 200
        assert {r["status"] for r in retry.json["receipts"]} == {"applied"}
        assert rows() == (15, 15, 15)
        again = world.sync("inspector", changes)
        assert all(r["replayed"] for r in again.json["receipts"])
        assert rows() == (15, 15, 15)


def test_database_restart_between_syncs(pg_app: Flask) -> None:
    ctl = shlex.split(require_env("DABIAO_TEST_PG_CTL", "a restartable PostgreSQL"))
    with pg_app.app_context():
        world: World = build_world(pg_app.test_client())
        inspection = world.inspection()
        changes = complete_changes(inspection.id)
        world.login("inspector")
        first, second = changes[:7], changes[7:]
        assert world.sync("inspector", first).status_code == 200
        subprocess.run([*ctl, "-m", "fast", "restart"], check=True, capture_output=True, timeout=60)
        deadline = time.monotonic() + 30
        statuses = []
        while time.monotonic() < deadline:
            response = world.sync("inspector", second)
            statuses.append(response.status_code)
            if response.status_code == 200:
                break
            assert response.status_code == 503, response.json
            time.sleep(0.5)
        assert statuses[-1] == 200
        db.session.remove()
        assert rows() == (15, 15, 15)


def test_env_for_fault_tests_is_there() -> None:
    if os.environ.get("CI", "").lower() == "true":
        assert os.environ.get("DABIAO_TEST_PG_CTL")
