"""Every error an operation can answer, written into the OpenAPI document.

flask-smorest documents one catch-all "default" error; with it any status conforms, and a
conformance check (the fuzzing in the test suite) proves nothing. This apispec plugin documents
each status instead, from what the route shows:
- every operation: 503 (database or evidence store unavailable, with Retry-After);
- authenticated ones (`requires`): 401, and 403 unless every role may call them;
- a path parameter: 404;
- a JSON or form body: 400 (malformed JSON), 413 (too large), 415 (not JSON), 422 (invalid fields);
- query parameters: 422;
- and what the service can refuse beyond that, declared on the view with `raises(...)`.
Anything else the server answers is then a documentation bug the fuzzing reports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from apispec import BasePlugin
from flask import Flask
from werkzeug.routing import Rule

from server.domain.access import ALL, POLICY, WHILE_ONE_TIME_PASSWORD

F = TypeVar("F", bound=Callable[..., Any])

DESCRIPTIONS = {
    400: "Malformed request (invalid JSON, NaN, duplicate keys, nesting too deep, number too long)",
    401: "Not logged in, or the session ended",
    403: "The role may not do this",
    404: "No such resource in the caller's scope",
    409: "Conflicts with the resource's current state",
    410: "The stored object is gone",
    413: "Request or upload too large",
    415: "Unsupported content type",
    422: "Invalid fields; `problems` lists each with its JSON pointer",
    429: "Too many attempts; Retry-After says how long to wait",
    503: "Database or evidence store unavailable; retry after Retry-After seconds",
}
RETRY_AFTER = {
    "Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}
}


def raises(*statuses: int) -> Callable[[F], F]:
    """Declare the statuses a view's service may refuse with, beyond those its route implies."""

    def decorate(view: F) -> F:
        known: frozenset[int] = getattr(view, "error_statuses", frozenset())
        view.error_statuses = frozenset(statuses) | known  # type: ignore[attr-defined]
        return view

    return decorate


def error_statuses(view: Any, rule: Rule, operation: dict[str, Any]) -> set[int]:
    found = {503}
    policy = getattr(view, "policy_endpoint", None)
    if policy is not None:
        found.add(401)
        if POLICY[policy] != ALL or policy not in WHILE_ONE_TIME_PASSWORD:
            found.add(403)  # the role, or a one-time password not yet replaced
    if rule.arguments:
        found.add(404)
    if "requestBody" in operation:
        found |= {400, 413, 415, 422}
    if any(p.get("in") == "query" for p in operation.get("parameters", []) if isinstance(p, dict)):
        found.add(422)
    return found | set(getattr(view, "error_statuses", ()))


class ErrorResponsesPlugin(BasePlugin):
    def __init__(self, app: Flask) -> None:
        self.app = app

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        view = self.app.view_functions.get(rule.endpoint)
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            responses.pop("default", None)
            for status in sorted(error_statuses(view, rule, operation)):
                if status in responses or str(status) in responses:
                    continue
                response: dict[str, Any] = {
                    "description": DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
                if status in (429, 503):
                    response["headers"] = RETRY_AFTER
                responses[str(status)] = response
