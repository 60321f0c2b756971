"""Offline sync: bootstrap, idempotent replays, conflicts kept for a person, per-change errors."""

from typing import Any

from server.db.models import Answer, AnswerRevision, Conflict, SyncReceipt
from server.extensions import db
from tests.api.world import World, change, complete_changes


def count(model: Any) -> int:
    return db.session.query(model).count()


def test_bootstrap_gives_assignments_checklists_and_facilities(world: World) -> None:
    inspection = world.inspection()
    world.sync("inspector", [change(inspection.id, "M-B01", "B")])
    body = world.call("inspector", "GET", "/api/sync/bootstrap").json
    assert [a["inspection"]["id"] for a in body["assignments"]] == [inspection.id]
    assignment = body["assignments"][0]
    assert assignment["checklist_key"] == "mini-test@1"
    assert assignment["facts"] == {"has_beds": True}
    assert assignment["answers"]["M-B01"] == {"grade": "B", "revision": 1}
    assert body["checklists"]["mini-test@1"]["id"] == "mini-test"
    assert [f["id"] for f in body["facilities"]] == [world.facilities["own"].id]
    assert world.call("inspector2", "GET", "/api/sync/bootstrap").json["assignments"] == []


def test_apply_and_replay_returns_the_original_receipt_and_writes_nothing(world: World) -> None:
    inspection = world.inspection()
    changes = complete_changes(inspection.id)
    first = world.sync("inspector", changes)
    assert first.status_code == 200
    receipts = first.json["receipts"]
    assert {r["status"] for r in receipts} == {"applied"}
    assert [r["change_id"] for r in receipts] == [c["change_id"] for c in changes]
    before = (count(Answer), count(AnswerRevision), count(SyncReceipt))
    again = world.sync("inspector", changes).json["receipts"]
    assert (count(Answer), count(AnswerRevision), count(SyncReceipt)) == before
    for original, replay in zip(receipts, again, strict=True):
        assert replay == {**original, "replayed": True}


def test_same_change_id_with_other_content_is_refused(world: World) -> None:
    inspection = world.inspection()
    first = change(inspection.id, "M-B01", "C")
    world.sync("inspector", [first])
    receipt = world.sync("inspector", [{**first, "grade": "A"}]).json["receipts"][0]
    assert receipt["status"] == "rejected"
    assert receipt["error"]["code"] == "sync.change_id_reused"
    assert db.session.get(Answer, (inspection.id, "M-B01")).grade == "C"


def test_two_devices_from_the_same_base_second_is_a_flagged_conflict(world: World) -> None:
    inspection = world.inspection(inspectors=("inspector", "inspector2"))
    a = world.sync("inspector", [change(inspection.id, "M-B03", "A")], device="phone-a").json["receipts"][0]
    b = world.sync(
        "inspector2", [change(inspection.id, "M-B03", "not_met", note="门灯联锁不亮")], device="phone-b"
    ).json["receipts"][0]
    assert a["status"] == "applied"
    assert b["status"] == "conflict"
    assert b["current_revision"] == 1
    answer = db.session.get(Answer, (inspection.id, "M-B03"))
    assert (answer.grade, answer.revision) == ("A", 1)  # not silently overwritten
    conflicts = world.call("county_reviewer", "GET", f"/api/inspections/{inspection.id}/conflicts").json
    assert len(conflicts) == 1  # not silently dropped
    assert conflicts[0]["proposed"] == {"grade": "not_met", "note": "门灯联锁不亮"}
    assert conflicts[0]["device_id"] == "phone-b"
    assert conflicts[0]["author_id"] == world.users["inspector2"].id


def test_a_change_on_the_current_revision_applies(world: World) -> None:
    inspection = world.inspection()
    world.sync("inspector", [change(inspection.id, "M-B03", "C")])
    receipt = world.sync("inspector", [change(inspection.id, "M-B03", "B", base=1)]).json["receipts"][0]
    assert receipt == {**receipt, "status": "applied", "revision": 2}
    history = world.call("inspector", "GET", f"/api/inspections/{inspection.id}/history?item_id=M-B03").json
    assert [(h["revision"], h["grade"]) for h in history] == [(1, "C"), (2, "B")]


