"""Evidence on an erasure-coded MinIO (four drives, EC:2) that loses a drive in the middle of a run.

With one drive gone, uploads still succeed, every photo stored before and after reads back with
its SHA-256, and `flask storage verify` stays clean. With a second drive gone the write quorum
(three of four) is lost: the upload is refused with a 503 and nothing is recorded, while what was
stored still reads (the read quorum is two) — so the first half is not passing by accident.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from server.db.models import Evidence, Inspection
from server.extensions import db
from tests.api.test_evidence import post_photo, stored_keys
from tests.api.world import World
from tests.harness.services import MinioServer
from tests.photos import jpeg
from tests.storage.own_minio import app_on, own_minio

pytestmark = pytest.mark.minio
DRIVES = 4
NOTICE_SECONDS = 30  # MinIO marks a failed drive within about a second here; polled, never slept


@pytest.fixture
def minio(tmp_path: Path) -> Iterator[MinioServer]:
    with own_minio(tmp_path / "minio", drives=DRIVES) as server:
        yield server


@pytest.fixture
def app(minio: MinioServer, app_factory: Callable[..., Flask]) -> Flask:
    return app_on(minio, app_factory, read_timeout=5)


def wait_for_states(minio: MinioServer, healthy: int, timeout: float = NOTICE_SECONDS) -> dict[str, str]:
    """Polls MinIO's admin API until exactly `healthy` drives are "ok"; the states then."""
    deadline = time.monotonic() + timeout
    while True:
        states = minio.drive_states()
        if sum(state == "ok" for state in states.values()) == healthy:
            return states
        if time.monotonic() > deadline:
            raise AssertionError(f"MinIO still reports {states} after {timeout:.0f} s")
        time.sleep(0.2)


def upload(world: World, inspection: Inspection, seed: int) -> tuple[int, str]:
    data = jpeg(width=320, height=240, seed=seed)
    response = post_photo(world, "inspector", inspection, data, upload_id=f"erasure-{seed:04d}")
    assert response.status_code == 201, response.json
    return response.json["id"], hashlib.sha256(data).hexdigest()


def read_back(world: World, photos: dict[int, str]) -> None:
    for evidence_id, digest in photos.items():
        response = world.call("inspector", "GET", f"/api/evidence/{evidence_id}/content")
        assert response.status_code == 200
        assert hashlib.sha256(response.data).hexdigest() == digest, evidence_id
        thumb = world.call("inspector", "GET", f"/api/evidence/{evidence_id}/thumbnail")
        row = db.session.get(Evidence, evidence_id)
        assert row is not None
        assert hashlib.sha256(thumb.data).hexdigest() == row.thumb_sha256


def storage_verify(world: World) -> str:
    result = world.client.application.test_cli_runner().invoke(args=["storage", "verify"])
    assert result.exit_code == 0, (result.output, result.stderr)
    return str(result.output)


def test_one_drive_lost_mid_run_then_a_second(world: World, minio: MinioServer) -> None:
    states = wait_for_states(minio, DRIVES, timeout=5)
    assert len(states) == DRIVES  # really erasure-coded over four drives
    inspection = world.inspection()
    photos = dict(upload(world, inspection, seed) for seed in range(3))

    gone = minio.remove_drive(3)
    assert (gone / ".minio.sys").is_dir()  # it held data until now
    # straight on, before MinIO has necessarily noticed: the uploads of a run in progress
    photos.update(upload(world, inspection, seed) for seed in range(3, 6))
    states = wait_for_states(minio, DRIVES - 1)
    assert states[str(minio.drive(3))] != "ok"
    # and once it has
    photos.update(upload(world, inspection, seed) for seed in range(6, 9))

    read_back(world, photos)
    assert db.session.query(Evidence).count() == len(photos) == 9
    assert len(stored_keys(world, inspection)) == 2 * len(photos)  # each photo and its thumbnail once
    storage_verify(world)

    # a second drive gone: three of four is the write quorum, so the store now refuses writes
    minio.remove_drive(1)
    wait_for_states(minio, DRIVES - 2)
    refused = post_photo(world, "inspector", inspection, jpeg(seed=99), upload_id="erasure-0099")
    assert refused.status_code == 503, refused.json
    assert refused.json["error"]["code"] == "storage.unavailable"
    assert db.session.query(Evidence).count() == len(photos)
    read_back(world, photos)  # two drives still meet the read quorum
