"""The inspector's way out of what blocks a draft: conflicts resolved by the inspector (keep mine,
take the other, combine the notes), a refused submission that names each blocking item, returned
and finished inspections on the device, and the checklists that fit a facility."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.testing import FlaskCliRunner

from server.db.models import Answer, AuditEntry, Conflict, Inspection, User
from server.domain import workflow
from server.domain.access import Principal
from server.extensions import db
from server.services import inspections, sync
from tests.api.world import World, add_photo, change, complete_changes


def conflicted(world: World, mine: str = "A", theirs: str = "C") -> tuple[Inspection, Conflict]:
    """M-B03 answered by `inspector` (with a note), then changed offline by `inspector2` on base 0."""
    inspection = world.inspection(inspectors=("inspector", "inspector2"))
    world.sync("inspector", [change(inspection.id, "M-B03", mine, note="资料齐全")])
    receipt = world.sync("inspector2", [change(inspection.id, "M-B03", theirs, note="复查发现问题")])
    assert receipt.json["receipts"][0]["status"] == "conflict"
    return inspection, db.session.query(Conflict).filter_by(inspection_id=inspection.id).one()


def resolve(world: World, user: str, inspection: Inspection, conflict: Conflict, **body: Any) -> Any:
    url = f"/api/inspections/{inspection.id}/conflicts/{conflict.id}/resolution"
    return world.call(user, "POST", url, body)


def full_record(world: World, name: str = "own") -> None:
    """Give a facility every fact the published checklists ask about (the world leaves some out)."""
    facility = world.facilities[name]
    facility.facts = {
        "community_hospital": False,
        "obstetric_ultrasound": False,
        "county_imaging_center": True,
    }
    if facility.population_served is None:
        facility.population_served = 30_000
    db.session.commit()


def audits(conflict: Conflict) -> int:
    return (
        db.session.query(AuditEntry)
        .filter_by(action="conflict.resolve", target_type="conflict", target_id=str(conflict.id))
        .count()
    )


# --- conflicts ------------------------------------------------------------------------------------


def test_conflicts_name_who_made_each_side(world: World) -> None:
    inspection, _ = conflicted(world)
    listed = world.call("inspector", "GET", f"/api/inspections/{inspection.id}/conflicts").json
    assert len(listed) == 1
    view = listed[0]
    assert view["author_id"] == world.users["inspector2"].id
    assert view["author_name"] == world.users["inspector2"].display_name
    assert view["proposed"]["note"] == "复查发现问题"
    assert view["current"]["grade"] == "A"
    assert view["current"]["note"] == "资料齐全"
    assert view["current"]["author_id"] == world.users["inspector"].id
    assert view["current"]["author_name"] == world.users["inspector"].display_name


def test_combine_joins_both_notes_under_the_chosen_grade(world: World) -> None:
    inspection, conflict = conflicted(world)
    response = resolve(
        world, "inspector", inspection, conflict, resolution="combine", grade="B", reason="两人意见合并"
    )
    assert response.status_code == 200, response.json
    assert response.json["resolution"] == "combined"
    assert response.json["revision"] == 2
    assert response.json["answer"] == {"grade": "B", "note": "资料齐全\n复查发现问题", "revision": 2}
    assert response.json["replayed"] is False
    answer = db.session.get(Answer, (inspection.id, "M-B03"))
    assert (answer.grade, answer.note, answer.revision) == ("B", "资料齐全\n复查发现问题", 2)
    assert db.session.get(Conflict, conflict.id).resolution_reason == "两人意见合并"
    history = world.call("inspector", "GET", f"/api/inspections/{inspection.id}/history?item_id=M-B03").json
    assert [h["reason"] for h in history][-1] == "合并冲突修改：两人意见合并"
    assert audits(conflict) == 1


def test_the_same_resolution_again_answers_alike_and_writes_nothing(world: World) -> None:
    inspection, conflict = conflicted(world)
    first = resolve(world, "inspector", inspection, conflict, resolution="combine", grade="B", reason="合并")
    again = resolve(world, "inspector", inspection, conflict, resolution="combine", grade="B", reason="合并")
    assert again.status_code == 200, again.json
    assert {**again.json, "replayed": False} == first.json
    assert again.json["replayed"] is True
    assert db.session.get(Answer, (inspection.id, "M-B03")).revision == 2
    assert audits(conflict) == 1
    other = resolve(
        world, "inspector", inspection, conflict, resolution="combine", grade="C", reason="改主意"
    )
    assert other.status_code == 409
    assert other.json["error"]["code"] == "conflict.already_resolved"
    dismissed = resolve(world, "inspector", inspection, conflict, resolution="dismiss", reason="改主意")
    assert dismissed.json["error"]["code"] == "conflict.already_resolved"


def test_keep_the_current_answer_and_the_device_learns_it(world: World) -> None:
    inspection, conflict = conflicted(world)
    response = resolve(world, "inspector", inspection, conflict, resolution="dismiss", reason="现场核实")
    assert response.status_code == 200, response.json
    assert response.json["resolution"] == "dismissed"
    assert response.json["revision"] is None
    assert response.json["answer"] == {"grade": "A", "note": "资料齐全", "revision": 1}
    replay = resolve(world, "inspector", inspection, conflict, accept=False, reason="现场核实")
    assert replay.status_code == 200 and replay.json["replayed"] is True
    assert audits(conflict) == 1


def test_take_the_other_change_by_its_author_or_a_colleague(world: World) -> None:
    inspection, conflict = conflicted(world)
    response = resolve(world, "inspector2", inspection, conflict, resolution="accept", reason="以复查为准")
    assert response.status_code == 200, response.json
    assert response.json["answer"] == {"grade": "C", "note": "复查发现问题", "revision": 2}
    assert world.call("inspector", "GET", f"/api/inspections/{inspection.id}").json["open_conflicts"] == 0


def test_combine_needs_a_grade_the_item_allows_and_a_reason(world: World) -> None:
    inspection, conflict = conflicted(world)
    no_grade = resolve(world, "inspector", inspection, conflict, resolution="combine", reason="合并")
    assert no_grade.status_code == 422
    assert no_grade.json["error"]["code"] == "conflict.grade_required"
    bad_grade = resolve(
        world, "inspector", inspection, conflict, resolution="combine", grade="Z", reason="合并"
    )
    assert 400 <= bad_grade.status_code < 500
    no_reason = resolve(world, "inspector", inspection, conflict, resolution="combine", grade="B", reason=" ")
    assert no_reason.status_code in (400, 422)
    neither = resolve(world, "inspector", inspection, conflict, reason="合并")
    assert neither.status_code == 422
    assert neither.json["error"]["code"] == "conflict.invalid_resolution"
    assert db.session.get(Conflict, conflict.id).resolved_at is None
    assert audits(conflict) == 0
    for answer in (no_grade, bad_grade, no_reason, neither):
        assert any("\u4e00" <= ch <= "\u9fff" for ch in answer.json["error"]["message"])


def test_only_the_drafts_own_inspectors_resolve_while_it_is_a_draft(world: World) -> None:
    inspection, conflict = conflicted(world)
    refused = resolve(world, "county_reviewer", inspection, conflict, resolution="dismiss", reason="保留")
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "conflict.not_participant"
    assert audits(conflict) == 0


# --- a refused submission -------------------------------------------------------------------------


def test_a_refused_submission_names_each_blocking_item(world: World) -> None:
    inspection, conflict = conflicted(world)
    world.sync(
        "inspector", [c for c in complete_changes(inspection.id) if c["item_id"] not in ("M-B03", "M-B05")]
    )
    response = world.call(
        "inspector", "POST", f"/api/inspections/{inspection.id}/transitions", {"action": "submit"}
    )
    assert response.status_code == 409
    error = response.json["error"]
    assert error["code"] == "inspection.incomplete"
    assert error["message"] == "还有 2 个条款未完成，不能提交评审：请逐项处理后再试"
    assert error["problems"] == [
        {
            "code": "inspection.item_conflict",
            "pointer": "/items/M-B03",
            "message": "1.1.3 基本条款3：有未解决的冲突",
        },
        {
            "code": "inspection.item_unanswered",
            "pointer": "/items/M-B05",
            "message": "1.1.5 基本条款5：未作答",
        },
    ]
    resolve(world, "inspector", inspection, conflict, resolution="dismiss", reason="保留")
    world.sync("inspector", [change(inspection.id, "M-B05", "C")])
    done = world.call(
        "inspector", "POST", f"/api/inspections/{inspection.id}/transitions", {"action": "submit"}
    )
    assert done.status_code == 200, done.json


def test_photos_short_are_named_too(world: World) -> None:
    full_record(world)
    inspection = world.inspection(checklist=("qs-2023-sample", 1))
    checklist = inspections.checklist_of(inspection)
    needs = next(item for item in checklist.items() if item.photos_min > 0 and item.applies_if is None)
    world.sync("inspector", [change(inspection.id, needs.id, needs.levels[0].code)])
    if needs.photos_min > 1:
        add_photo(inspection.id, needs.id, world.users["inspector"].id)
    response = world.call(
        "inspector", "POST", f"/api/inspections/{inspection.id}/transitions", {"action": "submit"}
    )
    problems = response.json["error"]["problems"]
    named = [p for p in problems if p["pointer"] == f"/items/{needs.id}"]
    assert named == [
        {
            "code": "inspection.item_photos_missing",
            "pointer": f"/items/{needs.id}",
            "message": f"{needs.number} {needs.text}：照片不足",
        }
    ]
    assert all(p["message"].endswith(("：未作答", "：照片不足", "：有未解决的冲突")) for p in problems)


# --- what the device downloads --------------------------------------------------------------------


def submit_and_return(world: World) -> Inspection:
    inspection = world.inspection()
    world.sync("inspector", complete_changes(inspection.id))
    for user, action, reason in (
        ("inspector", "submit", None),
        ("county_reviewer", "start_county_review", None),
        ("county_reviewer", "return", "设备照片不清晰，请补拍"),
    ):
        body = {"action": action, "reason": reason}
        answer = world.call(user, "POST", f"/api/inspections/{inspection.id}/transitions", body)
        assert answer.status_code == 200, answer.json
    return inspection


def test_bootstrap_says_who_returned_an_inspection_when_and_why(world: World) -> None:
    inspection = submit_and_return(world)
    body = world.call("inspector", "GET", "/api/sync/bootstrap").json
    entry = next(a for a in body["assignments"] if a["inspection"]["id"] == inspection.id)
    assert entry["inspection"]["status"] == "returned"
    change_ = entry["last_change"]
    assert change_["action"] == "return"
    assert change_["reason"] == "设备照片不清晰，请补拍"
    assert change_["actor_name"] == world.users["county_reviewer"].display_name
    assert dt.datetime.fromisoformat(change_["created_at"]).utcoffset() is not None


def test_bootstrap_keeps_submitted_and_finished_inspections_for_the_history(world: World) -> None:
    inspection = world.inspection()
    world.sync("inspector", complete_changes(inspection.id))
    world.call("inspector", "POST", f"/api/inspections/{inspection.id}/transitions", {"action": "submit"})
    draft = world.inspection()
    body = world.call("inspector", "GET", "/api/sync/bootstrap").json
    statuses = {a["inspection"]["id"]: a["inspection"]["status"] for a in body["assignments"]}
    assert statuses == {inspection.id: "submitted", draft.id: "draft"}
    submitted = next(a for a in body["assignments"] if a["inspection"]["id"] == inspection.id)
    assert len(submitted["answers"]) == 15
    assert submitted["last_change"]["to_status"] == "submitted"
    assert submitted["conflicts"] == []
    assert world.call("inspector2", "GET", "/api/sync/bootstrap").json["assignments"] == []


def test_bootstrap_carries_the_open_conflicts_of_a_draft(world: World) -> None:
    inspection, conflict = conflicted(world)
    body = world.call("inspector", "GET", "/api/sync/bootstrap").json
    entry = next(a for a in body["assignments"] if a["inspection"]["id"] == inspection.id)
    assert [c["id"] for c in entry["conflicts"]] == [conflict.id]
    assert entry["conflicts"][0]["author_name"] == world.users["inspector2"].display_name
    resolve(world, "inspector", inspection, conflict, resolution="dismiss", reason="保留")
    body = world.call("inspector", "GET", "/api/sync/bootstrap").json
    entry = next(a for a in body["assignments"] if a["inspection"]["id"] == inspection.id)
    assert entry["conflicts"] == []


# --- checklists for a facility ---------------------------------------------------------------------


def test_the_server_says_which_checklists_fit_a_facility(world: World) -> None:
    full_record(world)

    def families(user: str, facility: str) -> set[str]:
        url = f"/api/checklists?facility_id={world.facilities[facility].id}"
        response = world.call(user, "GET", url)
        assert response.status_code == 200, response.json
        return {c["family"] for c in response.json}

    assert families("self_assessor", "own") == {"quality_service", "big_three"}
    assert families("county_reviewer", "village") == {"village_clinic"}
    everything = world.call("self_assessor", "GET", "/api/checklists").json
    assert {c["family"] for c in everything} >= {"quality_service", "village_clinic", "big_three"}
    outside = world.call("self_assessor", "GET", f"/api/checklists?facility_id={world.facilities['own2'].id}")
    assert outside.status_code == 404


def test_every_checklist_offered_can_be_started(world: World) -> None:
    full_record(world)
    offered = world.call(
        "self_assessor", "GET", f"/api/checklists?facility_id={world.facilities['own'].id}"
    ).json
    for ref in offered:
        created = world.call(
            "self_assessor",
            "POST",
            "/api/inspections",
            {
                "facility_id": world.facilities["own"].id,
                "checklist_id": ref["id"],
                "checklist_version": ref["version"],
                "kind": "self_assessment",
                "inspection_date": "2026-11-20",
            },
        )
        assert created.status_code == 201, (ref, created.json)
    assert len(offered) >= 2


def test_a_facility_missing_a_fact_is_not_offered_what_it_cannot_start(world: World) -> None:
    url = f"/api/checklists?facility_id={world.facilities['own'].id}"
    world.facilities["own"].facts = {}
    db.session.commit()
    offered = {c["id"] for c in world.call("self_assessor", "GET", url).json}
    assert "qs-2023-sample" not in offered  # community_hospital is not on record: creating would fail


# --- the demo seed ----------------------------------------------------------------------------------


def test_every_seeded_draft_can_be_finished_in_the_app(runner: FlaskCliRunner, db: Any) -> None:
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    users = {u.username: u for u in db.session.query(User)}
    for inspection in db.session.query(Inspection).filter(Inspection.status.in_(workflow.EDITABLE)):
        gaps = inspections.missing(inspection)
        # Whatever blocks a seeded draft is something the app shows and lets its inspector fix.
        assert all(g.split(":")[0] in ("answer", "evidence", "conflict") for g in gaps), gaps
        for user in db.session.query(User).filter(User.role.in_(["inspector", "self_assessor"])):
            principal = Principal(
                user.id, user.username, user.display_name, user.role, user.region_code, user.facility_id, 0
            )
            if user.id not in inspections.participants(inspection):
                continue
            boot = sync.bootstrap(principal)
            entry = next(a for a in boot["assignments"] if a["inspection"].id == inspection.id)
            open_ids = {
                c.item_id
                for c in db.session.query(Conflict).filter_by(inspection_id=inspection.id, resolved_at=None)
            }
            assert {c["item_id"] for c in entry["conflicts"]} == open_ids
    # The shared draft keeps its conflict as a demo; tx_inspector1 sees it and who made it.
    inspector = users["tx_inspector1"]
    principal = Principal(
        inspector.id,
        inspector.username,
        inspector.display_name,
        inspector.role,
        inspector.region_code,
        None,
        0,
    )
    drafts = [a for a in sync.bootstrap(principal)["assignments"] if a["inspection"].status == "draft"]
    conflicts = [c for a in drafts for c in a["conflicts"]]
    assert len(conflicts) == 1
    assert conflicts[0]["author_name"] == users["tx_inspector2"].display_name
    # The returned one says why.
    returned = [a for a in sync.bootstrap(principal)["assignments"] if a["inspection"].status == "returned"]
    assert returned and all(a["last_change"]["reason"] for a in returned)
