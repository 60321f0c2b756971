"""GET /verify/<code>: the public check behind a report's QR code. It says whether the report is
genuine and current, and shows only the facility name, tier, date and digest."""

from __future__ import annotations

from flask import Blueprint, Response

from server.reports.render import render_html
from server.services import reports

bp = Blueprint("verify", __name__)


@bp.get("/verify/<code>")
def verify(code: str) -> Response:
    result = reports.verify(code) if len(code) <= 32 else None
    html = render_html("verify.html", result=result)
    response = Response(html, status=200 if result else 404, mimetype="text/html")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "no-store"
    return response
