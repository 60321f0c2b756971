"""MinIO stopped, paused, or killed in the middle of an upload, on a MinIO of the test's own.

The device always gets a 503 with Retry-After within the configured timeouts, never a 500 or a
hang; the database never references an object that is not stored; the retry after the store
comes back stores the photo once; an object left behind by a failure is found by storage verify.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from server.db.models import Evidence
from server.extensions import db
from tests.api.test_evidence import post_photo, stored_keys
from tests.api.world import World
from tests.harness.services import MinioServer
from tests.photos import jpeg
from tests.storage.own_minio import app_on, own_minio

pytestmark = pytest.mark.minio
BOUND_SECONDS = 15  # connect 1 s + read 2 s, two attempts per call, two calls: well under this


@pytest.fixture
def minio(tmp_path: Path) -> Iterator[MinioServer]:
    with own_minio(tmp_path / "minio") as server:
        yield server


@pytest.fixture
def app(minio: MinioServer, app_factory: Callable[..., Flask]) -> Flask:
    return app_on(minio, app_factory, read_timeout=2)


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def assert_retry_later(response: Any, elapsed: float) -> None:
    assert response.status_code == 503, response.json
    assert response.json["error"]["code"] == "storage.unavailable"
    assert response.headers["Retry-After"] == "10"
    assert elapsed < BOUND_SECONDS


def test_minio_stopped_then_back(world: World, minio: MinioServer) -> None:
    inspection = world.inspection()
    data = jpeg()
    minio.kill()
    response, elapsed = timed(
        lambda: post_photo(world, "inspector", inspection, data, upload_id="photo-0001")
    )
    assert_retry_later(response, elapsed)
    assert db.session.query(Evidence).count() == 0
    minio.start()
    retry = post_photo(world, "inspector", inspection, data, upload_id="photo-0001")
    assert retry.status_code == 201, retry.json
    again = post_photo(world, "inspector", inspection, data, upload_id="photo-0001")
    assert (again.status_code, again.json["id"]) == (200, retry.json["id"])
    assert db.session.query(Evidence).count() == 1
    assert len(stored_keys(world, inspection)) == 2


def test_minio_paused(world: World, minio: MinioServer) -> None:
    inspection = world.inspection()
    data = jpeg()
    minio.pause()
    try:
        response, elapsed = timed(
            lambda: post_photo(world, "inspector", inspection, data, upload_id="photo-0002")
        )
    finally:
        minio.resume()
    assert_retry_later(response, elapsed)
    assert db.session.query(Evidence).count() == 0
    assert post_photo(world, "inspector", inspection, data, upload_id="photo-0002").status_code == 201


def test_minio_killed_between_the_photo_and_its_thumbnail(
    world: World, minio: MinioServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    inspection = world.inspection()
    data = jpeg()
    store = world.client.application.extensions["evidence_store"]
    real_put = store.put
    calls = []

    def put_then_die(key: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(key)
        if key.startswith("thumbs/"):
            minio.kill()  # the original is stored, the thumbnail is not
        return real_put(key, *args, **kwargs)

    monkeypatch.setattr(store, "put", put_then_die)
    response, elapsed = timed(
        lambda: post_photo(world, "inspector", inspection, data, upload_id="photo-0003")
    )
    assert_retry_later(response, elapsed)
    assert db.session.query(Evidence).count() == 0  # nothing referenced that is not stored
    monkeypatch.setattr(store, "put", real_put)
    minio.start()
    result = world.client.application.test_cli_runner().invoke(args=["storage", "verify"])
    assert result.exit_code == 1
    assert f"orphaned: {calls[0]}" in result.stderr
    assert post_photo(world, "inspector", inspection, data, upload_id="photo-0003").status_code == 201
    assert db.session.query(Evidence).count() == 1
