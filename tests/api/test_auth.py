"""Login, lockout, session timeouts, logout, and access lost on the next request."""

import datetime as dt
from typing import Any

import pytest

from server.db.models import AuthSession, User
from server.extensions import db
from tests.api.world import World


def test_login_and_me(world: World) -> None:
    response = world.call("inspector", "GET", "/api/auth/me")
    assert response.status_code == 200
    assert response.json["username"] == "inspector"
    assert response.json["role"] == "inspector"
    assert "password" not in response.get_data(as_text=True)


def test_passwords_are_hashed(world: World) -> None:
    user = db.session.get(User, world.users["inspector"].id)
    assert world.password not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


@pytest.mark.parametrize("username", ["inspector", "nobody"])
def test_wrong_password_and_unknown_user_look_the_same(world: World, username: str) -> None:
    response = world.client.post(
        "/api/auth/login", json={"username": username, "password": "wrong password!"}
    )
    assert response.status_code == 401
    assert response.json == {
        "error": {"code": "auth.invalid_credentials", "message": "wrong username or password"}
    }


def test_lockout_after_repeated_failures(world: World) -> None:
    for _ in range(5):
        world.client.post("/api/auth/login", json={"username": "inspector", "password": "wrong password!"})
    response = world.client.post(
        "/api/auth/login", json={"username": "inspector", "password": world.password}
    )
    assert response.status_code == 423
    assert response.json["error"]["code"] == "auth.locked"
    user = db.session.get(User, world.users["inspector"].id)
    user.locked_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.session.commit()
    assert (
        world.client.post(
            "/api/auth/login", json={"username": "inspector", "password": world.password}
        ).status_code
        == 200
    )


def test_no_token_wrong_token(world: World) -> None:
    assert world.client.get("/api/auth/me").json["error"]["code"] == "auth.required"
    response = world.client.get("/api/auth/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "auth.required"


def test_logout_really_ends_the_session(world: World) -> None:
    token = world.login("inspector")
    assert world.call("inspector", "POST", "/api/auth/logout").status_code == 204
    response = world.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def _session_of(token: str) -> AuthSession:
    from server.services.auth import token_hash

    return db.session.query(AuthSession).filter_by(token_hash=token_hash(token)).one()


def test_idle_timeout(world: World) -> None:
    token = world.login("inspector")
    session = _session_of(token)
    session.last_seen_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)
    db.session.commit()
    response = world.call("inspector", "GET", "/api/auth/me")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "auth.session_expired"


def test_absolute_timeout_even_when_active(world: World) -> None:
    token = world.login("inspector")
    session = _session_of(token)
    session.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.session.commit()
    assert world.call("inspector", "GET", "/api/auth/me").json["error"]["code"] == "auth.session_expired"


@pytest.mark.parametrize(
    "change",
    [{"active": False}, {"region_code": "410225"}, {"role": "county_reviewer"}],
    ids=["disabled", "moved", "role-changed"],
)
def test_a_changed_account_loses_access_on_its_next_request(world: World, change: dict[str, Any]) -> None:
    world.login("inspector")
    assert world.call("inspector", "GET", "/api/auth/me").status_code == 200
    user = db.session.get(User, world.users["inspector"].id)
    for key, value in change.items():
        setattr(user, key, value)
    db.session.commit()
    assert world.call("inspector", "GET", "/api/auth/me").status_code == 401
    assert world.call("inspector", "GET", "/api/inspections").status_code == 401


def test_disabled_account_cannot_log_in(world: World) -> None:
    user = db.session.get(User, world.users["inspector"].id)
    user.active = False
    db.session.commit()
    response = world.client.post(
        "/api/auth/login", json={"username": "inspector", "password": world.password}
    )
    assert response.status_code == 401
