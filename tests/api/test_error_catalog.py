"""One catalog of error codes (server/domain/catalog.py): every code the server raises is in it,
with the status it is answered with and a Chinese message, and the API answers with those."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from server.api import errors as api_errors
from server.api import fields
from server.domain import catalog
from server.domain.errors import DomainError, Problem
from tests.api.world import World, change
from tests.errorscan import Site, literal_text, scan_source, scan_tree

SERVER = Path(__file__).resolve().parents[2] / "server"

# Words in Latin letters a Chinese message may hold: acronyms and names people use as words.
ALLOWED = {
    "PDF", "DR", "QR", "CSV", "XLSX", "XLS", "ID", "URL", "JSON", "EXIF", "GPS", "HTTP", "API",
    "UTF", "ISO", "SHA", "JPEG", "PNG", "MB", "NUL", "YYYY", "MM", "DD", "Q", "T",
    "UNICODE", "EXCEL",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z]+")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
FIELD = re.compile(r"\{[a-z_]+\}")


def english_words(text: str) -> list[str]:
    return sorted({w for w in WORD.findall(FIELD.sub(" ", text)) if w.upper() not in ALLOWED})


def problems_of(sites: list[Site]) -> list[str]:
    """What is wrong with the raise sites against the catalog, one line each."""
    found: list[str] = []
    for site in sites:
        if site.unknown is not None:
            found.append(f"{site.where}: {site.kind} with a code that cannot be read: {site.unknown}")
        for code in sorted(site.codes):
            entry = catalog.CATALOG.get(code)
            if entry is None:
                found.append(f"{site.where}: {code} is not in the catalog")
                continue
            if site.status is not None and site.status not in entry.statuses():
                found.append(
                    f"{site.where}: {code} raised with {site.status}, the catalog says {entry.status}"
                )
            if site.kind in ("DomainError", "catalog_response", "_rejected") and site.message is None:
                missing = entry.params - site.params
                extra = site.params - entry.params
                if missing or extra:
                    found.append(
                        f"{site.where}: {code} needs {sorted(entry.params)}, given {sorted(site.params)}"
                    )
        text = literal_text(site.message)
        if text is not None and english_words(text):
            found.append(f"{site.where}: English in a message: {english_words(text)}")
    return found


# --- the scanner itself ----------------------------------------------------------------------------


def test_the_scan_finds_a_code_missing_from_the_catalog() -> None:
    snippet = """
NOT_FOUND = "http.not_found"

def f(x):
    if x:
        raise DomainError("nobody.knows_this", "whatever")
    code = "review.evidence_incomplete" if x else "inspection.incomplete"
    raise DomainError(code, count=2)

def g(exc, change):
    problems = [Problem("facts.unknown", "/x", "消息"), Problem(exc.code, "", exc.message)]
    receipt = _rejected(change, "also.unknown", "now")
    body = {"code": "request.invalid_field", "message": "值无效"}
    raise DomainError(NOT_FOUND, status=404)
"""
    sites = scan_source(snippet, "snippet.py")
    codes = set().union(*(s.codes for s in sites))
    assert codes == {
        "nobody.knows_this",
        "review.evidence_incomplete",
        "inspection.incomplete",
        "facts.unknown",
        "also.unknown",
        "request.invalid_field",
        "http.not_found",
    }
    assert [s.forwarded for s in sites if s.kind == "Problem"].count(True) == 1
    found = problems_of(sites)
    assert any("nobody.knows_this is not in the catalog" in line for line in found)
    assert any("also.unknown is not in the catalog" in line for line in found)
    assert any("English in a message: ['whatever']" in line for line in found)
    assert len(found) == 3, found


def test_the_scan_finds_a_wrong_status_missing_parameters_and_an_unreadable_code() -> None:
    snippet = """
def f():
    raise DomainError("auth.required", status=403)
    raise DomainError("auth.throttled", retry_after=5)
    raise DomainError("auth.throttled", minutes=3, seconds=4)
    raise DomainError(code_from_somewhere())
