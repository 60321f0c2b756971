"""GET /healthz: each component's state; 200 when all are ok, 503 otherwise."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from server.services import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    components: dict[str, Any] = health.check_components()
    ok = all(c["status"] == "ok" for c in components.values())
    response = jsonify({"status": "ok" if ok else "degraded", "components": components})
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ok else 503
