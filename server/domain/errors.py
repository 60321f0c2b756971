"""Typed errors with stable codes.

Domain and service code raise these; the HTTP layer and the CLI map them to one error shape.
A code is part of the public contract: never rename one, add a new one instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.domain import catalog


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located by a JSON pointer into that input."""

    code: str
    pointer: str
    message: str = ""  # the catalog's message for the code when none is given

    def __post_init__(self) -> None:
        if not self.message:
            object.__setattr__(self, "message", catalog.message(self.code))

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "pointer": self.pointer, "message": self.message}


class DomainError(Exception):
    """An error with a stable code. Its status and Chinese message come from the catalog:

        raise DomainError("review.stale_revision", revision=3)

    Keyword arguments other than problems, status and retry_after fill the message's {fields}.
    A status given at the raise site must be one the catalog lists for the code. The older form
    DomainError(code, message, problems, status) still works, its message taking precedence.
    """

    def __init__(
        self,
        code: str,
        message: str | None = None,
        problems: list[Problem] | None = None,
        status: int | None = None,
        retry_after: int | None = None,  # seconds, for errors the client should simply retry
        **params: Any,
    ) -> None:
        entry = catalog.entry(code)
        self.code = code
        self.params = params
        self.message = message if message is not None else catalog.message(code, **params)
        self.problems = problems if problems is not None else []
        self.status = status if status is not None else entry.status
        self.retry_after = retry_after
        super().__init__(code, self.message)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.message!r}, status={self.status})"

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.problems:
            body["problems"] = [p.to_json() for p in self.problems]
        return body


def pointer(*parts: str | int) -> str:
    """An RFC 6901 JSON pointer from path parts."""
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "".join("/" + p for p in escaped)
