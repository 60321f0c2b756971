"""A MinIO of the test's own (one drive, or an erasure set) and an app whose evidence lives there:
for tests that stop, pause, kill or break their store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from server.settings import S3Settings
from server.storage.s3 import S3Store
from tests.conftest import require_env
from tests.harness.services import MinioServer


@contextmanager
def own_minio(workdir: Path, drives: int = 1) -> Iterator[MinioServer]:
    require_env("DABIAO_MINIO_BIN", "the MinIO binary")
    server = MinioServer(workdir, drives=drives)
    assert server.start()
    try:
        yield server
    finally:
        server.stop()


def app_on(minio: MinioServer, app_factory: Callable[..., Flask], read_timeout: float) -> Flask:
    """An app whose evidence bucket (versioned, object lock) is on `minio`, with short timeouts."""
    settings = S3Settings(
        f"http://127.0.0.1:{minio.port}",
        "evidence",
        minio.user,
        minio.password,
        "us-east-1",
        connect_timeout=1,
        read_timeout=read_timeout,
    )
    S3Store(settings).ensure_bucket(object_lock=True)
    return app_factory(evidence_backend="s3", s3=settings)
