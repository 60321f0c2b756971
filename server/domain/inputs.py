"""What every value from outside must be before it is stored: the rules of the one input boundary.

The HTTP schemas, the CSV/XLSX imports, the checklist loader and the scoring input all check
through these functions, so a value refused in one place is refused everywhere:
- integers lie in the signed 64-bit range, ids and other 32-bit columns in theirs;
- text has no NUL, no lone UTF-16 surrogate and no other control character (tab, line feed and
  carriage return only where a field is multi-line); PostgreSQL refuses NUL, UTF-8 cannot encode
  a lone surrogate, and XML (XLSX, PDF) cannot carry the other controls;
- dates are exactly YYYY-MM-DD between 1900 and 2100, so that date arithmetic never overflows;
- datetimes are ISO 8601 with an offset, in the same years.
Messages are Chinese: they reach the people who typed the values.
"""

from __future__ import annotations

import datetime as dt
import re

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# Ids, versions and counts are 32-bit integer columns: PostgreSQL refuses to compare them with a
# larger number (it does not just find nothing), so an id beyond this is refused as out of range.
ID_MAX = 2**31 - 1
# Longest integer literal worth converting: anything longer is out of range anyway, and Python
# refuses to convert more than 4,300 digits (with a ValueError rather than a JSON error).
MAX_INT_DIGITS = 20

NOTE_MAX = 2000  # notes, reasons and remarks (Text columns), in characters

DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)
# NUL and the other C0 controls, DEL, lone surrogates, and the two non-characters U+FFFE/U+FFFF.
_BAD_LINE = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_BAD_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

MSG_TEXT_NUL = "文本中含有空字符（NUL）"
MSG_TEXT_SURROGATE = "文本中含有无效的 Unicode 字符（孤立代理项）"
MSG_TEXT_CONTROL = "文本中含有控制字符"
MSG_INT_RANGE = "整数超出允许范围"
MSG_DATE = "日期格式应为 YYYY-MM-DD，且在 1900-01-01 至 2100-12-31 之间"
MSG_DATETIME = "时间格式应为带时区的 ISO 8601（如 2026-11-20T09:30:00+08:00），年份在 1900 至 2100 之间"


def text_error(value: str, multiline: bool = False) -> str | None:
    """The Chinese reason `value` cannot be stored as text, or None when it can."""
    match = (_BAD_MULTILINE if multiline else _BAD_LINE).search(value)
    if match is None:
        return None
    char = match.group()
    if char == "\x00":
        return MSG_TEXT_NUL
    if "\ud800" <= char <= "\udfff":
        return MSG_TEXT_SURROGATE
    return MSG_TEXT_CONTROL


def int64_ok(value: int) -> bool:
    return INT64_MIN <= value <= INT64_MAX


def parse_date(value: object) -> dt.date | None:
    """A date written exactly as YYYY-MM-DD within the sane range; None otherwise."""
    if not isinstance(value, str) or not _DATE.match(value):
        return None
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return parsed if DATE_MIN <= parsed <= DATE_MAX else None


def date_ok(value: dt.date) -> bool:
    return DATE_MIN <= value <= DATE_MAX


def parse_datetime(value: object) -> dt.datetime | None:
    """An ISO 8601 datetime with an offset (Z or ±HH:MM) within the sane years; None otherwise."""
    if not isinstance(value, str) or not _DATETIME.match(value):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None or not DATE_MIN.year <= parsed.year <= DATE_MAX.year:
        return None
    # the offset moves the instant by at most a day, which stays far from datetime's limits here
    if not DATE_MIN.year <= parsed.astimezone(dt.UTC).year <= DATE_MAX.year:
        return None
    return parsed
