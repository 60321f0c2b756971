"""The database fails after a photo and its thumbnail were stored: the objects are deleted again,
so `storage verify` finds no orphan, and the device's retry stores the photo once.

Real failures, on both engines and both stores (local disk and the real MinIO):
- the database refuses the row (a trigger raising in the INSERT of the evidence row or of its
  audit entry: the failing flush), inside the per-test transaction;
- the connection dies before COMMIT (PostgreSQL: the backend terminated), or SQLite interrupts
  the COMMIT, on a database of the test's own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from server import create_app
from server.db.models import AuditEntry, Evidence, Inspection
from server.extensions import db
from server.services import audit
from tests.api.test_evidence import app, post_photo, stored_keys  # noqa: F401 (app: local and S3 stores)
from tests.api.world import World, build_world
from tests.conftest import fresh_postgres_database, make_settings, private_bucket
from tests.photos import jpeg

REFUSE = {
    "sqlite": [
        "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'refused'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql"
        " AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$",
        "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION refuse()",
    ],
}
UNREFUSE = {
    "sqlite": ["DROP TRIGGER refuse_{table}"],
    "postgresql": ["DROP TRIGGER refuse_{table} ON {table}", "DROP FUNCTION refuse()"],
}


def execute(statements: list[str], table: str) -> None:
    for statement in statements:
        db.session.execute(sa.text(statement.format(table=table)))
    db.session.commit()


def verify(flask_app: Flask) -> str:
    result = flask_app.test_cli_runner().invoke(args=["storage", "verify"])
    assert result.exit_code == 0, result.output + (result.stderr or "")
    return result.output


def keys_of(flask_app: Flask, inspection_id: int) -> list[str]:
    store = flask_app.extensions["evidence_store"]
    return sorted(k for prefix in ("evidence/", "thumbs/") for k in store.keys(f"{prefix}{inspection_id}/"))


def uploads(world: World) -> int:
    return db.session.query(AuditEntry).filter(AuditEntry.action == "evidence.upload").count()


@pytest.mark.parametrize("table", ["evidence", "audit_log"])
def test_the_database_refuses_the_row_after_the_store_writes(world: World, table: str) -> None:
    inspection = world.inspection()
    world.login("inspector")  # a login is audited too: before the audit log refuses entries
    data = jpeg(seed=11)
    engine = db.engine.dialect.name
    execute(REFUSE[engine], table)
    response = post_photo(world, "inspector", inspection, data, upload_id="fault-0001")
    assert response.status_code == 500, response.json  # the database is broken: not the device's fault
    assert response.json["error"]["code"] == "server.internal"
    assert db.session.query(Evidence).count() == 0
    assert stored_keys(world, inspection) == []  # both objects deleted again
    assert "0 missing, 0 mismatched, 0 orphaned" in verify(world.client.application)

    execute(UNREFUSE[engine], table)
    retry = post_photo(world, "inspector", inspection, data, upload_id="fault-0001")
    assert retry.status_code == 201, retry.json
    assert len(stored_keys(world, inspection)) == 2
    assert uploads(world) == 1
    assert "checked 2 objects: 0 missing, 0 mismatched, 0 orphaned" in verify(world.client.application)


# --- a connection that dies, a database that stays locked: on a database of the test's own ---------


@pytest.fixture(params=["local", "s3"])
def store_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "local":
        return {}
    return {"evidence_backend": "s3", "s3": private_bucket(request)}


@pytest.fixture
def own_database(
    database_url: str, tmp_path: Path, store_overrides: dict[str, Any]
) -> Iterator[tuple[Flask, str]]:
    """An app on a new migrated database of the session's engine (committed for real)."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'own.sqlite3'}"
    else:
        url = fresh_postgres_database("dabiao_photo_fault")
    flask_app = create_app(make_settings(tmp_path, url, **store_overrides))
    with flask_app.app_context():
        upgrade()
        yield flask_app, url
        db.session.remove()
        db.engine.dispose()


def interrupt_once(connection: sqlite3.Connection) -> None:
    fired: list[bool] = []

    def handler() -> int:
        if fired:
            return 0
        fired.append(True)
        return 1

    connection.set_progress_handler(handler, 1)


def break_connection(url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Make the next upload's write fail for real after the store writes; returns the undo."""
    real_record = audit.record

    def record_then_die(*args: Any, **kwargs: Any) -> Any:
        entry = real_record(*args, **kwargs)
        if args and args[0] == "evidence.upload":  # the row and its entry flushed, not committed
            if url.startswith("sqlite"):
                # The upload holds the write lock from its start (BEGIN IMMEDIATE), so no other
                # writer can get in; SQLite interrupts its COMMIT instead (a progress handler
                # answering non-zero, once): OperationalError "interrupted", nothing committed.
                interrupt_once(db.session.connection().connection.driver_connection)
            else:
                db.session.execute(sa.text("SELECT pg_terminate_backend(pg_backend_pid())"))
        return entry

    monkeypatch.setattr(audit, "record", record_then_die)
    return lambda: monkeypatch.setattr(audit, "record", real_record)


def test_the_connection_dies_after_the_store_writes(
    own_database: tuple[Flask, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flask_app, url = own_database
    world: World = build_world(flask_app.test_client())
    inspection = world.inspection()
    inspection_id = inspection.id
    world.login("inspector")
    db.session.commit()
    data = jpeg(seed=12)

    undo = break_connection(url, monkeypatch)
    try:
        response = post_photo(world, "inspector", inspection, data, upload_id="fault-0002")
    finally:
        undo()
    assert response.status_code == 503, response.json
    assert response.json["error"]["code"] == "db.unavailable"
    assert response.headers["Retry-After"] == "5"
    db.session.remove()
    assert db.session.query(Evidence).count() == 0
    assert uploads(world) == 0
    assert keys_of(flask_app, inspection_id) == []
    assert "checked 0 objects: 0 missing, 0 mismatched, 0 orphaned" in verify(flask_app)

    inspection = db.session.get(Inspection, inspection_id)
    retry = post_photo(world, "inspector", inspection, data, upload_id="fault-0002")
    assert retry.status_code == 201, retry.json
    db.session.remove()
    assert db.session.query(Evidence).count() == 1
    assert uploads(world) == 1
    assert "checked 2 objects: 0 missing, 0 mismatched, 0 orphaned" in verify(flask_app)


def test_objects_are_kept_when_it_cannot_be_told_whether_the_row_exists(
    own_database: tuple[Flask, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit failed and the database cannot be asked either: the objects stay (an orphan
    that storage verify lists is safe; a row without its photo would not be)."""
    flask_app, url = own_database
    world: World = build_world(flask_app.test_client())
    inspection = world.inspection()
    inspection_id = inspection.id
    world.login("inspector")
    db.session.commit()
    from server.db import evidence as queries

    def unreachable(key: str) -> bool:
        raise sa.exc.OperationalError("SELECT", {}, Exception("the database went away"))

    monkeypatch.setattr(queries, "object_referenced", unreachable)
    undo = break_connection(url, monkeypatch)
    try:
        response = post_photo(world, "inspector", inspection, jpeg(seed=13), upload_id="fault-0003")
    finally:
        undo()
    assert response.status_code == 503, response.json
    db.session.remove()
    assert db.session.query(Evidence).count() == 0
    kept = keys_of(flask_app, inspection_id)
    assert len(kept) == 2
    result = flask_app.test_cli_runner().invoke(args=["storage", "verify"])
    assert result.exit_code == 1
    assert all(f"orphaned: {key}" in result.stderr for key in kept)