def test_a_batch_with_invalid_changes_applies_the_valid_ones(world: World) -> None:
    inspection = world.inspection()
    other = world.inspection(facility="own2", inspectors=("inspector2",))
    changes = [
        change(inspection.id, "M-B01", "A"),
        change(inspection.id, "NO-SUCH-ITEM", "A"),
        change(inspection.id, "M-B10", "A"),  # veto item: only C
        change(inspection.id, "M-B08", "C", document_date="2026-13-01"),
        change(inspection.id, "M-R1", "not_applicable"),
        change(other.id, "M-B01", "A"),  # not assigned to this inspector
        change(999999, "M-B01", "A"),
        change(inspection.id, "M-B02", "B"),
    ]
    receipts = world.sync("inspector", changes).json["receipts"]
    assert [r["status"] for r in receipts] == ["applied", *["rejected"] * 6, "applied"]
    assert [r.get("error", {}).get("code") for r in receipts] == [
        None,
        "answers.unknown_item",
        "answers.invalid_grade",
        "input.invalid_date",
        "answers.not_applicable_not_allowed",
        "sync.not_assigned",
        "inspection.not_found",
        None,
    ]
    assert {a.item_id for a in db.session.query(Answer).filter_by(inspection_id=inspection.id)} == {
        "M-B01",
        "M-B02",
    }
    assert db.session.query(Answer).filter_by(inspection_id=other.id).count() == 0


def test_device_time_is_kept_as_claimed_beside_the_receipt_time(world: World) -> None:
    inspection = world.inspection()
    sent = change(inspection.id, "M-B01", "A", device_time="2020-01-01T00:00:00+08:00")
    receipt = world.sync("inspector", [sent]).json["receipts"][0]
    revision = db.session.query(AnswerRevision).filter_by(change_id=sent["change_id"]).one()
    assert revision.device_time == "2020-01-01T00:00:00+08:00"
    assert revision.received_at.year >= 2026
    assert receipt["received_at"].startswith(str(revision.received_at.year))


def test_same_change_twice_in_one_batch_is_applied_once(world: World) -> None:
    inspection = world.inspection()
    once = change(inspection.id, "M-B01", "A")
    receipts = world.sync("inspector", [once, once]).json["receipts"]
    assert receipts[0]["status"] == "applied"
    assert receipts[1] == {**receipts[0], "replayed": True}
    assert db.session.query(AnswerRevision).filter_by(inspection_id=inspection.id).count() == 1


def test_changes_to_a_submitted_inspection_are_refused(world: World) -> None:
    inspection = world.inspection()
    world.sync("inspector", complete_changes(inspection.id))
    assert (
        world.call(
            "inspector", "POST", f"/api/inspections/{inspection.id}/transitions", {"action": "submit"}
        ).status_code
        == 200
    )
    receipt = world.sync("inspector", [change(inspection.id, "M-B01", "A", base=1)]).json["receipts"][0]
    assert receipt["error"]["code"] == "inspection.not_editable"


def test_reviewers_cannot_sync(world: World) -> None:
    inspection = world.inspection()
    response = world.sync("county_reviewer", [change(inspection.id, "M-B01", "A")])
    assert response.status_code == 403
    assert count(SyncReceipt) == 0


def test_conflicts_are_resolved_by_a_person_with_a_reason(world: World) -> None:
    inspection = world.inspection(inspectors=("inspector", "inspector2"))
    world.sync("inspector", [change(inspection.id, "M-B03", "A")])
    world.sync("inspector2", [change(inspection.id, "M-B03", "C")])
    conflict = db.session.query(Conflict).one()
    url = f"/api/inspections/{inspection.id}/conflicts/{conflict.id}/resolution"
    for short in ("", "C", " C "):
        refused = world.call("inspector", "POST", url, {"accept": True, "reason": short})
        assert refused.status_code == 400
        assert refused.json["error"] == {
            "code": "conflict.reason_required",
            "message": "处理冲突需要填写理由（至少 2 个字）",
        }
    response = world.call("inspector", "POST", url, {"accept": True, "reason": "为C"})
    assert {k: response.json[k] for k in ("id", "resolution", "revision")} == {
        "id": conflict.id,
        "resolution": "accepted",
        "revision": 2,
    }
    assert db.session.get(Answer, (inspection.id, "M-B03")).grade == "C"
    again = world.call("inspector", "POST", url, {"accept": False, "reason": "x"})
    assert again.json["error"]["code"] == "conflict.already_resolved"
