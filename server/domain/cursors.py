"""Keyset cursors for paged lists.

A page ends with the sort key of its last row; the next page is the rows after that key in the
list's ORDER BY, so a page costs the same at row 40,000 as at row 0, and rows inserted between
two requests never shift a row onto a second page. The cursor is the key written as text, its
parts joined by "." ("410222101.57" for region code and id): clients treat it as opaque and only
send back the `next` of the previous page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Literal

from server.domain import inputs

Part = Literal["code", "id", "date"]
Key = tuple[str | int | dt.date, ...]

MSG_CURSOR = "翻页标记无效：请使用上一页返回的 next 值，或从第一页重新开始"
MAX_LENGTH = 64

_CODE = re.compile(r"[0-9]{6}|[0-9]{9}|[0-9]{12}")
_ID = re.compile(r"[1-9][0-9]{0,9}")


class InvalidCursor(ValueError):
    pass


def encode(key: Sequence[str | int | dt.date]) -> str:
    return ".".join(value.isoformat() if isinstance(value, dt.date) else str(value) for value in key)


def decode(text: str, parts: Sequence[Part]) -> Key:
    """The key a cursor of this shape carries; InvalidCursor when it is not one."""
    pieces = text.split(".") if len(text) <= MAX_LENGTH else []
    if len(pieces) != len(parts):
        raise InvalidCursor(text)
    return tuple(_part(piece, kind) for piece, kind in zip(pieces, parts, strict=True))


def _part(piece: str, kind: Part) -> str | int | dt.date:
    if kind == "code":
        if _CODE.fullmatch(piece):
            return piece
    elif kind == "id":
        if _ID.fullmatch(piece) and int(piece) <= inputs.ID_MAX:
            return int(piece)
    else:
        date = inputs.parse_date(piece)
        if date is not None:
            return date
    raise InvalidCursor(piece)