"""
    found = problems_of(scan_source(snippet, "snippet.py"))
    assert found == [
        "snippet.py:3: auth.required raised with 403, the catalog says 401",
        "snippet.py:4: auth.throttled needs ['minutes'], given []",
        "snippet.py:5: auth.throttled needs ['minutes'], given ['minutes', 'seconds']",
        "snippet.py:6: DomainError with a code that cannot be read: code_from_somewhere()",
    ]


# --- the server's source against the catalog ---------------------------------------------------------


def test_every_code_the_server_raises_is_in_the_catalog() -> None:
    sites = list(scan_tree(SERVER))
    assert len(sites) > 100  # the scan sees the raise sites
    assert problems_of(sites) == []


def test_the_codes_of_the_protocol_and_the_input_boundary_are_in_the_catalog() -> None:
    codes = {*api_errors.HTTP_CODES.values(), *fields.PROBLEM_CODES.values()}
    codes |= {fields.problem_code("长度应在 1 至 64 之间"), fields.problem_code("随便什么")}
    assert codes - set(catalog.CATALOG) == set()
    for status, code in api_errors.HTTP_CODES.items():
        assert catalog.status(code) == status, code


def test_raise_sites_take_their_message_from_the_catalog() -> None:
    """No DomainError in the server words its own message: the catalog is the one source."""
    own = [s.where for s in scan_tree(SERVER) if s.kind == "DomainError" and s.message is not None]
    assert own == []


# --- the catalog's words ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(catalog.CATALOG))
def test_every_message_is_chinese(code: str) -> None:
    message = catalog.CATALOG[code].message
    assert CHINESE.search(FIELD.sub("", message)), message
    assert english_words(message) == [], message
    assert code not in message  # the code travels in its own field
    assert not message.endswith((")", "）")) or "（" in message[:-1]


def test_codes_are_dotted_and_statuses_are_errors() -> None:
    for code, entry in catalog.CATALOG.items():
        assert re.fullmatch(r"[a-z]+(\.[a-z_]+)+", code), code
        assert all(400 <= s <= 599 for s in entry.statuses()), code
        assert not entry.params & {"code", "message", "problems", "status", "retry_after"}, code


def test_the_word_check_finds_english_and_lets_acronyms_through() -> None:
    assert english_words("请上传 PDF 或 XLSX 文件，格式 YYYY-MM-DD") == []
    assert english_words("1 item(s) still missing") == ["item", "missing", "s", "still"]
    assert english_words("请 {minutes} 分钟后再试") == []


def test_a_domain_error_takes_status_and_message_from_the_catalog() -> None:
    error = DomainError("auth.throttled", minutes=12, retry_after=700)
    assert (error.status, error.message, error.retry_after) == (
        429,
        "登录失败次数过多，请 12 分钟后再试",
        700,
    )
    assert DomainError("evidence.missing").status == 410
    assert DomainError("evidence.missing", status=409).status == 409
    assert Problem("request.missing_field", "/name").message == "缺少必填字段"
    # the older form still works while raise sites move over
    assert DomainError("x.y", "旧的写法", [], 422).to_json() == {"code": "x.y", "message": "旧的写法"}


# --- what the API answers ----------------------------------------------------------------------------


def error_of(response: Any) -> tuple[int, str, str]:
    body = response.json["error"]
    return response.status_code, body["code"], body["message"]


def expected(code: str, **params: Any) -> tuple[int, str, str]:
    return catalog.status(code), code, catalog.message(code, **params)


def test_the_api_answers_with_the_catalogs_status_and_message(world: World) -> None:
    assert error_of(world.call(None, "GET", "/api/auth/me")) == expected("auth.required")
    assert error_of(world.call(None, "GET", "/api/no-such-thing")) == expected("http.not_found")
    bad_login = world.client.post("/api/auth/login", json={"username": "inspector", "password": "wrong!"})
    assert error_of(bad_login) == expected("auth.invalid_credentials")
    forbidden = world.call("inspector", "GET", "/api/audit")
    assert error_of(forbidden) == expected("auth.forbidden")
    village = world.facilities["village"]
    mismatch = world.call(
        "county_reviewer",
        "POST",
        "/api/inspections",
        {
            "facility_id": village.id,
            "checklist_id": "mini-test",
            "checklist_version": 1,
            "kind": "county_inspection",
            "inspection_date": "2026-11-20",
            "inspector_ids": [world.users["inspector"].id],
        },
    )
    status, code, message = error_of(mismatch)
    assert (status, code) == (catalog.status(code), code)
    assert message == catalog.message(code) and not english_words(message)


def test_a_refused_submission_and_a_missing_field_speak_chinese(world: World) -> None:
    inspection = world.inspection()
    submit = world.call(
        "inspector", "POST", f"/api/inspections/{inspection.id}/transitions", {"action": "submit"}
    )
    status, code, message = error_of(submit)
    assert (status, code) == (409, "inspection.incomplete")
    assert CHINESE.search(message) and english_words(message) == [], message
    missing = world.call("inspector", "POST", f"/api/inspections/{inspection.id}/transitions", {})
    assert error_of(missing) == expected("request.invalid")
    problem = missing.json["error"]["problems"][0]
    assert (problem["code"], problem["pointer"]) == ("request.missing_field", "/action")
    assert problem["message"] == catalog.message("request.missing_field")


def test_a_refused_sync_change_speaks_chinese(world: World) -> None:
    inspection = world.inspection(inspectors=("inspector2",))
    refused = change(inspection.id, "M-B01", "A")
    receipts = world.sync("inspector", [refused]).json["receipts"]
    assert receipts[0]["status"] == "rejected"
    error = receipts[0]["error"]
    assert (error["code"], error["message"]) == ("sync.not_assigned", catalog.message("sync.not_assigned"))


# --- published: the OpenAPI document and the app's copy --------------------------------------------


def test_the_server_decides_what_a_client_may_send_again() -> None:
    retryable = {code for code, e in catalog.CATALOG.items() if e.retryable}
    # what passes by itself: timeouts, throttling, a server, database or store briefly away,
    # a write that lost a race with a concurrent one and was rolled back whole
    assert {
        "http.request_timeout", "http.too_many_requests", "http.internal", "http.unavailable",
        "server.internal", "db.unavailable", "storage.unavailable", "auth.throttled",
        "import.conflict", "payouts.rules_conflict",
    } <= retryable  # fmt: skip
    for code, entry in catalog.CATALOG.items():
        # a refusal that holds until something changes is never retried: invalid input, a missing
        # permission or login, a missing resource, a workflow step the state does not allow
        if entry.status in (400, 401, 403, 404, 410, 413, 415, 422) or code.startswith("workflow."):
            assert not entry.retryable, code
    assert not catalog.entry("review.stale_revision").retryable  # the user must look first
    assert not catalog.entry("pwa.not_built").retryable  # waits for an administrator


def test_the_apps_copy_of_the_catalog_is_the_catalog() -> None:
    from server.__main__ import GENERATED

    stored = json.loads((GENERATED / "errors.json").read_text(encoding="utf-8"))
    assert stored.keys() == catalog.CATALOG.keys()
    for code, entry in catalog.CATALOG.items():
        assert stored[code] == {
            "status": entry.status,
            "message": entry.message,
            "retryable": entry.retryable,
        }, code


def test_the_openapi_document_publishes_the_catalog(world: World) -> None:
    spec = world.client.get("/api/openapi.json").json
    assert spec["x-error-catalog"] == catalog.as_data()
    published = spec["x-error-catalog"]
    assert published["db.unavailable"] == {
        "status": 503,
        "message": "数据库暂时繁忙或不可用，请稍后重试",
        "retryable": True,
    }
    code = spec["components"]["schemas"]["ErrorBody"]["properties"]["code"]
    assert code["enum"] == sorted(catalog.CATALOG)


def test_every_protocol_error_answers_with_a_catalog_code() -> None:
    for status in range(400, 600):
        code, _ = api_errors.http_error(status)
        assert code in catalog.CATALOG, status
