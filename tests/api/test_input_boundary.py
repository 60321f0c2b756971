"""The one input boundary: every example of issue 10 that used to answer 500, as a regression test.

Integers outside the signed 64-bit range, NUL and lone surrogates, over-long strings, dates that
are not plain YYYY-MM-DD within 1900-2100, datetimes without an offset and booleans posing as
numbers get a 4xx in the one error shape with a Chinese message, and nothing is written. In a
sync batch the bad change alone is refused and the others are applied.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import pytest

from server.db.models import Answer, AnswerRevision, AuditEntry, Inspection, SyncReceipt
from server.extensions import db
from tests.api.world import World, change, complete_changes

HUGE = "18235533400285234545557504"


def counts() -> tuple[int, ...]:
    tables = tuple(db.session.query(m).count() for m in (Inspection, Answer, AnswerRevision, SyncReceipt))
    return (*tables, db.session.query(AuditEntry).filter(~AuditEntry.action.startswith("auth.")).count())


def raw_post(world: World, who: str | None, url: str, text: str) -> Any:
    headers = {"Authorization": f"Bearer {world.login(who)}"} if who else {}
    return world.client.post(url, data=text.encode("utf-8"), content_type="application/json", headers=headers)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.json
    assert set(body) == {"error"}
    assert set(body["error"]) <= {"code", "message", "problems"}
    if code is not None:
        assert body["error"]["code"] == code, body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"]["message"]), body  # Chinese
    return body["error"]  # type: ignore[no-any-return]


# --- integers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/api/facilities/{HUGE}",
        f"/api/inspections/{HUGE}",
        f"/api/inspections/{HUGE}/score",
        f"/api/evidence/{HUGE}/content",
        f"/api/samples/{'9' * 5000}",
        "/api/inspections/9223372036854775808",
        "/api/inspections/9223372036854775807",
        "/api/inspections/2147483648",
        "/api/facilities/9223372036854775806",
        "/api/checklists/mini-test/9223372036854775806",
        "/api/evidence/2147483648/thumbnail",
        "/api/samples/9223372036854775806",
        "/api/inspections/2147483648/conflicts",
    ],
)
def test_ids_beyond_their_columns_in_the_path_are_not_found(world: World, url: str) -> None:
    """PostgreSQL refuses to compare a 32-bit id column with a larger number: never a 500."""
    assert_error(world.call("admin", "GET", url), 404)


def test_the_largest_id_is_simply_not_found(world: World) -> None:
    assert_error(world.call("admin", "GET", "/api/inspections/2147483647"), 404)
    assert_error(world.call("admin", "GET", "/api/facilities/2147483647"), 404)


@pytest.mark.parametrize("value", [2**31, 2**63 - 2, 0])
def test_ids_beyond_their_columns_in_bodies_and_queries(world: World, value: int) -> None:
    before = counts()
    create = {
        "facility_id": value,
        "checklist_id": "mini-test",
        "checklist_version": 1,
        "kind": "county_inspection",
        "inspection_date": "2026-11-20",
    }
    assert_error(world.call("county_reviewer", "POST", "/api/inspections", create), 422, "request.invalid")
    assert_error(world.call("admin", "GET", f"/api/inspections?facility_id={value}"), 422)
    inspection = world.inspection()
    url = f"/api/inspections/{inspection.id}/assignments"
    assert_error(world.call("county_reviewer", "POST", url, {"inspector_ids": [value]}), 422)
    receipt = world.sync("inspector", [{**change(inspection.id, "M-B01", "A"), "inspection_id": value}]).json[
        "receipts"
    ][0]
    assert receipt["error"]["code"] == "request.out_of_range"
    assert counts()[1:4] == before[1:4]


@pytest.mark.parametrize(
    "query",
    ["limit=24636607776731676672", "limit=" + "9" * 5000, "facility_id=" + HUGE, "limit=-1", "limit=abc"],
)
def test_out_of_range_query_integers(world: World, query: str) -> None:
    url = "/api/facilities" if "facility_id" not in query else "/api/inspections"
    error = assert_error(world.call("admin", "GET", f"{url}?{query}"), 422, "request.invalid")
    assert error["problems"][0]["code"] in {"request.out_of_range", "request.invalid_field"}


@pytest.mark.parametrize(
    ("url", "template"),
    [
        ("/api/sync", '{"device_id": "dev-1", "changes": [{"change_id": "abcdefgh", "inspection_id": %s}]}'),
        ("/api/inspections", '{"facility_id": %s}'),
        ("/api/samples", '{"size": %s}'),
        ("/api/auth/login", '{"username": %s}'),
    ],
)
def test_a_5000_digit_integer_in_any_json_body_is_refused(world: World, url: str, template: str) -> None:
    before = counts()
    who = None if url == "/api/auth/login" else ("inspector" if url == "/api/sync" else "city_reviewer")
    response = raw_post(world, who, url, template % ("7" * 5000))
    assert_error(response, 400, "json.number_too_long")
    assert counts() == before


def test_a_23_digit_inspection_id_in_a_sync_batch_refuses_that_change_alone(world: World) -> None:
    inspection = world.inspection()
    bad = change(inspection.id, "M-B01", "A")
    bad["inspection_id"] = 10**22
    response = world.sync("inspector", [bad, change(inspection.id, "M-B02", "B")])
    assert response.status_code == 200
    refused, applied = response.json["receipts"]
    assert refused["status"] == "rejected"
    assert refused["error"]["code"] == "request.out_of_range"
    assert refused["error"]["problems"][0]["pointer"] == "/inspection_id"
    assert applied["status"] == "applied"


def test_booleans_are_not_numbers(world: World) -> None:
    before = counts()
    response = world.call("city_reviewer", "POST", "/api/samples", {"size": True})
    assert_error(response, 422, "request.invalid")
    inspection = world.inspection()
    bad = {**change(inspection.id, "M-B01", "A"), "base_revision": False}
    receipt = world.sync("inspector", [bad]).json["receipts"][0]
    assert receipt["status"] == "rejected"
    assert receipt["error"]["problems"][0]["pointer"] == "/base_revision"
    assert counts()[1:4] == before[1:4]


# --- strings -------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["a\\ud800", "a\\udfff", "a\\u0000", "\\ud83d"])
def test_login_with_a_lone_surrogate_or_nul_is_refused(world: World, username: str) -> None:
    text = '{"username": "' + username + '", "password": "x"}'
    response = raw_post(world, None, "/api/auth/login", text)
    error = assert_error(response, 422, "request.invalid")
    assert error["problems"][0] == {
        "code": "request.invalid_text",
        "pointer": "/username",
        "message": error["problems"][0]["message"],
    }


def test_a_valid_surrogate_pair_is_text(world: World) -> None:
    inspection = world.inspection()
    sent = change(inspection.id, "M-B01", "A", note="\U0001f600 合格")
    text = json.dumps({"device_id": "dev-1", "changes": [sent]})  # ASCII: the emoji as a pair
    assert "\\ud83d\\ude00" in text
    receipt = raw_post(world, "inspector", "/api/sync", text).json["receipts"][0]
    assert receipt["status"] == "applied"
    assert db.session.query(Answer).filter_by(inspection_id=inspection.id).one().note == "\U0001f600 合格"


@pytest.mark.parametrize(
    ("note", "code"),
    [
        ("\\ud800", "request.invalid_text"),
        ("abc\\u0000def", "request.invalid_text"),
        ("bell\\u0007", "request.invalid_text"),
        ("x" * 2001, "request.out_of_range"),
    ],
)
def test_one_bad_note_in_a_sync_batch_is_refused_alone(world: World, note: str, code: str) -> None:
    inspection = world.inspection()
    good = [change(inspection.id, "M-B01", "A"), change(inspection.id, "M-B03", "C")]
    bad = change(inspection.id, "M-B02", "B")
    body = json.dumps({"device_id": "dev-1", "changes": [good[0], bad, good[1]]})
    body = body.replace(
        f'"change_id": "{bad["change_id"]}"', f'"change_id": "{bad["change_id"]}", "note": "{note}"'
    )
    response = raw_post(world, "inspector", "/api/sync", body)
    assert response.status_code == 200
    receipts = response.json["receipts"]
    assert [r["status"] for r in receipts] == ["applied", "rejected", "applied"]
    assert receipts[1]["change_id"] == bad["change_id"]
    assert receipts[1]["error"]["code"] == code
    assert receipts[1]["error"]["problems"][0]["pointer"] == "/note"
    stored = {a.item_id for a in db.session.query(Answer).filter_by(inspection_id=inspection.id)}
    assert stored == {"M-B01", "M-B03"}
    # the device sends the same batch again unchanged: the good ones replay, the bad one is refused again
    again = raw_post(world, "inspector", "/api/sync", body).json["receipts"]
    assert [r["status"] for r in again] == ["applied", "rejected", "applied"]
    assert again[0]["replayed"] is True
    assert db.session.query(AnswerRevision).filter_by(inspection_id=inspection.id).count() == 2


def test_an_unknown_item_in_a_batch_is_refused_alone(world: World) -> None:
    inspection = world.inspection()
    receipts = world.sync(
        "inspector", [change(inspection.id, "NO-SUCH-ITEM", "A"), change(inspection.id, "M-B01", "A")]
    ).json["receipts"]
    assert [r["status"] for r in receipts] == ["rejected", "applied"]
    assert receipts[0]["error"]["code"] == "answers.unknown_item"


def test_a_change_that_is_not_an_object_is_refused_alone(world: World) -> None:
    inspection = world.inspection()
    receipts = world.sync("inspector", [7, "x", None, change(inspection.id, "M-B01", "A")]).json["receipts"]  # type: ignore[list-item]
    assert [r["status"] for r in receipts] == ["rejected", "rejected", "rejected", "applied"]
    assert receipts[0]["change_id"] is None


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/inspections", {"checklist_id": "mini\x00test"}),
        ("/api/inspections", {"kind": "county_inspection\ud800"}),
        ("/api/inspections", {"checklist_id": "x" * 65}),
    ],
)
def test_text_in_request_bodies(world: World, url: str, body: dict[str, Any]) -> None:
    before = counts()
    full = {
        "facility_id": world.facilities["own"].id,
        "checklist_id": "mini-test",
        "checklist_version": 1,
        "kind": "county_inspection",
        "inspection_date": "2026-11-20",
        **body,
    }
    text = json.dumps(full)  # ASCII: a lone surrogate travels as its \u escape, as a device would send it
    assert_error(raw_post(world, "county_reviewer", url, text), 422, "request.invalid")
    assert counts() == before


def test_nul_in_query_strings_and_path_segments(world: World) -> None:
    inspection = world.inspection()
    assert_error(world.call("admin", "GET", "/api/inspections?status=draft%00"), 422)
    assert_error(world.call("admin", "GET", f"/api/inspections/{inspection.id}/history?item_id=M%00"), 422)
    assert_error(world.call("admin", "GET", "/api/checklists/mini%00test/1"), 404)
    regrade = {"grade": "A", "base_revision": 0, "reason": "复核"}
    url = f"/api/inspections/{inspection.id}/items/M-B01%00/grade"
    assert_error(world.call("county_reviewer", "PUT", url, regrade), 404)


def test_a_key_with_a_lone_surrogate_is_reported_without_breaking_the_body(world: World) -> None:
    response = raw_post(world, None, "/api/auth/login", '{"username": "u", "password": "p", "\\ud800": 1}')
    error = assert_error(response, 422, "request.invalid")
    assert error["problems"][0]["code"] == "request.unknown_field"
    response.get_data().decode("utf-8")  # valid UTF-8


# --- dates and datetimes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["9999-06-01", "2025-W47-4", "20251120", "1899-12-31", "2101-01-01", "2026-2-3"]
)
def test_strict_dates_in_sync(world: World, value: str) -> None:
    inspection = world.inspection()
    receipt = world.sync("inspector", [change(inspection.id, "M-B08", "C", document_date=value)]).json[
        "receipts"
    ][0]
    assert receipt["status"] == "rejected"
    assert receipt["error"]["code"] == "input.invalid_date"
    assert db.session.query(Answer).filter_by(inspection_id=inspection.id).count() == 0


@pytest.mark.parametrize("value", ["9999-06-01", "2025-W47-4", "2026-325"])
def test_strict_dates_in_json_bodies(world: World, value: str) -> None:
    before = counts()
    response = world.call(
        "county_reviewer",
        "POST",
        "/api/inspections",
        {
            "facility_id": world.facilities["own"].id,
            "checklist_id": "mini-test",
            "checklist_version": 1,
            "kind": "county_inspection",
            "inspection_date": value,
        },
    )
    error = assert_error(response, 422, "request.invalid")
    assert error["problems"] == [
        {
            "code": "input.invalid_date",
            "pointer": "/inspection_date",
            "message": error["problems"][0]["message"],
        }
    ]
    assert counts() == before


def test_the_edges_of_the_date_range_are_dates(world: World) -> None:
    inspection = world.inspection()
    receipts = world.sync(
        "inspector",
        [
            change(inspection.id, "M-B08", "C", document_date="1900-01-01"),
            change(inspection.id, "M-R4", "C", valid_until="2100-12-31"),
        ],
    ).json["receipts"]
    assert [r["status"] for r in receipts] == ["applied", "applied"]
    assert world.call("inspector", "GET", f"/api/inspections/{inspection.id}/score").status_code == 200


def test_a_stored_far_future_document_date_does_not_break_the_score(world: World) -> None:
    """Rows written before dates were bounded: the score and the detail still answer."""
    inspection = world.inspection()
    assert world.sync("inspector", complete_changes(inspection.id)).status_code == 200
    row = db.session.query(Answer).filter_by(inspection_id=inspection.id, item_id="M-B08").one()
    row.document_date = dt.date(9999, 6, 1)
    row.valid_until = dt.date(9999, 12, 31)
    db.session.commit()
    for path in ("score", "history", ""):
        response = world.call("inspector", "GET", f"/api/inspections/{inspection.id}/{path}".rstrip("/"))
        assert response.status_code == 200, (path, response.json)


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-20T10:00:00",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "yesterday",
        "2026-11-20",
    ],
)
def test_device_times_carry_an_offset_and_a_sane_year(world: World, value: str) -> None:
    inspection = world.inspection()
    receipt = world.sync("inspector", [change(inspection.id, "M-B01", "A", device_time=value)]).json[
        "receipts"
    ][0]
    assert receipt["status"] == "rejected"
    assert receipt["error"]["code"] == "request.invalid_datetime"


def test_capture_time_out_of_range_is_refused(world: World) -> None:
    inspection = world.inspection()
    data = b"not read: the form is checked first"
    response = world.client.post(
        f"/api/inspections/{inspection.id}/items/M-B01/evidence",
        data={
            "upload_id": "upload-0001",
            "sha256": "0" * 64,
            "captured_at": "0001-01-01T00:00:00+14:00",
            "file": (io.BytesIO(data), "a.jpg", "image/jpeg"),
        },
        headers={"Authorization": f"Bearer {world.login('inspector')}"},
        content_type="multipart/form-data",
    )
    error = assert_error(response, 422, "request.invalid")
    assert error["problems"][0]["code"] == "request.invalid_datetime"


# --- small ones ----------------------------------------------------------------------------------


def test_a_refused_change_names_the_status_of_its_own_inspection(world: World) -> None:
    """The receipt used to take the status from the last inspection of an earlier loop."""
    submitted = world.inspection()
    world.sync("inspector", complete_changes(submitted.id))
    assert (
        world.call(
            "inspector", "POST", f"/api/inspections/{submitted.id}/transitions", {"action": "submit"}
        ).status_code
        == 200
    )
    draft = world.inspection(facility="own2")
    receipts = world.sync(
        "inspector", [change(submitted.id, "M-B01", "A", base=1), change(draft.id, "M-B01", "A")]
    ).json["receipts"]
    assert receipts[0]["error"]["code"] == "inspection.not_editable"
    assert "已提交" in receipts[0]["error"]["message"]
    assert receipts[1]["status"] == "applied"


def test_a_write_to_a_path_no_route_matches_is_not_found(world: World) -> None:
    """Negative ids and over-long segments match no API route: 404, not the app shell's 405."""
    assert_error(world.call("admin", "POST", "/api/inspections/-1/transitions", {"action": "submit"}), 404)
    long_item = "/api/inspections/1/items/" + "0" * 201 + "/grade"
    assert_error(world.call("county_reviewer", "PUT", long_item, {"grade": "A"}), 404)
    assert_error(world.call("admin", "DELETE", "/api/inspections"), 405, "http.method_not_allowed")


