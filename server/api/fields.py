"""The fields of the wire schemas: the one input boundary of the API.

Every field a request can carry is one of these. Each checks what server.domain.inputs requires
(64-bit integers, text without NUL, lone surrogates or control characters, strict dates and
datetimes with an offset) and carries a maximum length that matches its column, so nothing
reaches a service, let alone the database, that the database would refuse. Messages are Chinese;
each message maps back to a stable problem code (`problem_code`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from marshmallow import ValidationError, fields, validate

from server.domain import cursors, inputs

MSG_REQUIRED = "缺少必填字段"
MSG_NULL = "此字段不能为空"
MSG_UNKNOWN = "未知字段"
MSG_OBJECT = "应为对象"
MSG_ARRAY = "应为数组"
MSG_TEXT = "应为文本"
MSG_INTEGER = "应为整数"
MSG_NUMBER = "应为有限的数字"
MSG_BOOLEAN = "应为 true 或 false"
MSG_FORMAT = "格式无效"
MSG_INVALID = "值无效"
MSG_NO_OFFSET = "不再支持 offset 翻页：请把上一页返回的 next 作为 after 发送"

# message -> problem code; messages not listed are "request.invalid_field"
PROBLEM_CODES = {
    MSG_REQUIRED: "request.missing_field",
    MSG_UNKNOWN: "request.unknown_field",
    inputs.MSG_TEXT_NUL: "request.invalid_text",
    inputs.MSG_TEXT_SURROGATE: "request.invalid_text",
    inputs.MSG_TEXT_CONTROL: "request.invalid_text",
    inputs.MSG_INT_RANGE: "request.out_of_range",
    inputs.MSG_DATE: "input.invalid_date",  # the code the scoring input has always used
    inputs.MSG_DATETIME: "request.invalid_datetime",
    cursors.MSG_CURSOR: "request.invalid_cursor",
    MSG_NO_OFFSET: "request.unknown_field",
}


def problem_code(message: str) -> str:
    if message in PROBLEM_CODES:
        return PROBLEM_CODES[message]
    if message.startswith(("长度", "最多", "至少", "应在")):
        return "request.out_of_range"
    return "request.invalid_field"


# --- validators with Chinese messages ------------------------------------------------------------


def length(min: int | None = None, max: int | None = None, equal: int | None = None) -> validate.Length:
    if equal is not None:
        message = f"长度应为 {equal}"
    elif min is not None and max is not None:
        message = f"长度应在 {min} 至 {max} 之间"
    elif max is not None:
        message = f"最多 {max} 个字符（项）"
    else:
        message = f"至少 {min} 个字符（项）"
    return validate.Length(min=min, max=max, equal=equal, error=message)


def in_range(min: float | None = None, max: float | None = None) -> validate.Range:
    if min is not None and max is not None:
        message = f"应在 {min} 至 {max} 之间"
    elif max is not None:
        message = f"应在 {max} 以内"
    else:
        message = f"应在 {min} 以上"
    return validate.Range(min=min, max=max, error=message)


def one_of(choices: list[str]) -> validate.OneOf:
    return validate.OneOf(choices, error="应为以下之一：" + "、".join(choices))


def pattern(regex: str, description: str) -> validate.Regexp:
    return validate.Regexp(regex, error=f"{MSG_FORMAT}：{description}")


# --- fields --------------------------------------------------------------------------------------

_COMMON = {"required": MSG_REQUIRED, "null": MSG_NULL, "validator_failed": MSG_INVALID}


class Text(fields.String):
    """Text with a maximum length (the column's) and no NUL, surrogate or control character.

    `multiline` text (notes, reasons) may contain tab, line feed and carriage return."""

    default_error_messages = {
        **_COMMON,
        "invalid": MSG_TEXT,
        "invalid_utf8": MSG_TEXT,
    }

    def __init__(
        self,
        *,
        max_length: int,
        min_length: int | None = None,
        multiline: bool = False,
        regex: tuple[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        validators: list[Any] = [length(min=min_length, max=max_length)]
        if regex is not None:
            validators.append(pattern(*regex))
        extra = kwargs.pop("validate", None)
        if extra is not None:
            validators.append(extra)
        super().__init__(validate=validators, **kwargs)
        self.multiline = multiline

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = inputs.text_error(text, multiline=self.multiline)
        if problem is not None:
            raise ValidationError(problem)
        return text


class Int(fields.Integer):
    """An integer within the signed 64-bit range, or the narrower range given. Booleans are not
    integers. Strict (no "12" for 12) unless it comes from a query string or form."""

    default_error_messages = {
        **_COMMON,
        "invalid": MSG_INTEGER,
        "too_large": inputs.MSG_INT_RANGE,
    }

    def __init__(
        self, *, min: int = inputs.INT64_MIN, max: int = inputs.INT64_MAX, strict: bool = True, **kwargs: Any
    ) -> None:
        extra = kwargs.pop("validate", None)
        validators = [in_range(min, max) if (min, max) != (inputs.INT64_MIN, inputs.INT64_MAX) else _INT64]
        if extra is not None:
            validators.append(extra)
        fits_32_bits = min >= -(2**31) and max <= 2**31 - 1
        kwargs.setdefault("metadata", {}).setdefault("format", "int32" if fits_32_bits else "int64")
        super().__init__(strict=strict, validate=validators, **kwargs)

    def _validated(self, value: Any) -> int:
        # booleans are refused by marshmallow's Number already
        if isinstance(value, str) and len(value.strip().lstrip("+-")) > inputs.MAX_INT_DIGITS:
            raise ValidationError(inputs.MSG_INT_RANGE)
        return super()._validated(value)


_INT64 = validate.Range(min=inputs.INT64_MIN, max=inputs.INT64_MAX, error=inputs.MSG_INT_RANGE)


class Float(fields.Float):
    default_error_messages = {
        **_COMMON,
        "invalid": MSG_NUMBER,
        "too_large": MSG_NUMBER,
        "special": MSG_NUMBER,
    }


class Bool(fields.Boolean):
    """true or false only (query strings: true/false, 1/0)."""

    default_error_messages = {**_COMMON, "invalid": MSG_BOOLEAN}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(truthy={True, "true", "1"}, falsy={False, "false", "0"}, **kwargs)

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Date(fields.Date):
    """YYYY-MM-DD exactly, 1900-01-01 to 2100-12-31 (no week dates, no ordinal dates)."""

    default_error_messages = {
        **_COMMON,
        "invalid": inputs.MSG_DATE,
        "format": inputs.MSG_DATE,
    }

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        parsed = inputs.parse_date(value)
        if parsed is None:
            raise ValidationError(inputs.MSG_DATE)
        return parsed


class DateTimeText(fields.String):
    """A time as a device claims it: ISO 8601 with an offset, kept as the text that was sent."""

    default_error_messages = {**_COMMON, "invalid": inputs.MSG_DATETIME}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).setdefault("format", "date-time")
        super().__init__(validate=length(max=40), **kwargs)

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        if not isinstance(value, str) or len(value) > 40 or inputs.parse_datetime(value) is None:
            raise ValidationError(inputs.MSG_DATETIME)
        return value


class Cursor(fields.String):
    """A keyset cursor (server/domain/cursors.py): the `next` of the previous page, loaded as the
    sort key it carries. Anything else is refused with request.invalid_cursor."""

    default_error_messages = {**_COMMON, "invalid": cursors.MSG_CURSOR}

    def __init__(self, parts: tuple[cursors.Part, ...], **kwargs: Any) -> None:
        self.parts = parts
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault("description", "the `next` of the previous page (opaque); none: the first page")
        super().__init__(validate=length(max=cursors.MAX_LENGTH), **kwargs)

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        if not isinstance(value, str):
            raise ValidationError(cursors.MSG_CURSOR)
        try:
            return cursors.decode(value, self.parts)
        except cursors.InvalidCursor:
            raise ValidationError(cursors.MSG_CURSOR) from None


class List(fields.List[Any]):
    default_error_messages = {**_COMMON, "invalid": MSG_ARRAY}


class Nested(fields.Nested):
    default_error_messages = {**_COMMON, "type": MSG_OBJECT}


class Dict(fields.Dict):
    default_error_messages = {**_COMMON, "invalid": MSG_OBJECT}


class Strict(ma.Schema):
    """A request schema: unknown fields are refused (no mass assignment), messages in Chinese."""

    error_messages = {"unknown": MSG_UNKNOWN, "type": MSG_OBJECT}

    class Meta:
        unknown = ma.RAISE


class Paged(Strict):
    """A query of a list paged by keyset cursors. Unknown query parameters are ignored, but a
    client still sending `offset` would get the first page again and again: it is refused."""

    @ma.pre_load
    def _no_offset(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, Mapping) and "offset" in data:
            raise ValidationError({"offset": [MSG_NO_OFFSET]})
        return data


# --- one bad element of a batch ------------------------------------------------------------------


class Refused:
    """An element of a batch that did not pass its schema: kept in place, with its problems, so
    the rest of the batch is still applied."""

    def __init__(self, raw: Any, messages: Any) -> None:
        self.raw = raw
        self.messages = messages

    def field(self, name: str) -> Any:
        return self.raw.get(name) if isinstance(self.raw, Mapping) else None


class EachOnItsOwn(List):
    """A list whose elements are checked one by one: a bad element becomes a `Refused` in its
    place instead of failing the whole list. Documented exactly like a plain list."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        if not isinstance(value, list):
            raise self.make_error("invalid")
        result: list[Any] = []
        for element in value:
            try:
                result.append(self.inner.deserialize(element, **kwargs))
            except ValidationError as exc:
                result.append(Refused(element, exc.messages))
        return result
