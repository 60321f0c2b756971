"""The review workflow: transitions checked for role, region and state; separation of duties;
regrades with reasons; locked results; random samples for city re-review."""

from typing import Any

import pytest

from server.db.models import Answer, AuditEntry, Inspection, StatusChange
from server.domain import workflow
from server.extensions import db
from server.services import audit
from tests.api.world import World, add_photo, change, complete_changes


def act(world: World, who: str, inspection: Inspection, action: str, reason: str | None = None) -> Any:
    body: dict[str, Any] = {"action": action}
    if reason is not None:
        body["reason"] = reason
    return world.call(who, "POST", f"/api/inspections/{inspection.id}/transitions", body)


def submitted(world: World) -> Inspection:
    inspection = world.inspection()
    world.sync("inspector", complete_changes(inspection.id))
    assert act(world, "inspector", inspection, "submit").status_code == 200
    return inspection


def county_approved(world: World) -> Inspection:
    inspection = submitted(world)
    assert act(world, "county_reviewer", inspection, "start_county_review").status_code == 200
    assert act(world, "county_reviewer", inspection, "county_approve").status_code == 200
    return inspection


def test_the_whole_path_to_approved_is_recorded(world: World) -> None:
    inspection = county_approved(world)
    assert act(world, "city_reviewer", inspection, "start_city_review").status_code == 200
    response = act(world, "city_reviewer", inspection, "approve")
    assert response.status_code == 200
    assert response.json["status"] == "approved"
    changes = (
        db.session.query(StatusChange).filter_by(inspection_id=inspection.id).order_by(StatusChange.id).all()
    )
    assert [(c.from_status, c.to_status) for c in changes] == [
        ("draft", "submitted"),
        ("submitted", "county_review"),
        ("county_review", "county_approved"),
        ("county_approved", "city_review"),
        ("city_review", "approved"),
    ]
    actions = [e.action for e in db.session.query(AuditEntry).order_by(AuditEntry.seq)]
    assert "inspection.approve" in actions
    assert audit.verify()[1] == []


def test_submission_refused_while_answers_are_missing(world: World) -> None:
    inspection = world.inspection()
    world.sync("inspector", complete_changes(inspection.id)[:-1])
    response = act(world, "inspector", inspection, "submit")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "inspection.incomplete"
    assert db.session.get(Inspection, inspection.id).status == "draft"


def village_inspection(world: World) -> tuple[Inspection, list[str]]:
    """A village clinic inspection on the village checklist with every item answered."""
    from server.services import checklists

    inspection = world.inspection(facility="village", checklist=("vc-2022-sample", 1))
    model = checklists.get_checklist("vc-2022-sample", 1)
    changes = []
    needs_photo = []
    for item in model.items():
        extra = {"valid_until": "2028-01-01"} if item.validity else {}
        if item.applies_if is None:
            changes.append(change(inspection.id, item.id, item.levels[-1].code, **extra))
            if item.photos_min:
                needs_photo.extend([item.id] * item.photos_min)
    assert {r["status"] for r in world.sync("inspector", changes).json["receipts"]} == {"applied"}
    return inspection, needs_photo


def test_submission_refused_while_required_photos_are_missing(world: World) -> None:
    inspection, needs_photo = village_inspection(world)
    assert needs_photo
    response = act(world, "inspector", inspection, "submit")
    assert (response.status_code, response.json["error"]["code"]) == (409, "inspection.incomplete")
    for item_id in needs_photo[1:]:
        add_photo(inspection.id, item_id, world.users["inspector"].id)
    db.session.commit()
    assert act(world, "inspector", inspection, "submit").status_code == 409  # one photo still missing
    add_photo(inspection.id, needs_photo[0], world.users["inspector"].id)
    db.session.commit()
    assert act(world, "inspector", inspection, "submit").status_code == 200


