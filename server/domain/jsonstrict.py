"""Strict JSON decoding for everything that comes from outside.

Python's json module accepts NaN and Infinity (and NaN passes every range check) and keeps the
last of duplicate keys. Both are refused here, as is nesting deeper than any of our documents need.
"""

from __future__ import annotations

import json
import math
from typing import Any

from server.domain.errors import DomainError
from server.domain.inputs import MAX_INT_DIGITS

MAX_DEPTH = 32
# Integer literals longer than this are refused as malformed; shorter ones out of the 64-bit
# range are left to the field that reads them, so one bad value in a batch fails alone.
MAX_LITERAL_DIGITS = 5 * MAX_INT_DIGITS


def _reject_constant(name: str) -> Any:
    raise DomainError("json.non_finite_number", literal=name)


def _finite_float(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        raise DomainError("json.non_finite_number", literal=literal[:40])
    return value


def _bounded_int(literal: str) -> int:
    if len(literal) > MAX_LITERAL_DIGITS:
        raise DomainError("json.number_too_long", digits=MAX_LITERAL_DIGITS)
    return int(literal)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DomainError("json.duplicate_key", key=key[:64])
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
            raise DomainError("json.invalid", detail="不是 UTF-8 编码") from exc
    try:
        value = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
            object_pairs_hook=_no_duplicates,
        )
    except json.JSONDecodeError as exc:
        raise DomainError("json.invalid", detail=f"第 {exc.lineno} 行第 {exc.colno} 列格式错误") from exc
    except RecursionError as exc:
        raise DomainError("json.too_deep", max_depth=max_depth) from exc
    if _too_deep(value, max_depth):
        raise DomainError("json.too_deep", max_depth=max_depth)
    return value
