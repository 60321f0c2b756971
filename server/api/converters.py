"""URL converters: path parameters pass the same boundary as every other input.

An id beyond its 32-bit column, or a path segment with NUL or control characters, does not match
the route, so it answers 404 like any other unknown resource (werkzeug would convert a 5,000-digit
id and fail with a 500, and PostgreSQL refuses to compare an integer column with a larger number).
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map, UnicodeConverter, ValidationError

from server.domain import inputs


class IdConverter(IntegerConverter):
    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, inputs.ID_MAX if max is None else max, signed)

    def to_python(self, value: str) -> Any:
        if len(value.lstrip("-")) > inputs.MAX_INT_DIGITS:
            raise ValidationError()
        return super().to_python(value)


class TextConverter(UnicodeConverter):
    """One path segment of at most 200 characters (the default converter), checked as text."""

    def __init__(self, map: Map, minlength: int = 1, maxlength: int | None = 200, length: int | None = None):
        super().__init__(map, minlength, maxlength, length)

    def to_python(self, value: str) -> Any:
        if inputs.text_error(value) is not None:
            raise ValidationError()
        return value


CONVERTERS = {"int": IdConverter, "default": TextConverter, "string": TextConverter}