def test_approval_refused_while_evidence_is_unverified(world: World) -> None:
    from server.db.models import Evidence

    inspection, needs_photo = village_inspection(world)
    for item_id in needs_photo:
        add_photo(inspection.id, item_id, world.users["inspector"].id)
    db.session.commit()
    assert act(world, "inspector", inspection, "submit").status_code == 200
    act(world, "county_reviewer", inspection, "start_county_review")
    photo = db.session.query(Evidence).filter_by(inspection_id=inspection.id).first()
    photo.status = "pending"
    db.session.commit()
    response = act(world, "county_reviewer", inspection, "county_approve")
    assert (response.status_code, response.json["error"]["code"]) == (409, "review.evidence_incomplete")
    photo.status = "verified"
    db.session.commit()
    assert act(world, "county_reviewer", inspection, "county_approve").status_code == 200


@pytest.mark.parametrize(
    ("who", "code", "status"),
    [
        ("inspector", "workflow.role_not_allowed", 403),
        ("sibling_county_reviewer", "http.not_found", 404),
        ("city_reviewer", "workflow.role_not_allowed", 403),
    ],
)
def test_county_review_is_for_county_reviewers_of_the_region(
    world: World, who: str, code: str, status: int
) -> None:
    inspection = submitted(world)
    response = act(world, who, inspection, "start_county_review")
    assert (response.status_code, response.json["error"]["code"]) == (status, code)


def test_wrong_state_is_a_conflict(world: World) -> None:
    inspection = world.inspection()
    response = act(world, "county_reviewer", inspection, "county_approve")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "workflow.invalid_transition"


def test_unknown_action_is_refused_at_the_boundary_with_the_actions_listed(world: World) -> None:
    inspection = world.inspection()
    response = act(world, "inspector", inspection, "teleport")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "request.invalid"
    (problem,) = response.json["error"]["problems"]
    assert problem["pointer"] == "/action"
    assert all(action in problem["message"] for action in workflow.TRANSITIONS)
    db.session.refresh(inspection)
    assert inspection.status == workflow.DRAFT


def test_nobody_reviews_an_inspection_they_took_part_in(world: World) -> None:
    from server.db.models import User

    inspection = world.inspection()
    world.sync("inspector", complete_changes(inspection.id))
    act(world, "inspector", inspection, "submit")
    # the inspector becomes a county reviewer: still took part
    user = db.session.get(User, world.users["inspector"].id)
    user.role = "county_reviewer"
    db.session.commit()
    world.tokens.pop("inspector")
    response = act(world, "inspector", inspection, "start_county_review")
    assert response.json["error"]["code"] == "review.conflict_of_interest"


def test_county_and_city_review_are_different_people(world: World) -> None:
    from server.db.models import User

    inspection = county_approved(world)
    user = db.session.get(User, world.users["county_reviewer"].id)
    user.role, user.region_code = "city_reviewer", "410200"
    db.session.commit()
    world.tokens.pop("county_reviewer")
    response = act(world, "county_reviewer", inspection, "start_city_review")
    assert response.json["error"]["code"] == "review.same_reviewer"


def test_another_county_reviewer_cannot_take_over_a_review(world: World) -> None:
    inspection = submitted(world)
    act(world, "county_reviewer", inspection, "start_county_review")
    response = act(world, "county_reviewer2", inspection, "county_approve")
    assert response.json["error"]["code"] == "review.not_assigned_reviewer"


def test_return_needs_a_reason_and_allows_editing_again(world: World) -> None:
    inspection = submitted(world)
    act(world, "county_reviewer", inspection, "start_county_review")
    assert (
        act(world, "county_reviewer", inspection, "return").json["error"]["code"]
        == "workflow.reason_required"
    )
    assert act(world, "county_reviewer", inspection, "return", "照片不清晰，请补拍").status_code == 200
    receipt = world.sync("inspector", [change(inspection.id, "M-B01", "A", base=1)]).json["receipts"][0]
    assert receipt["status"] == "applied"
    assert act(world, "inspector", inspection, "submit").status_code == 200


