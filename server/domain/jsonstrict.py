"""Strict JSON decoding for everything that comes from outside.

Python's json module accepts NaN and Infinity (and NaN passes every range check) and keeps the
last of duplicate keys. Both are refused here, as is nesting deeper than any of our documents need.
"""

from __future__ import annotations

import json
import math
from typing import Any

from server.domain.errors import DomainError

MAX_DEPTH = 32


def _reject_constant(name: str) -> Any:
    raise DomainError("json.non_finite_number", f"{name} is not a valid JSON number")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        raise DomainError("json.non_finite_number", f"{literal} is out of range")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DomainError("json.duplicate_key", f"duplicate key {key!r}")
        result[key] = value
    return result


def _too_deep(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def loads(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DomainError("json.invalid", "body is not UTF-8") from exc
    try:
        value = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            object_pairs_hook=_no_duplicates,
        )
    except json.JSONDecodeError as exc:
        raise DomainError(
            "json.invalid", f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    except RecursionError as exc:
        raise DomainError("json.too_deep", "nesting too deep") from exc
    if _too_deep(value, max_depth):
        raise DomainError("json.too_deep", f"nesting deeper than {max_depth} levels")
    return value
