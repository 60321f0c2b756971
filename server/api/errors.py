"""One error body everywhere: {"error": {"code": "...", "message": "...", "problems": [...]}}.

Codes are stable strings from the domain (DomainError) or, for protocol errors, "http.<name>".
An unexpected exception is logged and answered with "server.internal" and nothing else.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from server.domain.errors import DomainError

HTTP_CODES = {
    400: "http.bad_request",
    401: "http.unauthorized",
    403: "http.forbidden",
    404: "http.not_found",
    405: "http.method_not_allowed",
    409: "http.conflict",
    413: "http.payload_too_large",
    415: "http.unsupported_media_type",
    429: "http.too_many_requests",
    503: "http.unavailable",
}


def error_response(
    status: int, code: str, message: str, problems: list[dict[str, Any]] | None = None
) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if problems:
        body["problems"] = problems
    response = jsonify({"error": body})
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Response:
        response = error_response(exc.status, exc.code, exc.message, [p.to_json() for p in exc.problems])
        if exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        return error_response(status, HTTP_CODES.get(status, f"http.{status}"), exc.name)

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def _database(exc: DBAPIError) -> Response:
        # The database went away or is busy: the transaction was rolled back whole, so the
        # client can send the same request again.
        if not isinstance(exc, OperationalError) and not exc.connection_invalidated:
            return _unexpected(exc)
        app.logger.warning("database unavailable: %s", type(exc.orig).__name__)
        _rollback()
        response = error_response(503, "db.unavailable", "the database is unavailable; retry shortly")
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        app.logger.exception("unhandled error")
        _rollback()
        return error_response(500, "server.internal", "internal error")


def _rollback() -> None:
    from server.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the session is discarded at teardown anyway
        db.session.remove()
