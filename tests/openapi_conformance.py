"""Does a JSON body conform to a schema of the server's OpenAPI document? (jsonschema, draft 2020-12,
the dialect of OpenAPI 3.1). Output schemas refuse keys they do not list (additionalProperties:
false), so a body that conforms is also fully described."""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from server.__main__ import openapi_document


@cache
def document() -> dict[str, Any]:
    return openapi_document()  # type: ignore[no-any-return]


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator of `schema` whose #/components/... references resolve in the document."""
    return Draft202012Validator({**schema, "components": document()["components"]})


def component(name: str) -> Draft202012Validator:
    return validator({"$ref": f"#/components/schemas/{name}"})


def response_schema(path: str, method: str, status: int) -> Draft202012Validator:
    response = document()["paths"][path][method]["responses"][str(status)]
    return validator(response["content"]["application/json"]["schema"])


def problems(check: Draft202012Validator, body: Any) -> list[str]:
    """Every way `body` fails the schema, with where (empty when it conforms)."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '/'}: {error.message}"
        for error in check.iter_errors(body)
    ]
