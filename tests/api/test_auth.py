"""Login, failed-login throttling, session timeouts, logout, and access lost on the next request.

Throttling tests run on a fixed clock (the API's `now`) and set the client's address per request,
so that each answer, Retry-After included, can be compared exactly."""

import dataclasses
import datetime as dt
import math
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.test import TestResponse

from server import create_app
from server.api.base import client_ip
from server.db.models import AuditEntry, AuthSession, LoginThrottle, Region, User
from server.domain.access import POLICY
from server.extensions import db
from server.services.auth import delay_seconds, hash_password
from server.settings import Settings
from tests.api.world import World, add_user
from tests.conftest import ENGINES, empty_database_url, make_settings

INSPECTOR_IP = "10.20.0.5"  # the inspector's phone
STRANGER_IP = "203.0.113.66"
WRONG = "wrong password!"


class Clock:
    """The API's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("server.api.v1.now", clock)
    return clock


def attempt(world: World, username: str, password: str = WRONG, ip: str = STRANGER_IP) -> TestResponse:
    return world.client.post(
        "/api/auth/login",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def answer(response: TestResponse) -> tuple[int, Any, dict[str, str]]:
    """Everything an outsider sees of an answer."""
    return response.status_code, response.json, dict(response.headers)


def throttled(minutes: int) -> dict[str, Any]:
    return {"error": {"code": "auth.throttled", "message": f"登录失败次数过多，请 {minutes} 分钟后再试"}}


INVALID = {"error": {"code": "auth.invalid_credentials", "message": "用户名或密码错误"}}


def throttle_rows() -> list[tuple[str, str, int]]:
    return sorted((r.username, r.ip, r.failures) for r in db.session.scalars(select(LoginThrottle)))


def test_login_and_me(world: World) -> None:
    response = world.call("inspector", "GET", "/api/auth/me")
    assert response.status_code == 200
    assert response.json["username"] == "inspector"
    assert response.json["role"] == "inspector"
    assert response.json["must_change_password"] is False
    text = response.get_data(as_text=True)
    assert world.password not in text and "password_hash" not in text and "scrypt" not in text


def test_the_user_is_told_what_their_role_may_do(world: World) -> None:
    """`may` is the policy table's answer for the role, at login and from /me: the app offers the
    payout sheets and the jobs page from it, and never keeps its own copy of who may do what."""
    for username in ("inspector", "county_reviewer", "city_reviewer", "admin"):
        role = world.users[username].role
        expected = sorted(e for e, roles in POLICY.items() if role in roles)
        assert world.call(username, "GET", "/api/auth/me").json["may"] == expected
    login = world.client.post(
        "/api/auth/login", json={"username": "city_reviewer", "password": world.password}
    )
    assert login.json["user"]["may"] == world.call("city_reviewer", "GET", "/api/auth/me").json["may"]
    may = {
        u: set(world.call(u, "GET", "/api/auth/me").json["may"])
        for u in ("inspector", "county_reviewer", "city_reviewer")
    }
    assert "payouts.sheet" in may["city_reviewer"] and "jobs.list" in may["city_reviewer"]
    assert "jobs.list" in may["county_reviewer"] and "payouts.record" not in may["county_reviewer"]
    assert not {"jobs.list", "payouts.sheet"} & may["inspector"]
    # what it says is what the server does
    sheet = {"region_code": "410222", "period": "2026", "format": "xlsx"}
    assert (
        world.call("county_reviewer", "POST", "/api/payouts/sheets", sheet).status_code == 202
    )  # its county's
    assert (
        world.call(
            "county_reviewer", "POST", "/api/payouts/410222/2026/record", {"digest": "0" * 64}
        ).status_code
        == 403
    )
    assert world.call("inspector", "GET", "/api/jobs").status_code == 403
    assert world.call("county_reviewer", "GET", "/api/jobs").status_code == 200


def test_passwords_are_hashed(world: World) -> None:
    user = db.session.get(User, world.users["inspector"].id)
    assert world.password not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


# --- failed logins -------------------------------------------------------------------------------


def test_wrong_password_unknown_and_disabled_user_answer_alike(world: World) -> None:
    disabled = db.session.get(User, world.users["inspector2"].id)
    disabled.active = False
    db.session.commit()
    answers = [
        answer(attempt(world, "inspector")),
        answer(attempt(world, "nobody")),
        answer(attempt(world, "inspector2", world.password)),  # the right password of a disabled user
    ]
    assert answers[0] == (401, INVALID, answers[0][2])
    assert answers[1] == answers[0]
    assert answers[2] == answers[0]
    assert "Retry-After" not in answers[0][2]


def test_a_throttled_username_answers_exactly_like_an_unknown_one(world: World, clock: Clock) -> None:
    seen = []
    for step in range(9):
        known = attempt(world, "inspector", world.password if step == 7 else WRONG)
        unknown = attempt(world, "nobody")
        assert answer(known) == answer(unknown), step
        seen.append(known.status_code)
        clock.advance(10)
    # five free failures, then blocked: the right password during the block is refused alike
    assert seen == [401] * 5 + [429] * 4
    assert answer(known)[1] == throttled(1)
    # both rows counted the same; refusals during a block are not failures
    assert throttle_rows() == [
        (" *", STRANGER_IP, 12),
        ("inspector", STRANGER_IP, 6),
        ("nobody", STRANGER_IP, 6),
    ]
    # the failures are audited under both names alike, without the unknown name typed
    failed = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.login_failed")).all()
    assert len(failed) == 12
    assert {e.actor for e in failed} == {"inspector", None}
    assert not any("nobody" in str((e.before, e.after, e.target_id)) for e in failed)


def test_the_delay_doubles_up_to_its_cap_and_names_the_wait(world: World, clock: Clock) -> None:
    for _ in range(5):
        assert answer(attempt(world, "inspector"))[:2] == (401, INVALID)
    response = attempt(world, "inspector")
    assert (response.status_code, response.json) == (429, throttled(1))
    assert response.headers["Retry-After"] == "60"

    clock.advance(45)  # the right password waits too, for what is left of the block
    response = attempt(world, "inspector", world.password)
    assert (response.status_code, response.json, response.headers["Retry-After"]) == (429, throttled(1), "15")

    waits = []
    for _ in range(6):
        clock.advance(int(response.headers["Retry-After"]))  # the block is over: one more try
        response = attempt(world, "inspector")
        assert response.status_code == 429
        wait = int(response.headers["Retry-After"])
        assert response.json == throttled(math.ceil(wait / 60))
        waits.append(wait)
    assert waits == [120, 240, 480, 900, 900, 900]
    assert response.json == throttled(15)

    clock.advance(600)  # two thirds of the way: 5 minutes left
    response = attempt(world, "inspector", world.password)
    assert (response.json, response.headers["Retry-After"]) == (throttled(5), "300")
    clock.advance(300)
    assert attempt(world, "inspector", world.password).status_code == 200


def test_delay_seconds() -> None:
    assert [delay_seconds(n, 5, 60, 900) for n in range(1, 12)] == [0] * 5 + [60, 120, 240, 480, 900, 900]
    assert delay_seconds(10_000, 5, 60, 900) == 900


def test_a_stranger_elsewhere_cannot_block_the_inspector(world: World, clock: Clock) -> None:
    for name in ["inspector", "Inspector", " INSPECTOR ", "inspector"] * 5:  # one key, however typed
        attempt(world, name)
        clock.advance(1)
    assert attempt(world, "inspector", world.password).status_code == 429
    # forging the forwarded-for header does not move the stranger onto the inspector's address
    for _ in range(10):
        world.client.post(
            "/api/auth/login",
            json={"username": "inspector", "password": WRONG},
            headers={"X-Forwarded-For": INSPECTOR_IP},
            environ_base={"REMOTE_ADDR": STRANGER_IP},
        )
    assert {ip for _, ip, _ in throttle_rows()} == {STRANGER_IP}
    response = attempt(world, "inspector", world.password, ip=INSPECTOR_IP)
    assert response.status_code == 200, response.json


def test_success_clears_its_own_row_only(world: World, clock: Clock) -> None:
    for _ in range(4):
        attempt(world, "inspector", ip=INSPECTOR_IP)
        attempt(world, "inspector", ip=STRANGER_IP)
    assert attempt(world, "inspector", world.password, ip=INSPECTOR_IP).status_code == 200
    assert throttle_rows() == [
        (" *", INSPECTOR_IP, 4),  # a success does not reset the address's count across usernames
        (" *", STRANGER_IP, 4),
        ("inspector", STRANGER_IP, 4),
    ]
    # the count starts again: five more free failures from the inspector's address
    assert [attempt(world, "inspector", ip=INSPECTOR_IP).status_code for _ in range(6)] == [401] * 5 + [429]


def test_failures_are_forgotten_after_a_quiet_day(world: World, clock: Clock) -> None:
    for _ in range(5):
        attempt(world, "inspector")
    attempt(world, "nobody")
    clock.advance(24 * 3600 + 1)
    assert [attempt(world, "inspector").status_code for _ in range(6)] == [401] * 5 + [429]
    assert throttle_rows() == [(" *", STRANGER_IP, 6), ("inspector", STRANGER_IP, 6)]  # nobody's went


def test_one_address_spraying_many_usernames_is_throttled(
    world: World, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = world.client.application
    settings = dataclasses.replace(app.config["DABIAO_SETTINGS"], login_address_free_failures=8)
    monkeypatch.setitem(app.config, "DABIAO_SETTINGS", settings)
    answers = [attempt(world, f"user{n}").status_code for n in range(9)]
    assert answers == [401] * 8 + [429]
    # now every username from that address waits, the right password too; other addresses do not
    refused = attempt(world, "inspector", world.password)
    assert (refused.status_code, refused.json, refused.headers["Retry-After"]) == (429, throttled(1), "60")
    assert answer(refused) == answer(attempt(world, "someone else"))
    assert attempt(world, "inspector", world.password, ip=INSPECTOR_IP).status_code == 200


def test_the_limit_across_usernames_can_be_turned_off(
    world: World, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = world.client.application
    settings = dataclasses.replace(app.config["DABIAO_SETTINGS"], login_address_free_failures=0)
    monkeypatch.setitem(app.config, "DABIAO_SETTINGS", settings)
    assert {attempt(world, f"user{n}").status_code for n in range(10)} == {401}
    assert all(username != " *" for username, _, _ in throttle_rows())


def test_throttling_survives_odd_usernames(world: World, clock: Clock) -> None:
    long_name = "ß" * 64  # casefolds to 128 characters; the key keeps 64
    for _ in range(6):
        response = attempt(world, long_name)
    assert response.status_code == 429
    assert ("ss" * 32, STRANGER_IP, 6) in throttle_rows()


def test_the_deployment_settings_come_from_the_environment(tmp_path: Path) -> None:
    base = {"DABIAO_SECRET_KEY": "k" * 40, "DABIAO_INSTANCE_PATH": str(tmp_path)}
    default = Settings.from_env(base)
    assert (default.trusted_proxies, default.login_address_free_failures) == (0, 30)
    env = {**base, "DABIAO_TRUSTED_PROXIES": "1", "DABIAO_LOGIN_ADDRESS_FREE_FAILURES": "0"}
    configured = Settings.from_env(env)
    assert (configured.trusted_proxies, configured.login_address_free_failures) == (1, 0)


def test_forwarded_for_is_trusted_only_when_a_setting_says_so(app_factory: Any) -> None:
    def client_ip_seen(trusted_proxies: int) -> str:
        app = app_factory(trusted_proxies=trusted_proxies)
        app.add_url_rule("/_client_ip", "client_ip", lambda: client_ip() or "")
        client: FlaskClient = app.test_client()
        forwarded = {"X-Forwarded-For": "198.51.100.4"}
        response = client.get("/_client_ip", headers=forwarded, environ_base={"REMOTE_ADDR": "10.0.0.1"})
        return response.get_data(as_text=True)

    assert client_ip_seen(0) == "10.0.0.1"
    assert client_ip_seen(1) == "198.51.100.4"


def at_once(count: int, call: Callable[[], int]) -> list[int]:
    """The results of `call` run in `count` threads released together."""
    barrier = threading.Barrier(count)
    results: list[int] = []

    def run() -> None:
        barrier.wait()
        results.append(call())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.parametrize("engine", ENGINES)
def test_concurrent_logins_all_count_and_none_fails(engine: str, tmp_path: Path) -> None:
    """Failures at the same moment all count, and none collides on the row's key (500) or on a
    busy database (503, which would leave a guess uncounted); successes at once all succeed."""
    app = create_app(make_settings(tmp_path, empty_database_url(engine, tmp_path)))
    password = "a good long password"
    with app.app_context():
        upgrade()
        db.session.add(Region(code="410222", name="通许县", level="county"))
        db.session.flush()
        add_user("inspector", "inspector", "410222", hash_password(password))
        db.session.commit()

    def login(password: str, ip: str) -> int:
        body = {"username": "nobody" if password == WRONG else "inspector", "password": password}
        response = app.test_client().post("/api/auth/login", json=body, environ_base={"REMOTE_ADDR": ip})
        return response.status_code

    failures = at_once(8, lambda: login(WRONG, STRANGER_IP))
    successes = at_once(4, lambda: login(password, INSPECTOR_IP))
    with app.app_context():
        counted = sorted((r.username, r.failures) for r in db.session.scalars(select(LoginThrottle)))
        sessions = db.session.scalars(select(AuthSession)).all()
        db.session.remove()
        db.engine.dispose()
    # the 6th failure starts a block; a later one counts if it passed the check before that
    assert sorted(failures) == [401] * 5 + [429] * 3, failures
    assert counted[0][1] == counted[1][1] and 6 <= counted[1][1] <= 8, counted
    assert successes == [200] * 4
    assert len(sessions) == 4


# --- sessions ------------------------------------------------------------------------------------


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
    # 30 idle minutes, the last request kept to within 3 (services.auth.idle_clock_step)
    session.last_seen_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=34)
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
