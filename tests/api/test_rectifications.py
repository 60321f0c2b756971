"""Rectification (整改, /api/rectifications): made at final approval from the items the result
failed, fixed by the facility with a note and photos (idempotent like every device write), checked
by the county, followed through a re-approval, never changing the approved score.

Who may call which endpoint, in which region, is the access matrix's (test_access_matrix.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
from pathlib import Path
from typing import Any

from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import func, select

from server.db.models import (
    AuditEntry,
    Inspection,
    RectificationEvent,
    RectificationPhoto,
    RectificationTask,
)
from server.domain.times import china_date
from server.extensions import db
from tests.api.test_evidence import post_photo as evidence_photo
from tests.api.test_evidence import store as registry_store
from tests.api.test_plans import plan_body
from tests.api.test_reports import pdf_text
from tests.api.test_workflow import act
from tests.api.world import World, change, complete_changes
from tests.photos import jpeg

FAILED = ("M-B03", "M-R2")


def approved_with_failures(
    world: World, failed: tuple[str, ...] = FAILED, facility: str = "own"
) -> Inspection:
    """An inspection of `facility` finally approved with `failed` items graded 不达标."""
    inspection = world.inspection(facility)
    changes = [c for c in complete_changes(inspection.id) if c["item_id"] not in failed]
    changes += [change(inspection.id, item, "not_met", note=f"{item} 现场未见") for item in failed]
    assert world.sync("inspector", changes).status_code == 200
    for who, action in (
        ("inspector", "submit"),
        ("county_reviewer", "start_county_review"),
        ("county_reviewer", "county_approve"),
        ("city_reviewer", "start_city_review"),
        ("city_reviewer", "approve"),
    ):
        response = act(world, who, inspection, action)
        assert response.status_code == 200, response.json
    return inspection


def tasks(world: World, who: str = "county_reviewer", **query: Any) -> Any:
    response = world.call(who, "GET", "/api/rectifications", query_string=query)
    assert response.status_code == 200, response.json
    return response.json


def post_photo(world: World, task_id: int, data: bytes, upload_id: str | None = None, **claims: Any) -> Any:
    form = {
        "upload_id": upload_id or secrets.token_hex(8),
        "sha256": hashlib.sha256(data).hexdigest(),
        "captured_at": claims.pop("captured_at", dt.datetime.now(dt.UTC).isoformat()),
        **claims,
        "file": (io.BytesIO(data), "fix.jpg"),
    }
    response = world.client.post(
        f"/api/rectifications/{task_id}/photos",
        data=form,
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {world.login('self_assessor')}"},
    )
    response.get_data()
    response.close()
    return response


def submit(world: World, task_id: int, note: str, photos: list[str], change_id: str | None = None) -> Any:
    body = {"change_id": change_id or secrets.token_hex(8), "note": note, "photos": photos}
    return world.call("self_assessor", "POST", f"/api/rectifications/{task_id}/submit", body)


def decide(
    world: World, task_id: int, decision: str, reason: str | None = None, who: str = "county_reviewer"
) -> Any:
    body: dict[str, Any] = {"decision": decision}
    if reason is not None:
        body["reason"] = reason
    return world.call(who, "POST", f"/api/rectifications/{task_id}/decision", body)


def today_taken() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y:%m:%d %H:%M:%S")


def test_final_approval_makes_one_task_per_failed_item_with_its_deadline(world: World) -> None:
    inspection = approved_with_failures(world)
    listed = tasks(world)
    assert sorted(t["item_id"] for t in listed["items"]) == sorted(FAILED)
    assert listed["counts"]["open"] == 2 and listed["counts"]["overdue"] == 0
    first = listed["items"][0]
    due = china_date(dt.datetime.now(dt.UTC)) + dt.timedelta(days=30)  # neither plan nor checklist says
    assert first["deadline"] == due.isoformat()
    assert first["status"] == "open" and first["days_left"] == 30 and not first["overdue"]
    assert first["facility_name"] == "通许县城关镇卫生院" and first["region_name"] == "通许县"
    assert first["problem"] == f"未达到基本要求（检查记录：{first['item_id']} 现场未见）"
    assert first["tier_label"] == inspection.final_tier_label
    assert [e["action"] for e in first["events"]] == ["create"]
    # the approval's audit entry says what it made
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "rectification.create")).one()
    assert entry.after["created"] == 2 and entry.target_id == str(inspection.id)
    # nothing for an inspection that failed nothing, nor for a self-assessment
    approved_with_failures(world, failed=(), facility="own2")
    assert db.session.scalar(select(func.count()).select_from(RectificationTask)) == 2


def test_the_plan_sets_the_deadline(world: World) -> None:
    made = world.call(
        "county_reviewer", "POST", "/api/plans", plan_body(world, {"own": ["inspector"]}, rectify_days=14)
    )
    assert made.status_code == 201, made.json
    assert made.json["plan"]["rectify_days"] == 14
    default = plan_body(world, {"own2": ["inspector"]})
    assert world.call("county_reviewer", "POST", "/api/plans", default).json["plan"]["rectify_days"] == 30
    too_long = world.call(
        "county_reviewer", "POST", "/api/plans", plan_body(world, {"own": ["inspector"]}, rectify_days=400)
    )
    assert too_long.status_code == 422
    inspection = db.session.get(Inspection, made.json["entries"][0]["inspection_id"])
    assert inspection is not None
    changes = [c for c in complete_changes(inspection.id) if c["item_id"] != "M-B04"]
    world.sync("inspector", [*changes, change(inspection.id, "M-B04", "not_met")])
    for who, action in (
        ("inspector", "submit"),
        ("county_reviewer", "start_county_review"),
        ("county_reviewer", "county_approve"),
        ("city_reviewer", "approve"),
    ):
        assert act(world, who, inspection, action).status_code == 200
    (task,) = tasks(world)["items"]
    assert task["deadline"] == (china_date(dt.datetime.now(dt.UTC)) + dt.timedelta(days=14)).isoformat()
    assert task["problem"] == "未达到基本要求"  # no note, no regrade: nothing more to say


def test_the_facility_fixes_with_photos_and_the_county_accepts_or_returns(world: World) -> None:
    approved_with_failures(world)
    mine = tasks(world, "self_assessor")
    assert len(mine["items"]) == 2 and all(t["may_submit"] for t in mine["items"])
    one, other = sorted(mine["items"], key=lambda t: t["item_id"])
    photo = jpeg(taken=today_taken())
    uploaded = post_photo(world, one["id"], photo, upload_id="fix-photo-0001")
    assert uploaded.status_code == 201, uploaded.json
    again = post_photo(world, one["id"], photo, upload_id="fix-photo-0001")
    assert again.status_code == 200 and again.json["id"] == uploaded.json["id"]  # the same photo, once
    assert uploaded.json["flags"] == []
    # a submission needs a note and a photo, each refused with its own code
    assert (
        submit(world, one["id"], " ", ["fix-photo-0001"]).json["error"]["code"]
        == "rectification.note_required"
    )
    assert (
        submit(world, other["id"], "已整改完毕", []).json["error"]["code"] == "rectification.photo_required"
    )
    missing = submit(world, one["id"], "已补齐制度", ["fix-photo-0001", "never-uploaded"])
    assert missing.status_code == 409 and missing.json["error"]["code"] == "rectification.photos_missing"
    done = submit(world, one["id"], "  已补齐制度并上墙  ", ["fix-photo-0001"], change_id="submit-0001")
    assert done.status_code == 200, done.json
    assert done.json["status"] == "submitted" and done.json["note"] == "已补齐制度并上墙"
    # sent again (the answer was lost): the same task, nothing applied twice
    replay = submit(world, one["id"], "  已补齐制度并上墙  ", ["fix-photo-0001"], change_id="submit-0001")
    assert replay.status_code == 200 and replay.json["revision"] == done.json["revision"]
    assert (
        db.session.scalar(
            select(func.count()).select_from(RectificationEvent).where(RectificationEvent.action == "submit")
        )
        == 1
    )
    # a change id is one change only
    reused = submit(world, other["id"], "另一项", ["fix-photo-0001"], change_id="submit-0001")
    assert reused.status_code == 409 and reused.json["error"]["code"] == "rectification.change_id_reused"
    # once submitted, the facility cannot change it
    late = post_photo(world, one["id"], jpeg(width=640, taken=today_taken()))
    assert late.status_code == 409 and late.json["error"]["code"] == "rectification.not_editable"
    # the county looks at the photo and decides
    seen = world.call("county_reviewer", "GET", f"/api/rectifications/{one['id']}")
    assert seen.json["may_decide"] and [p["upload_id"] for p in seen.json["photos"]] == ["fix-photo-0001"]
    thumb = world.call(
        "county_reviewer", "GET", f"/api/rectifications/photos/{uploaded.json['id']}/thumbnail"
    )
    assert thumb.status_code == 200 and thumb.data[:2] == b"\xff\xd8"
    assert decide(world, one["id"], "return").json["error"]["code"] == "rectification.reason_required"
    returned = decide(world, one["id"], "return", "照片看不清制度内容")
    assert returned.status_code == 200 and returned.json["status"] == "returned"
    assert returned.json["decision_reason"] == "照片看不清制度内容"
    # returned: the facility adds a photo and sends it again; then accepted
    second = post_photo(world, one["id"], jpeg(width=700, taken=today_taken()), upload_id="fix-photo-0002")
    assert second.status_code == 201
    assert submit(world, one["id"], "重新拍摄制度上墙照片", ["fix-photo-0002"]).status_code == 200
    accepted = decide(world, one["id"], "accept")
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    assert [e["action"] for e in accepted.json["events"]] == [
        "create",
        "submit",
        "return",
        "submit",
        "accept",
    ]
    assert accepted.json["events"][3]["photo_ids"] == [second.json["id"]]
    assert accepted.json["events"][2]["actor_name"] == "county_reviewer"
    # accepted is final
    assert decide(world, one["id"], "return", "再看看").json["error"]["code"] == "rectification.not_submitted"
    assert (
        submit(world, one["id"], "再改", ["fix-photo-0002"]).json["error"]["code"]
        == "rectification.not_editable"
    )
    counts = world.call("county_reviewer", "GET", "/api/rectifications/summary").json
    assert counts["accepted"] == 1 and counts["open"] == 1


def test_a_fix_photo_is_checked_like_evidence_and_flagged_when_it_shows_the_past(world: World) -> None:
    inspection = approved_with_failures(world)
    task = tasks(world, "self_assessor")["items"][0]
    refused = post_photo(world, task["id"], b"not a photo at all")
    assert refused.status_code == 415, refused.json
    bad_digest = world.client.post(
        f"/api/rectifications/{task['id']}/photos",
        data={"upload_id": "fix-photo-0009", "sha256": "0" * 64, "file": (io.BytesIO(jpeg()), "x.jpg")},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {world.login('self_assessor')}"},
    )
    assert bad_digest.status_code == 422 and bad_digest.json["error"]["code"] == "evidence.digest_mismatch"
    old = post_photo(
        world, task["id"], jpeg(taken="2026:11:01 09:00:00"), captured_at="2026-11-01T09:00:00+08:00"
    )
    assert old.status_code == 201 and "time_before_task" in old.json["flags"]
    # the photo an inspection of the facility took, shown as the fix
    visit = world.inspection()
    shot = jpeg(width=900, taken="2026:11:20 10:15:00")
    assert evidence_photo(world, "inspector", visit, shot).status_code == 201
    same = post_photo(world, task["id"], shot)
    assert same.status_code == 201 and "same_as_inspection" in same.json["flags"]
    assert db.session.scalar(select(func.count()).select_from(RectificationPhoto)) == 2
    assert inspection.status == "approved"


def test_a_reviewer_cannot_submit_and_a_facility_cannot_decide(world: World) -> None:
    approved_with_failures(world)
    task = tasks(world)["items"][0]
    assert (
        world.call(
            "county_reviewer",
            "POST",
            f"/api/rectifications/{task['id']}/submit",
            {"change_id": "c-000000001", "note": "已整改", "photos": []},
        ).status_code
        == 403
    )
    assert decide(world, task["id"], "accept", who="self_assessor").status_code == 403
    assert decide(world, task["id"], "accept", who="city_reviewer").status_code == 403


def test_overdue_tasks_are_counted_and_listed(world: World) -> None:
    approved_with_failures(world)
    first = db.session.scalars(select(RectificationTask).order_by(RectificationTask.id)).first()
    assert first is not None
    first.deadline = china_date(dt.datetime.now(dt.UTC)) - dt.timedelta(days=1)
    db.session.commit()
    listed = tasks(world, overdue="true")
    assert [t["id"] for t in listed["items"]] == [first.id]
    assert listed["items"][0]["overdue"] and listed["items"][0]["days_left"] == -1
    assert listed["counts"]["overdue"] == 1
    facility = world.facilities["own"].id
    assert (
        world.call(
            "county_reviewer", "GET", "/api/rectifications/summary", query_string={"facility_id": facility}
        ).json["overdue"]
        == 1
    )


def test_a_county_sees_only_its_own_tasks_and_a_facility_only_its_own(world: World) -> None:
    approved_with_failures(world)
    assert tasks(world, "sibling_county_reviewer")["items"] == []
    assert tasks(world, "city_reviewer")["counts"]["open"] == 2
    task = tasks(world)["items"][0]
    assert (
        world.call("sibling_county_reviewer", "GET", f"/api/rectifications/{task['id']}").status_code == 404
    )
    assert tasks(world, "sibling_county_reviewer", region_code="410222")["items"] == []


def test_a_reapproval_withdraws_what_no_longer_fails_and_keeps_what_was_accepted(world: World) -> None:
    inspection = approved_with_failures(world, failed=("M-B03", "M-R2", "M-R3"))
    by_item = {t["item_id"]: t for t in tasks(world, "self_assessor")["items"]}
    photo = post_photo(world, by_item["M-B03"]["id"], jpeg(taken=today_taken()), upload_id="fix-photo-0101")
    assert photo.status_code == 201
    assert submit(world, by_item["M-B03"]["id"], "已整改", ["fix-photo-0101"]).status_code == 200
    assert decide(world, by_item["M-B03"]["id"], "accept").status_code == 200
    # reopened: the city regrades M-R2 to C, and M-B03 (accepted) to C; approved again
    assert act(world, "admin", inspection, "reopen", "复核发现评分有误").status_code == 200
    for item in ("M-R2", "M-B03"):
        revision = world.call("city_reviewer", "GET", f"/api/inspections/{inspection.id}").json
        base = next(a["revision"] for k, a in revision["answers"].items() if k == item)
        regraded = world.call(
            "city_reviewer",
            "PUT",
            f"/api/inspections/{inspection.id}/items/{item}/grade",
            {"grade": "C", "base_revision": base, "reason": "复核改判"},
        )
        assert regraded.status_code == 200, regraded.json
    assert act(world, "city_reviewer", inspection, "approve").status_code == 200
    after = {t["item_id"]: t for t in tasks(world)["items"]}
    assert after["M-B03"]["status"] == "accepted"  # never reopened
    assert after["M-R2"]["status"] == "withdrawn" and after["M-R2"]["events"][-1]["action"] == "withdraw"
    assert after["M-R3"]["status"] == "open"
    # the device no longer carries a withdrawn task
    boot = world.call("self_assessor", "GET", "/api/sync/bootstrap").json
    assert sorted(t["item_id"] for t in boot["rectifications"]) == ["M-B03", "M-R3"]


def test_a_rectification_leaves_the_approved_score_and_report_alone(world: World, tmp_path: Path) -> None:
    inspection = approved_with_failures(world)
    before = world.call("county_reviewer", "GET", f"/api/inspections/{inspection.id}/score").json
    report = world.call("county_reviewer", "GET", f"/api/inspections/{inspection.id}/report")
    assert report.status_code == 200
    # its 整改清单 names each task's deadline and state when the report was made
    text = pdf_text(report.data, tmp_path)
    listed = text[text.index("四、整改清单") :]
    deadline = tasks(world)["items"][0]["deadline"]
    assert listed.count(deadline) == 2 and listed.count("待整改") == 2 and "整改期限" in listed
    task = tasks(world, "self_assessor")["items"][0]
    assert (
        post_photo(world, task["id"], jpeg(taken=today_taken()), upload_id="fix-photo-0201").status_code
        == 201
    )
    assert submit(world, task["id"], "已整改", ["fix-photo-0201"]).status_code == 200
    assert decide(world, task["id"], "accept").status_code == 200
    after = world.call("county_reviewer", "GET", f"/api/inspections/{inspection.id}/score").json
    assert after == before
    again = world.call("county_reviewer", "GET", f"/api/inspections/{inspection.id}/report")
    assert again.headers["X-Report-Number"] == report.headers["X-Report-Number"]
    db.session.expire_all()
    assert db.session.get(Inspection, inspection.id).status == "approved"  # type: ignore[union-attr]


def test_the_rectification_list_exports_as_a_spreadsheet_with_text_as_text(world: World) -> None:
    approved_with_failures(world)
    task = tasks(world, "self_assessor")["items"][0]
    assert (
        post_photo(world, task["id"], jpeg(taken=today_taken()), upload_id="fix-photo-0301").status_code
        == 201
    )
    formula = '=HYPERLINK("http://example.com","点此")'
    assert submit(world, task["id"], formula, ["fix-photo-0301"]).status_code == 200
    response = world.call("county_reviewer", "GET", "/api/rectifications/export.xlsx")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["整改清单"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "通许县整改清单"
    header = rows[2]
    data = [dict(zip(header, r, strict=True)) for r in rows[3:]]
    assert sorted(r["条款编号"] for r in data) == sorted(
        tasks(world)["items"][i]["item_number"] for i in range(2)
    )
    mine = next(r for r in data if r["状态"] == "待核验")
    assert mine["机构整改说明"] == "'" + formula  # text, never a formula
    assert mine["整改照片（张）"] == 1 and mine["是否逾期"] == "否"
    assert isinstance(mine["整改期限"], dt.datetime)  # a date cell
    cell = next(c for c in sheet[4 + data.index(mine)] if c.value == "'" + formula)
    assert cell.data_type == "s"
    # filtered like the list, and only inside the caller's region
    only = world.call("county_reviewer", "GET", "/api/rectifications/export.xlsx?status=submitted")
    assert len(list(load_workbook(io.BytesIO(only.data))["整改清单"].iter_rows())) == 4
    sibling = world.call("sibling_county_reviewer", "GET", "/api/rectifications/export.xlsx")
    assert len(list(load_workbook(io.BytesIO(sibling.data))["整改清单"].iter_rows())) == 3
    outside = world.call(
        "sibling_county_reviewer", "GET", "/api/rectifications/export.xlsx?region_code=410222"
    )
    assert outside.status_code == 404


def test_storage_verify_knows_the_photos_of_fixes(world: World) -> None:
    approved_with_failures(world)
    task = tasks(world, "self_assessor")["items"][0]
    assert (
        post_photo(world, task["id"], jpeg(taken=today_taken()), upload_id="fix-photo-0401").status_code
        == 201
    )
    runner = world.client.application.test_cli_runner()
    clean = runner.invoke(args=["storage", "verify"])
    assert clean.exit_code == 0, clean.output  # the fix's photo and thumbnail are no orphans
    store = registry_store(world)
    store.put("rectifications/999999/stray.jpg", b"stray", hashlib.sha256(b"stray").hexdigest(), "image/jpeg")
    found = runner.invoke(args=["storage", "verify"])
    assert found.exit_code == 1
    assert "orphaned: rectifications/999999/stray.jpg" in found.stderr