def test_regrade_needs_a_reason_and_keeps_the_original(world: World) -> None:
    inspection = submitted(world)
    act(world, "county_reviewer", inspection, "start_county_review")
    url = f"/api/inspections/{inspection.id}/items/M-B01/grade"
    missing = world.call("county_reviewer", "PUT", url, {"grade": "B", "base_revision": 1})
    assert missing.status_code == 422
    assert missing.json["error"]["problems"][0]["pointer"] == "/reason"
    response = world.call(
        "county_reviewer", "PUT", url, {"grade": "B", "base_revision": 1, "reason": "照片显示已达B级"}
    )
    assert response.status_code == 200
    assert response.json == {"item_id": "M-B01", "revision": 2, "grade": "B", "source": "review"}
    history = world.call(
        "county_reviewer", "GET", f"/api/inspections/{inspection.id}/history?item_id=M-B01"
    ).json
    assert [(h["grade"], h["source"], h["reason"]) for h in history] == [
        ("C", "inspector", None),
        ("B", "review", "照片显示已达B级"),
    ]
    stale = world.call(
        "county_reviewer", "PUT", url, {"grade": "A", "base_revision": 1, "reason": "再次调整"}
    )
    assert stale.json["error"]["code"] == "review.stale_revision"


def test_every_reason_needs_the_domains_minimum_after_stripping(world: World) -> None:
    """One minimum (workflow.REASON_MIN, exported to the app) for a transition's reason and a
    regrade's: one character, or blanks around it, is refused with the catalog's code and
    Chinese message naming the minimum; two characters are enough."""
    assert workflow.REASON_MIN == 2
    assert workflow.as_data()["reason_min_length"] == workflow.REASON_MIN
    inspection = submitted(world)
    act(world, "county_reviewer", inspection, "start_county_review")
    url = f"/api/inspections/{inspection.id}/items/M-B01/grade"
    for short in ("补", "  补\n", "\u3000补\u3000"):
        refused = act(world, "county_reviewer", inspection, "return", short)
        assert refused.status_code == 400
        assert refused.json["error"] == {
            "code": "workflow.reason_required",
            "message": "此操作需要填写理由（至少 2 个字）",
        }
        body = {"grade": "B", "base_revision": 1, "reason": short}
        refused = world.call("county_reviewer", "PUT", url, body)
        assert refused.status_code == 400
        assert refused.json["error"] == {
            "code": "review.reason_required",
            "message": "修改评分需要填写理由（至少 2 个字）",
        }
    regraded = world.call(
        "county_reviewer", "PUT", url, {"grade": "B", "base_revision": 1, "reason": " 补拍 "}
    )
    assert regraded.status_code == 200
    assert act(world, "county_reviewer", inspection, "return", "补拍").status_code == 200


def test_regrade_only_by_the_reviewer_during_review(world: World) -> None:
    inspection = submitted(world)
    url = f"/api/inspections/{inspection.id}/items/M-B01/grade"
    body = {"grade": "B", "base_revision": 1, "reason": "调整"}
    assert world.call("county_reviewer", "PUT", url, body).json["error"]["code"] == "review.not_in_review"
    assert world.call("inspector", "PUT", url, body).status_code == 403


def test_an_approved_inspection_is_locked_until_reopened(world: World) -> None:
    inspection = county_approved(world)
    act(world, "city_reviewer", inspection, "start_city_review")
    act(world, "city_reviewer", inspection, "approve")
    url = f"/api/inspections/{inspection.id}/items/M-B01/grade"
    body = {"grade": "A", "base_revision": 1, "reason": "调整"}
    assert world.call("city_reviewer", "PUT", url, body).json["error"]["code"] == "inspection.locked"
    receipt = world.sync("inspector", [change(inspection.id, "M-B01", "A", base=1)]).json["receipts"][0]
    assert receipt["error"]["code"] in {"inspection.locked", "sync.not_assigned"}
    assert db.session.get(Answer, (inspection.id, "M-B01")).grade == "C"
    assert (
        act(world, "city_reviewer", inspection, "reopen").json["error"]["code"] == "workflow.reason_required"
    )
    assert act(world, "city_reviewer", inspection, "reopen", "财政复核发现照片时间异常").status_code == 200
    reopen = db.session.query(StatusChange).filter_by(inspection_id=inspection.id, action="reopen").one()
    assert reopen.reason == "财政复核发现照片时间异常"
    assert world.call("city_reviewer", "PUT", url, body).status_code == 200


