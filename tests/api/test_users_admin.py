"""User accounts managed in the console (/api/users) and a user's own password (/api/auth/password).

The world: 通许县 (410222) with its inspectors and county reviewers, 开封市 (410200) with its city
reviewers, its administrator and a finance officer, 兰考县 (410225) beside 通许. Who may act on
whom is the access matrix's (tests/api/test_access_matrix.py) for the endpoints and regions; here
the rules inside a region: the roles each role grants, one's own account, where a role may sit,
one-time passwords, sessions ending, the throttle lifted, and what the audit keeps.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from server.db.models import AuditEntry, Inspection, User
from server.extensions import db
from tests.api.world import World

ONE_TIME = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")


def create(world: World, by: str, **values: Any) -> Any:
    body = {"display_name": "新同事", "role": "inspector", "region_code": "410222", **values}
    return world.call(by, "POST", "/api/users", body)


def log_in(world: World, username: str, password: str) -> Any:
    return world.client.post("/api/auth/login", json={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def audit_of(user_id: int) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.target_type == "user", AuditEntry.target_id == str(user_id))
    return list(db.session.scalars(stmt.order_by(AuditEntry.seq)))


def test_a_new_account_has_a_one_time_password_that_must_be_changed_first(world: World) -> None:
    response = create(world, "county_reviewer", username="zhang.wei", display_name="张伟")
    assert response.status_code == 201, response.json
    issued = response.json
    password = issued["one_time_password"]
    assert ONE_TIME.match(password), password
    account = issued["user"]
    assert account["must_change_password"] is True
    assert (account["region_name"], account["role"], account["active"]) == ("通许县", "inspector", True)

    login = log_in(world, "zhang.wei", password)
    assert login.status_code == 200, login.json
    assert login.json["user"]["must_change_password"] is True
    token = login.json["token"]
    other = log_in(world, "zhang.wei", password).json["token"]  # a second device
    refused = world.client.get("/api/sync/bootstrap", headers=bearer(token))
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "auth.password_change_required"
    assert world.client.get("/api/auth/me", headers=bearer(token)).status_code == 200

    def change(current: str, new: str) -> Any:
        body = {"current_password": current, "new_password": new}
        return world.client.post("/api/auth/password", json=body, headers=bearer(token))

    for current, new, code in (
        ("wrong-password", "a-good-new-password", "auth.wrong_password"),
        (password, password, "auth.same_password"),
        (password, "short", "auth.weak_password"),
    ):
        answer = change(current, new)
        assert (answer.status_code, answer.json["error"]["code"]) == (422, code), answer.json
    changed = change(password, "a-good-new-password")
    assert changed.status_code == 200, changed.json
    assert changed.json["must_change_password"] is False
    assert world.client.get("/api/sync/bootstrap", headers=bearer(token)).status_code == 200
    ended = world.client.get("/api/auth/me", headers=bearer(other))
    assert ended.status_code == 401  # the other device's session ended with the change
    assert log_in(world, "zhang.wei", password).status_code == 401
    assert log_in(world, "zhang.wei", "a-good-new-password").status_code == 200

    actions = [e.action for e in audit_of(account["id"])]
    assert actions[0] == "users.created" and "auth.password_changed" in actions
    text = json.dumps([[e.before, e.after] for e in audit_of(account["id"])], ensure_ascii=False)
    assert password not in text and "a-good-new-password" not in text


def test_nobody_grants_a_role_above_their_own(world: World) -> None:
    cases = [
        ("county_reviewer", {"username": "c-admin", "role": "admin", "region_code": "410222"}, 403),
        ("county_reviewer", {"username": "c-finance", "role": "finance", "region_code": "410222"}, 403),
        ("county_reviewer", {"username": "c-city", "role": "city_reviewer", "region_code": "410200"}, 403),
        (
            "county_reviewer",
            {"username": "c-county", "role": "county_reviewer", "region_code": "410222"},
            201,
        ),
        ("city_reviewer", {"username": "y-admin", "role": "admin", "region_code": "410200"}, 403),
        ("city_reviewer", {"username": "y-city", "role": "city_reviewer", "region_code": "410200"}, 201),
        ("admin", {"username": "a-finance", "role": "finance", "region_code": "410200"}, 201),
        ("admin", {"username": "a-admin", "role": "admin", "region_code": "410222"}, 201),
    ]
    for by, values, status in cases:
        response = create(world, by, **values)
        assert response.status_code == status, (by, values, response.json)
        if status == 403:
            assert response.json["error"]["code"] == "users.not_grantable"
            assert "您不能授予或管理" in response.json["error"]["message"]
    # managing an account is granting its role: a city reviewer cannot touch the administrator
    admin = world.users["admin"]
    response = world.call("city_reviewer", "POST", f"/api/users/{admin.id}/disable", {"reason": "试图停用"})
    assert (response.status_code, response.json["error"]["code"]) == (403, "users.not_grantable")
    listed = world.call("city_reviewer", "GET", "/api/users?limit=200").json["items"]
    assert {u["username"]: u["manageable"] for u in listed}["admin"] is False
    assert db.session.scalar(select(User.active).where(User.id == admin.id)) is True


def test_where_an_account_may_sit(world: World) -> None:
    def problems(response: Any) -> list[tuple[str, str]]:
        assert response.status_code == 422, response.json
        return [(p["pointer"], p["message"]) for p in response.json["error"]["problems"]]

    # a county reviewer at a city: the role sits at a county
    found = problems(create(world, "admin", username="user-r1", role="county_reviewer", region_code="410200"))
    assert found == [("/region_code", "县级审核员须设在县级地区（现为开封市）")]
    # outside the caller's region, and a region that does not exist, read alike
    outside = problems(create(world, "county_reviewer", username="user-r2", region_code="410225"))
    missing = problems(create(world, "county_reviewer", username="user-r3", region_code="410299"))
    assert outside == [("/region_code", "地区 410225 不存在或不在您的辖区内")]
    assert missing == [("/region_code", "地区 410299 不存在或不在您的辖区内")]
    # facility staff need a facility of the region, whose region they take
    staff = problems(create(world, "county_reviewer", username="user-r4", role="self_assessor"))
    assert staff == [("/facility_id", "机构自评人员须选择本辖区内的所属机构")]
    sibling = world.facilities["sibling"].id
    assert problems(
        create(world, "county_reviewer", username="user-r5", role="self_assessor", facility_id=sibling)
    ) == [("/facility_id", "机构自评人员须选择本辖区内的所属机构")]
    own = world.facilities["own"]
    made = create(
        world,
        "county_reviewer",
        username="user-r6",
        role="self_assessor",
        facility_id=own.id,
        region_code=None,
    )
    assert made.status_code == 201, made.json
    assert (made.json["user"]["facility_name"], made.json["user"]["region_code"]) == (
        own.name,
        own.region_code,
    )
    assert problems(create(world, "county_reviewer", username="user-r7", facility_id=own.id)) == [
        ("/facility_id", "只有机构自评人员有所属机构，其他角色请留空")
    ]
    # usernames: a pattern, and unique whatever the case
    bad = create(world, "county_reviewer", username="张 伟")
    assert bad.status_code == 422 and bad.json["error"]["problems"][0]["pointer"] == "/username"
    taken = create(world, "county_reviewer", username="INSPECTOR")
    assert (taken.status_code, taken.json["error"]["code"]) == (409, "users.username_taken")


def test_disabling_changing_and_resetting_end_the_users_sessions(world: World) -> None:
    target = world.users["inspector2"]
    path = f"/api/users/{target.id}"

    def alive() -> bool:
        return world.call("inspector2", "GET", "/api/auth/me").status_code == 200

    assert alive()
    no_reason = world.call("county_reviewer", "POST", path + "/disable", {"reason": " "})
    assert (no_reason.status_code, no_reason.json["error"]["code"]) == (422, "users.reason_required")
    disabled = world.call("county_reviewer", "POST", path + "/disable", {"reason": "调离本县"})
    assert disabled.status_code == 200 and disabled.json["active"] is False
    assert not alive()
    world.tokens.pop("inspector2")
    assert log_in(world, "inspector2", world.password).status_code == 401
    again = world.call("county_reviewer", "POST", path + "/disable", {"reason": "调离本县"})
    assert (again.status_code, again.json["error"]["code"]) == (409, "users.unchanged")
    assert world.call("county_reviewer", "POST", path + "/enable", {"reason": "返回本县"}).status_code == 200
    assert alive()

    # a rename keeps the sessions, a new role ends them
    renamed = world.call("county_reviewer", "PATCH", path, {"display_name": "王二", "reason": "更正姓名"})
    assert renamed.status_code == 200 and renamed.json["display_name"] == "王二"
    assert alive()
    promoted = world.call("county_reviewer", "PATCH", path, {"role": "county_reviewer", "reason": "任命"})
    assert promoted.status_code == 200 and promoted.json["role"] == "county_reviewer"
    assert not alive()
    world.tokens.pop("inspector2")
    assert alive()

    reset = world.call("county_reviewer", "POST", path + "/password")
    assert reset.status_code == 200 and reset.json["user"]["must_change_password"] is True
    assert not alive()
    world.tokens.pop("inspector2")
    assert log_in(world, "inspector2", world.password).status_code == 401
    assert log_in(world, "inspector2", reset.json["one_time_password"]).status_code == 200

    entries = [e for e in audit_of(target.id) if e.action.startswith("users.")]
    assert [e.action for e in entries] == [
        "users.disabled",
        "users.enabled",
        "users.updated",
        "users.updated",
        "users.password_reset",
    ]
    assert entries[3].after["reason"] == "任命" and entries[3].before["role"] == "inspector"
    assert all(e.region_code == "410222" and e.actor == "county_reviewer" for e in entries)


def test_ones_own_account(world: World) -> None:
    me = world.users["admin"]
    refused = world.call("admin", "POST", f"/api/users/{me.id}/disable", {"reason": "测试"})
    assert (refused.status_code, refused.json["error"]["code"]) == (409, "users.self")
    role = world.call("admin", "PATCH", f"/api/users/{me.id}", {"role": "finance", "reason": "测试"})
    assert (role.status_code, role.json["error"]["code"]) == (409, "users.self")
    renamed = world.call(
        "admin", "PATCH", f"/api/users/{me.id}", {"display_name": "李主任", "reason": "更正"}
    )
    assert renamed.status_code == 200 and renamed.json["display_name"] == "李主任"


def test_unlock_lifts_the_throttle_on_failed_logins(world: World) -> None:
    target = world.users["inspector2"]
    for _ in range(8):
        log_in(world, "inspector2", "not the password")
    assert log_in(world, "inspector2", world.password).status_code == 429
    listed = world.call("county_reviewer", "GET", "/api/users?q=inspector2").json["items"]
    assert [u["username"] for u in listed] == ["inspector2"] and listed[0]["blocked_until"] is not None
    unlocked = world.call("county_reviewer", "POST", f"/api/users/{target.id}/unlock")
    assert unlocked.status_code == 200 and unlocked.json["blocked_until"] is None
    assert log_in(world, "inspector2", world.password).status_code == 200
    assert audit_of(target.id)[-1].action == "auth.unlock"


def test_the_list_searches_filters_and_pages_inside_the_region(world: World) -> None:
    def names(by: str, query: str = "") -> list[str]:
        response = world.call(by, "GET", "/api/users?limit=200" + query)
        assert response.status_code == 200, response.json
        return [u["username"] for u in response.json["items"]]

    county = names("county_reviewer")
    assert "inspector" in county and "sibling_inspector" not in county and "admin" not in county
    city = names("admin")
    assert {"sibling_inspector", "admin", "inspector"} <= set(city) and "other_city_reviewer" not in city
    assert names("admin", "&q=SIBLING") == ["sibling_inspector", "sibling_county_reviewer"]
    assert set(names("admin", "&role=city_reviewer")) == {"city_reviewer", "city_reviewer2"}
    assert set(names("admin", "&region_code=410225")) == {"sibling_inspector", "sibling_county_reviewer"}
    assert names("county_reviewer", "&region_code=410225") == []  # outside: nothing, not an error
    world.call("admin", "POST", f"/api/users/{world.users['inspector2'].id}/disable", {"reason": "离职"})
    assert names("admin", "&active=false") == ["inspector2"]

    pages: list[str] = []
    after = ""
    while True:
        body = world.call("admin", "GET", f"/api/users?limit=3{after}").json
        pages += [u["username"] for u in body["items"]]
        if body["next"] is None:
            break
        after = f"&after={body['next']}"
    assert pages == city
    bad = world.call("admin", "GET", "/api/users?offset=3")
    assert bad.status_code == 422


def test_finance_sees_final_results_only(world: World) -> None:
    draft = world.inspection()
    final = world.inspection(facility="own2")
    final.status = "approved"
    db.session.commit()
    listed = world.call("finance", "GET", "/api/inspections").json["items"]
    assert [i["id"] for i in listed] == [final.id]
    assert world.call("finance", "GET", f"/api/inspections/{draft.id}").status_code == 404
    assert world.call("finance", "GET", f"/api/inspections/{final.id}").status_code == 200
    assert world.call("finance", "GET", f"/api/inspections/{final.id}/evidence").status_code == 403
    assert world.call("finance", "GET", "/api/payouts/410200/2026.xlsx").status_code == 200
    assert db.session.get(Inspection, draft.id) is not None


def test_a_session_cannot_be_used_to_guess_the_password(world: World) -> None:
    """Wrong current passwords count as failed logins: the same throttle then refuses, even the
    right one, until the block ends or is lifted."""
    body = {"current_password": "a wrong guess", "new_password": "a-brand-new-password"}
    codes = [
        world.call("inspector", "POST", "/api/auth/password", body).json["error"]["code"] for _ in range(8)
    ]
    assert codes[0] == "auth.wrong_password" and codes[-1] == "auth.throttled", codes
    right = {"current_password": world.password, "new_password": "a-brand-new-password"}
    blocked = world.call("inspector", "POST", "/api/auth/password", right)
    assert (blocked.status_code, blocked.json["error"]["code"]) == (429, "auth.throttled")
    unlocked = world.call("county_reviewer", "POST", f"/api/users/{world.users['inspector'].id}/unlock")
    assert unlocked.status_code == 200
    assert world.call("inspector", "POST", "/api/auth/password", right).status_code == 200
