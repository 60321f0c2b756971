"""GET /healthz reports each component, on both engines and both evidence stores."""

import socket
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from server.services import checklists
from server.settings import PROJECT_ROOT, S3Settings
from tests import openapi_conformance as oc


def conforms(status: int, body: Any) -> None:
    """The body is what the OpenAPI document says /healthz answers with this status."""
    assert oc.problems(oc.response_schema("/healthz", "get", status), body) == []


def test_healthz_ok_once_checklists_are_loaded(client: FlaskClient, db: Any) -> None:
    first = client.get("/healthz")
    assert first.status_code == 503
    assert first.json["components"]["checklists"]["status"] == "error"
    conforms(503, first.json)
    checklists.sync_published(PROJECT_ROOT / "checklists")
    response = client.get("/healthz")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "ok"
    assert body["components"]["database"]["engine"] in {"sqlite", "postgresql"}
    assert body["components"]["evidence_store"]["backend"] == "local"
    assert body["components"]["checklists"]["loaded"] >= 3
    assert response.headers["Cache-Control"] == "no-store"
    conforms(200, response.json)


def test_healthz_with_minio(app_factory: Callable[..., Flask], s3_settings: S3Settings) -> None:
    app = app_factory(evidence_backend="s3", s3=s3_settings)
    body = app.test_client().get("/healthz").json
    assert body["components"]["evidence_store"] == {
        "status": "ok",
        "backend": "s3",
        "bucket": s3_settings.bucket,
        "ms": body["components"]["evidence_store"]["ms"],
    }
    conforms(503 if body["status"] == "degraded" else 200, body)


def test_healthz_reports_a_dead_store_without_leaking(app_factory: Callable[..., Flask]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = S3Settings(f"http://127.0.0.1:{port}", "evidence", "id", "secret", "us-east-1", 1, 1)
    app = app_factory(evidence_backend="s3", s3=dead)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    store = response.json["components"]["evidence_store"]
    assert store["status"] == "error"
    assert str(port) not in response.get_data(as_text=True)
    conforms(503, response.json)
