"""What every API blueprint shares: strict JSON parsing, the error shape, authentication against
the policy table, and small request helpers.

flask-smorest builds the OpenAPI document from the marshmallow schemas; its own error body is
replaced by ours so that every error, validation included, has one shape.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast
from urllib.parse import quote

import flask_smorest
import marshmallow as ma
from flask import Response, current_app, g, request, stream_with_context
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from server import registry
from server.api.errors import catalog_response, error_response, http_error
from server.api.fields import problem_code
from server.api.schemas import Error as ErrorSchema
from server.domain import jsonstrict
from server.domain.access import POLICY, WHILE_ONE_TIME_PASSWORD, Principal, allowed
from server.domain.errors import DomainError
from server.services import auth, photos
from server.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


class StrictParser(FlaskParser):
    """Reads JSON bodies with the strict decoder: NaN, Infinity, duplicate keys and deep nesting fail."""

    def _raw_load_json(self, req: Any) -> Any:
        if not req.mimetype or "json" not in req.mimetype:
            return ma.missing if not req.get_data(cache=True) else _reject_media_type()
        return jsonstrict.loads(req.get_data(cache=True))


def _reject_media_type() -> Any:
    raise DomainError("request.unsupported_media_type")


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = StrictParser()


def problems_of(messages: Any, path: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """marshmallow's nested messages as a flat list of problems with JSON pointers."""
    problems: list[dict[str, str]] = []
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            problems += problems_of(value, (*path, str(key)))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        where = "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in path)
        for message in messages:
            problems.append({"code": problem_code(message), "pointer": where, "message": message})
    elif isinstance(messages, list):
        for i, value in enumerate(messages):
            problems += problems_of(value, (*path, str(i)))
    return problems


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # each error status is documented (server.api.docs)

    def handle_http_exception(self, error: HTTPException) -> Response:
        status = error.code or 500
        if status == 405 and not _is_api_route(request.path):
            status = 404  # only the app shell's GET route matched: no such API resource
        data = getattr(error, "data", None) or {}
        if status == 422 and "messages" in data:
            messages = data["messages"]
            # webargs nests messages under the location ("json", "query", ...)
            inner = next(iter(messages.values())) if len(messages) == 1 else messages
            response = catalog_response("request.invalid", problems_of(inner))
        else:
            response = error_response(status, *http_error(status))
        for key, value in (data.get("headers") or {}).items():
            response.headers[key] = value
        return response


def _is_api_route(path: str) -> bool:
    """Whether `path` is the path of some API route (whatever its methods)."""
    adapter = current_app.url_map.bind("localhost")
    for method in ("GET", "POST", "PUT", "DELETE"):
        try:
            endpoint, _ = adapter.match(path, method=method)
        except HTTPException:
            continue
        return bool(endpoint != "pwa.shell")
    return False


def settings() -> Settings:
    return registry.settings()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def client_ip() -> str | None:
    return request.remote_addr


_NOT_ASCII_NAME = re.compile(r"[^0-9A-Za-z._-]+")


def attachment(filename: str) -> str:
    """The Content-Disposition of a download named `filename`. A name beyond ASCII (开封市2026年评审结果.xlsx)
    goes in RFC 5987's `filename*`, in UTF-8, which browsers use; `filename` then carries an ASCII
    stand-in for clients that read nothing else (a header must be ASCII)."""
    if filename.isascii() and '"' not in filename and "\\" not in filename:
        return f'attachment; filename="{filename}"'
    stem, dot, suffix = filename.rpartition(".")
    plain = _NOT_ASCII_NAME.sub("", stem if dot else filename).strip("._-") or "download"
    plain += f".{_NOT_ASCII_NAME.sub('', suffix)}" if dot and suffix.isascii() else ""
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


def principal() -> Principal:
    return cast(Principal, g.principal)


def requires(endpoint: str) -> Callable[[F], F]:
    """Authenticate the request and check the endpoint's roles in the policy table."""
    if endpoint not in POLICY:
        raise KeyError(f"{endpoint} is not in the policy table")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise DomainError("auth.required")
            g.principal = auth.authenticate(settings(), token.strip(), now())
            if not allowed(endpoint, g.principal.role):
                raise DomainError("auth.forbidden")
            if g.principal.must_change_password and endpoint not in WHILE_ONE_TIME_PASSWORD:
                raise DomainError("auth.password_change_required")
            return view(*args, **kwargs)

        wrapper.policy_endpoint = endpoint  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorate


def read_photo(upload: Any) -> bytes:
    """An uploaded photo's bytes, one byte beyond the size limit at most (the limit's check
    then refuses it without reading the rest)."""
    try:
        return bytes(upload.stream.read(settings().max_photo_bytes + 1))
    finally:
        upload.close()


def send_photo(download: photos.Download) -> Response:
    """A stored photo streamed inline: never sniffed, never cached, never run as a page."""
    response = Response(
        stream_with_context(download.chunks), mimetype=download.content_type, direct_passthrough=True
    )
    if download.size is not None:
        response.headers["Content-Length"] = str(download.size)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="{download.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
