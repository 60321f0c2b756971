"""GET /healthz: each component's state; 200 when all are ok, 503 otherwise (with the same body)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from server.api import schemas as s
from server.api.base import Blueprint
from server.services import health

bp = Blueprint("health", __name__, description="服务状态")


@bp.route("/healthz")
@bp.doc(security=[])  # public: the operators' probes carry no session
@bp.response(200, s.HealthOut)
@bp.alt_response(503, schema=s.HealthOut, description="a component is down: the same report")
def healthz() -> Response:
    components: dict[str, Any] = health.check_components()
    ok = all(c["status"] == s.COMPONENT_OK for c in components.values())
    response = jsonify({"status": s.HEALTH_OK if ok else s.HEALTH_DEGRADED, "components": components})
    response.headers["Cache-Control"] = "no-store"
    response.status_code = 200 if ok else 503
    return response
