"""Shared fixtures: settings and apps per database engine, per-test rollback, a real MinIO bucket.

PostgreSQL and MinIO come from the harness (`make test`) through DABIAO_TEST_* variables. Without
them those tests skip, except under CI=true, where a missing service is a failure.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade

from server import create_app
from server.extensions import db as _db
from server.settings import PROJECT_ROOT, S3Settings, Settings

CI = os.environ.get("CI", "").lower() == "true"
ENGINES = ["sqlite", "postgresql"]


def require_env(name: str, what: str) -> str:
    value = os.environ.get(name)
    if not value:
        message = f"{what} is not available ({name} unset); run the suite with make test"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    return value


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "secret_key": secrets.token_urlsafe(32),
        "database_url": database_url,
        "instance_path": tmp_path / "instance",
        "evidence_backend": "local",
        "evidence_dir": tmp_path / "evidence",
        "s3": None,
        "checklists_dir": PROJECT_ROOT / "checklists",
        "pwa_dist": PROJECT_ROOT / "pwa" / "dist",
        "max_content_length": 1024 * 1024,
        "testing": True,
    }
    values.update(overrides)
    return Settings(**values)


def fresh_postgres_database(prefix: str) -> str:
    """A new empty PostgreSQL database on the test server; returns its URL."""
    base = require_env("DABIAO_TEST_PG_URL", "PostgreSQL")
    name = f"{prefix}_{secrets.token_hex(4)}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)


def empty_database_url(engine: str, tmp_path: Path) -> str:
    if engine == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    return fresh_postgres_database("dabiao_empty")


@pytest.fixture(scope="session", params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to head, once per engine for the whole session."""
    tmp = tmp_path_factory.mktemp(f"db-{request.param}")
    url = (
        f"sqlite:///{tmp / 'test.sqlite3'}"
        if request.param == "sqlite"
        else fresh_postgres_database("dabiao")
    )
    app = create_app(make_settings(tmp, url))
    with app.app_context():
        upgrade()
        _db.engine.dispose()
    return url


@pytest.fixture
def app_factory(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Apps on the session's database with settings overridden; their connections closed after the test."""
    apps: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        app = create_app(make_settings(tmp_path, database_url, **overrides))
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            _db.engine.dispose()


@pytest.fixture
def app(app_factory: Callable[..., Flask]) -> Flask:
    return app_factory()


@pytest.fixture
def db(app: Flask) -> Iterator[Any]:
    """The database inside one transaction that is rolled back after the test.

    Flask-SQLAlchemy's session asks `db.engines` for its bind, so the engine is swapped for one
    connection in an open transaction; sessions join it through savepoints, and a service's
    commit releases a savepoint instead of committing.
    """
    with app.app_context():
        engines = _db.engines
        engine = engines[None]
        connection = engine.connect()
        transaction = connection.begin()
        engines[None] = connection  # type: ignore[assignment]
        original = _db.session
        _db.session = _db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            transaction.rollback()
            connection.close()
            engines[None] = engine


@pytest.fixture
def client(app: Flask, db: Any) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture(scope="module")
def s3_settings(request: pytest.FixtureRequest) -> S3Settings:
    """A fresh bucket (versioned, object lock) on the real MinIO for each test module."""
    from server.storage.s3 import S3Store

    endpoint = require_env("DABIAO_TEST_S3_ENDPOINT", "MinIO")
    module = request.module.__name__.rsplit(".", 1)[-1].replace("_", "-")[:30]
    settings = S3Settings(
        endpoint_url=endpoint,
        bucket=f"t-{module}-{secrets.token_hex(4)}".lower(),
        access_key=os.environ["DABIAO_TEST_S3_ACCESS_KEY"],
        secret_key=os.environ["DABIAO_TEST_S3_SECRET_KEY"],
        region="us-east-1",
        connect_timeout=2,
        read_timeout=5,
    )
    assert S3Store(settings).ensure_bucket(object_lock=True)
    return settings


def private_bucket(request: pytest.FixtureRequest) -> S3Settings:
    """A bucket of one test's own on the module's MinIO: the database rolls back after each test,
    the store does not."""
    from server.storage.s3 import S3Store

    base = request.getfixturevalue("s3_settings")
    settings = dataclasses.replace(base, bucket=f"{base.bucket[:40]}-{secrets.token_hex(4)}")
    assert S3Store(settings).ensure_bucket(object_lock=True)
    return settings


@pytest.fixture
def world(client: FlaskClient, db: Any) -> Any:
    from tests.api.world import build_world

    return build_world(client)