# --- lengths match their columns ----------------------------------------------------------------

STORED_AS = [
    # (schema, field, column it is stored in)
    ("LoginIn", "username", "LoginThrottle.username"),
    ("InspectionCreateIn", "checklist_id", "Inspection.checklist_id"),
    ("InspectionCreateIn", "kind", "Inspection.kind"),
    ("TransitionIn", "action", "StatusChange.action"),
    ("RegradeIn", "grade", "AnswerRevision.grade"),
    ("ChangeIn", "change_id", "AnswerRevision.change_id"),
    ("ChangeIn", "change_id", "SyncReceipt.change_id"),
    ("ChangeIn", "change_id", "Conflict.change_id"),
    ("ChangeIn", "item_id", "Answer.item_id"),
    ("ChangeIn", "grade", "Answer.grade"),
    ("ChangeIn", "device_time", "AnswerRevision.device_time"),
    ("ChangeIn", "device_time", "Conflict.device_time"),
    ("SyncIn", "device_id", "SyncReceipt.device_id"),
    ("SyncIn", "device_id", "AnswerRevision.device_id"),
    ("EvidenceForm", "upload_id", "Evidence.upload_id"),
    ("EvidenceForm", "captured_at", "Evidence.claimed_captured_at"),
]


@pytest.mark.parametrize(("schema", "field", "column"), STORED_AS)
def test_every_stored_field_is_no_longer_than_its_column(schema: str, field: str, column: str) -> None:
    import marshmallow

    from server.api import schemas
    from server.db import models

    declared = getattr(schemas, schema)().fields[field]
    limits = [v.max for v in declared.validators if isinstance(v, marshmallow.validate.Length) and v.max]
    model, attribute = column.split(".")
    length = getattr(models, model).__table__.columns[attribute].type.length
    assert limits, f"{schema}.{field} has no maximum length"
    assert min(limits) <= length, f"{schema}.{field} allows {min(limits)}, {column} holds {length}"


