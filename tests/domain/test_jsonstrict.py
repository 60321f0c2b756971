import pytest

from server.domain import jsonstrict
from server.domain.errors import DomainError


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"a": NaN}', "json.non_finite_number"),
        ('{"a": Infinity}', "json.non_finite_number"),
        ('{"a": -Infinity}', "json.non_finite_number"),
        ('{"a": 1e400}', "json.non_finite_number"),
        ('{"a": 1, "a": 2}', "json.duplicate_key"),
        ('{"a": {"b": 1, "b": 1}}', "json.duplicate_key"),
        ('{"a": ', "json.invalid"),
        (b'{"a": "\xff"}', "json.invalid"),
        ("[" * 40 + "]" * 40, "json.too_deep"),
    ],
)
def test_rejects_what_python_json_would_accept_or_choke_on(text: str | bytes, code: str) -> None:
    with pytest.raises(DomainError) as err:
        jsonstrict.loads(text)
    assert err.value.code == code


def test_accepts_ordinary_json_including_brackets_inside_strings() -> None:
    assert jsonstrict.loads('{"a": [1, 2.5, "[[[[", {"b": null}], "中文": true}') == {
        "a": [1, 2.5, "[[[[", {"b": None}],
        "中文": True,
    }
