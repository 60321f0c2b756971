"""One error body everywhere: {"error": {"code": "...", "message": "...", "problems": [...]}}.

Codes are stable strings from the domain (DomainError) or, for protocol errors, "http.<name>".
An unexpected exception is logged and answered with "server.internal" and nothing else.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from server.domain import catalog
from server.domain.errors import DomainError
from server.services import transaction

HTTP_CODES = {
    400: "http.bad_request",
    401: "http.unauthorized",
    403: "http.forbidden",
    404: "http.not_found",
    405: "http.method_not_allowed",
    406: "http.not_acceptable",
    408: "http.request_timeout",
    409: "http.conflict",
    410: "http.gone",
    411: "http.length_required",
    412: "http.precondition_failed",
    413: "http.payload_too_large",
    414: "http.uri_too_long",
    415: "http.unsupported_media_type",
    416: "http.range_not_satisfiable",
    428: "http.precondition_required",
    429: "http.too_many_requests",
    431: "http.headers_too_large",
    500: "http.internal",
    501: "http.not_implemented",
    503: "http.unavailable",
}
# The Chinese words of each protocol error, from the one catalog.
HTTP_MESSAGES = {status: catalog.message(code) for status, code in HTTP_CODES.items()}


def http_error(status: int) -> tuple[str, str]:
    """(code, Chinese message) of a protocol error; a status without its own code answers with
    the general one of its class, so that every code is in the catalog."""
    code = HTTP_CODES.get(status) or ("http.internal" if status >= 500 else "http.bad_request")
    return code, catalog.message(code)


def _printable(value: Any) -> Any:
    """Error bodies may quote what was sent (a pointer to an odd key): lone surrogates would make
    the body unencodable, so they are replaced."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8") if _has_surrogate(value) else value
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(v) for v in value]
    return value


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def error_response(
    status: int, code: str, message: str, problems: list[dict[str, Any]] | None = None
) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if problems:
        body["problems"] = problems
    response = jsonify({"error": _printable(body)})
    response.status_code = status
    return response


def catalog_response(code: str, problems: list[dict[str, Any]] | None = None, **params: Any) -> Response:
    """The error body of `code` with the catalog's status and message."""
    return error_response(catalog.status(code), code, catalog.message(code, **params), problems)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Response:
        response = error_response(exc.status, exc.code, exc.message, [p.to_json() for p in exc.problems])
        if exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        return error_response(exc.code or 500, *http_error(exc.code or 500))

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def _database(exc: DBAPIError) -> Response:
        # The database went away or is busy: the transaction was rolled back whole, so the
        # client can send the same request again.
        if not isinstance(exc, OperationalError) and not exc.connection_invalidated:
            return _unexpected(exc)
        app.logger.warning("database unavailable: %s", type(exc.orig).__name__)
        _rollback()
        response = catalog_response("db.unavailable")
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        app.logger.exception("unhandled error")
        _rollback()
        return catalog_response("server.internal")


def _rollback() -> None:
    transaction.abandon()