def test_notes_and_reasons_are_bounded_although_their_columns_are_not() -> None:
    from server.api import schemas

    for schema, field in (
        ("ChangeIn", "note"),
        ("RegradeIn", "note"),
        ("RegradeIn", "reason"),
        ("TransitionIn", "reason"),
        ("ResolveIn", "reason"),
    ):
        declared = getattr(schemas, schema)().fields[field]
        assert declared.multiline, (schema, field)
        assert any(getattr(v, "max", None) == 2000 for v in declared.validators), (schema, field)


# --- every datetime the API returns carries an offset --------------------------------------------

DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def datetimes(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if DATETIME.match(value) else []
    if isinstance(value, dict):
        return [found for v in value.values() for found in datetimes(v)]
    if isinstance(value, list):
        return [found for v in value for found in datetimes(v)]
    return []


def test_every_datetime_the_api_returns_carries_an_offset(world: World) -> None:
    """SQLite keeps no time zone: the columns read back in UTC with an offset all the same."""
    inspection = world.inspection()
    world.sync("inspector", complete_changes(inspection.id))
    world.sync("inspector", [change(inspection.id, "M-B01", "B", base=0)])  # a conflict
    login = world.client.post("/api/auth/login", json={"username": "admin", "password": world.password})
    found = datetimes(login.json)
    base = f"/api/inspections/{inspection.id}"
    for who, path in [
        ("inspector", "/api/sync/bootstrap"),
        ("county_reviewer", base),
        ("county_reviewer", f"{base}/history"),
        ("county_reviewer", f"{base}/conflicts"),
        ("county_reviewer", "/api/inspections"),
        ("admin", "/api/audit"),
    ]:
        response = world.call(who, "GET", path)
        assert response.status_code == 200, path
        found += datetimes(response.json)
    assert len(found) > 20
    naive = [text for text in found if not re.search(r"(Z|[+-]\d{2}:\d{2})$", text)]
    assert naive == []
