"""Bad input gets a 4xx with one error shape and a stable code, and writes nothing."""

import json
from typing import Any

import pytest

from server.db.models import Answer, AnswerRevision, AuditEntry, Inspection, SyncReceipt
from server.extensions import db
from tests.api.world import World, change


def counts() -> tuple[int, ...]:
    """Rows that a request could write; logins (audited too) are not what these tests look at."""
    tables = tuple(db.session.query(m).count() for m in (Inspection, Answer, AnswerRevision, SyncReceipt))
    return (*tables, db.session.query(AuditEntry).filter(~AuditEntry.action.startswith("auth.")).count())


def raw(world: World, who: str, url: str, text: str | bytes, content_type: str = "application/json") -> Any:
    return world.client.post(
        url, data=text, content_type=content_type, headers={"Authorization": f"Bearer {world.login(who)}"}
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            '{"device_id": "d", "changes": [{"change_id": "abcdefgh", "inspection_id": 1, "item_id": "M-B01",'
            ' "base_revision": NaN, "grade": "C"}]}',
            "json.non_finite_number",
        ),
        (
            '{"device_id": "d", "changes": [{"change_id": "abcdefgh", "inspection_id": 1e999,'
            ' "item_id": "M-B01", "base_revision": 0, "grade": "C"}]}',
            "json.non_finite_number",
        ),
        ('{"device_id": "d", "device_id": "e", "changes": []}', "json.duplicate_key"),
        ('{"device_id": "d", "changes": ' + "[" * 50 + "]" * 50 + "}", "json.too_deep"),
        ("{not json", "json.invalid"),
    ],
)
def test_malformed_json_is_refused_before_anything(world: World, text: str, code: str) -> None:
    world.inspection()
    before = counts()
    response = raw(world, "inspector", "/api/sync", text)
    assert response.status_code == 400
    assert response.json["error"]["code"] == code
    assert counts() == before


@pytest.mark.parametrize(
    ("extra", "pointer"),
    [
        ({"status": "approved"}, "/status"),
        ({"region_code": "410225"}, "/region_code"),
        ({"county_reviewer_id": 1}, "/county_reviewer_id"),
        ({"totals": {"score": 100}}, "/totals"),
    ],
)
def test_mass_assignment_is_refused(world: World, extra: dict[str, Any], pointer: str) -> None:
    before = counts()
    body = {
        "facility_id": world.facilities["own"].id,
        "checklist_id": "mini-test",
        "checklist_version": 1,
        "kind": "county_inspection",
        "inspection_date": "2026-11-20",
        **extra,
    }
    response = world.call("county_reviewer", "POST", "/api/inspections", body)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "request.invalid"
    assert response.json["error"]["problems"] == [
        {"code": "request.unknown_field", "pointer": pointer, "message": "未知字段"}
    ]
    assert counts() == before


def test_unknown_fields_in_a_sync_change_refuse_that_change_alone(world: World) -> None:
    inspection = world.inspection()
    bad = {**change(inspection.id, "M-B01", "A"), "revision": 7, "author_id": 1}
    response = world.sync("inspector", [change(inspection.id, "M-B02", "A"), bad])
    assert response.status_code == 200
    good_receipt, bad_receipt = response.json["receipts"]
    assert good_receipt["status"] == "applied"
    assert bad_receipt["status"] == "rejected"
    assert bad_receipt["change_id"] == bad["change_id"]
    assert bad_receipt["error"]["code"] == "request.unknown_field"
    pointers = sorted(p["pointer"] for p in bad_receipt["error"]["problems"])
    assert pointers == ["/author_id", "/revision"]
    assert db.session.query(Answer).filter_by(inspection_id=inspection.id).count() == 1


def test_wrong_types(world: World) -> None:
    inspection = world.inspection()
    response = world.sync("inspector", [{**change(inspection.id, "M-B01", "A"), "base_revision": "0"}])
    assert response.status_code == 200
    (receipt,) = response.json["receipts"]
    assert receipt["status"] == "rejected"
    assert receipt["error"]["problems"][0]["pointer"] == "/base_revision"


def test_oversized_body(world: World) -> None:
    before = counts()
    response = raw(world, "inspector", "/api/sync", b'{"device_id": "' + b"x" * (2 * 1024 * 1024) + b'"}')
    assert response.status_code == 413
    assert response.json["error"]["code"] == "http.payload_too_large"
    assert counts() == before


def test_not_json(world: World) -> None:
    response = raw(
        world, "inspector", "/api/sync", "device_id=d", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json["error"]["code"] == "request.unsupported_media_type"


def test_empty_batch_and_too_many_changes(world: World) -> None:
    assert world.sync("inspector", []).status_code == 422
    inspection = world.inspection()
    many = [change(inspection.id, "M-B01", "A") for _ in range(1001)]
    assert world.sync("inspector", many).status_code == 422


def test_the_same_error_shape_everywhere(world: World) -> None:
    for response in (
        world.client.get("/api/inspections"),
        world.call("inspector", "GET", "/api/inspections/999999"),
        world.call("inspector", "DELETE", "/api/inspections"),
        world.call("inspector", "GET", "/api/facilities?limit=100000"),
        raw(world, "inspector", "/api/sync", json.dumps({"device_id": "d"})),
    ):
        body = response.json
        assert set(body) == {"error"}, body
        assert set(body["error"]) <= {"code", "message", "problems"}
        assert 400 <= response.status_code < 500