def test_city_sample_is_recorded_and_reproducible(world: World) -> None:
    from server.domain import sampling

    approved = [county_approved(world) for _ in range(3)]
    response = world.call("city_reviewer", "POST", "/api/samples", {"size": 2, "seed": 20261120})
    assert response.status_code == 201
    sample = response.json
    assert sample["seed"] == 20261120
    assert sample["population"] == sorted(i.id for i in approved)
    assert sample["selected"] == sampling.draw(sample["population"], 2, 20261120)
    chosen = db.session.get(Inspection, sample["selected"][0])
    skipped = next(i for i in approved if i.id not in sample["selected"])
    assert (
        act(world, "city_reviewer", chosen, "approve").json["error"]["code"] == "workflow.sampled_for_review"
    )
    assert act(world, "city_reviewer", skipped, "approve").status_code == 200
    assert world.call("county_reviewer", "POST", "/api/samples", {"size": 1}).status_code == 403
    got = world.call("city_reviewer", "GET", f"/api/samples/{sample['id']}").json
    assert got["selected"] == sample["selected"]


# --- what the detail offers: the same checks as the requests ---------------------------------------


def offered(world: World, who: str, inspection: Inspection) -> dict[str, Any]:
    body = world.call(who, "GET", f"/api/inspections/{inspection.id}").json
    return {
        "actions": body["actions"],
        "refusals": {r["action"]: r["code"] for r in body["refusals"]},
        "may_regrade": body["may_regrade"],
    }


def test_the_detail_offers_what_the_server_would_let_through(world: World) -> None:
    inspection = submitted(world)
    assert offered(world, "county_reviewer", inspection) == {
        "actions": ["start_county_review"],
        "refusals": {},
        "may_regrade": False,
    }
    assert offered(world, "inspector", inspection)["actions"] == []
    act(world, "county_reviewer", inspection, "start_county_review")
    mine = offered(world, "county_reviewer", inspection)
    # the order of the server's table; reason and completeness are asked when taken
    assert mine == {
        "actions": ["return", "county_approve", "county_reject"],
        "refusals": {},
        "may_regrade": True,
    }
    # another county reviewer of the region: every action refused as the request would be
    other = offered(world, "county_reviewer2", inspection)
    assert other["actions"] == [] and other["may_regrade"] is False
    assert set(other["refusals"].values()) == {"review.not_assigned_reviewer"}
    refused = act(world, "county_reviewer2", inspection, "county_approve")
    assert refused.json["error"]["code"] == "review.not_assigned_reviewer"
    body = world.call("county_reviewer2", "GET", f"/api/inspections/{inspection.id}").json
    assert body["refusals"][0]["message"] == refused.json["error"]["message"]


def test_the_detail_holds_back_final_approval_of_a_sampled_inspection(world: World) -> None:
    chosen = county_approved(world)
    assert offered(world, "city_reviewer", chosen)["actions"] == ["start_city_review", "approve"]
    assert world.call("city_reviewer", "POST", "/api/samples", {"size": 1, "seed": 7}).status_code == 201
    held = offered(world, "city_reviewer", chosen)
    assert held["actions"] == ["start_city_review"]
    assert held["refusals"] == {"approve": "workflow.sampled_for_review"}
    assert (
        act(world, "city_reviewer", chosen, "approve").json["error"]["code"] == "workflow.sampled_for_review"
    )
    act(world, "city_reviewer", chosen, "start_city_review")
    assert offered(world, "city_reviewer", chosen) == {
        "actions": ["city_return", "approve", "city_reject"],
        "refusals": {},
        "may_regrade": True,
    }


def test_the_detail_refuses_a_reviewer_who_took_part(world: World) -> None:
    from server.db.models import User

    inspection = submitted(world)
    user = db.session.get(User, world.users["inspector"].id)
    user.role = "county_reviewer"
    db.session.commit()
    world.tokens.pop("inspector")
    assert offered(world, "inspector", inspection) == {
        "actions": [],
        "refusals": {"start_county_review": "review.conflict_of_interest"},
        "may_regrade": False,
    }
