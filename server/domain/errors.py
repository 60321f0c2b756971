"""Typed errors with stable codes.

Domain and service code raise these; the HTTP layer and the CLI map them to one error shape.
A code is part of the public contract: never rename one, add a new one instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located by a JSON pointer into that input."""

    code: str
    pointer: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "pointer": self.pointer, "message": self.message}


@dataclass
class DomainError(Exception):
    code: str
    message: str
    problems: list[Problem] = field(default_factory=list)
    status: int = 400
    retry_after: int | None = None  # seconds, for errors the client should simply retry

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.problems:
            body["problems"] = [p.to_json() for p in self.problems]
        return body


def pointer(*parts: str | int) -> str:
    """An RFC 6901 JSON pointer from path parts."""
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "".join("/" + p for p in escaped)
