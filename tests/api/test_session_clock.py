"""A session's idle clock without a write on every request (issue 11, item 14).

Reads write nothing while the recorded last request is less than a step (a tenth of the idle
timeout, 3 minutes of 30) old; then one request moves it, in a transaction of its own that never
fails the request. A session ends no earlier than 30 idle minutes after its last request."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import OperationalError

from server.db import users as user_queries
from server.db.models import AuthSession
from server.extensions import db
from server.services import auth
from tests.api.world import World, complete_changes


def _session(world: World, username: str) -> AuthSession:
    token = world.login(username)
    db.session.expire_all()
    return db.session.query(AuthSession).filter_by(token_hash=auth.token_hash(token)).one()


def _last_seen_ago(world: World, username: str, ago: dt.timedelta) -> dt.datetime:
    session = _session(world, username)
    session.last_seen_at = dt.datetime.now(dt.UTC) - ago
    db.session.commit()
    return session.last_seen_at


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def test_the_step_is_a_tenth_of_the_idle_timeout(world: World) -> None:
    from flask import current_app

    assert auth.idle_clock_step(current_app.config["DABIAO_SETTINGS"]) == dt.timedelta(minutes=3)


def test_reads_within_a_step_write_nothing(world: World) -> None:
    # two minutes: the old code wrote the last-seen time once it was 30 s old
    before = _last_seen_ago(world, "inspector", dt.timedelta(minutes=2))
    for path in ("/api/auth/me", "/api/inspections", "/api/regions"):
        assert world.call("inspector", "GET", path).status_code == 200
    session = _session(world, "inspector")
    assert _aware(session.last_seen_at) == _aware(before)


def test_a_request_after_a_step_moves_the_clock(world: World) -> None:
    before = _last_seen_ago(world, "inspector", dt.timedelta(minutes=4))
    assert world.call("inspector", "GET", "/api/auth/me").status_code == 200
    after = _aware(_session(world, "inspector").last_seen_at)
    assert after > _aware(before) + dt.timedelta(minutes=3)
    assert after <= dt.datetime.now(dt.UTC)


def test_a_session_is_not_ended_before_thirty_idle_minutes(world: World) -> None:
    # recorded 32 minutes ago, the last request may have come up to 3 minutes later
    _last_seen_ago(world, "inspector", dt.timedelta(minutes=32))
    assert world.call("inspector", "GET", "/api/auth/me").status_code == 200
    assert world.call("inspector", "GET", "/api/auth/me").status_code == 200  # and it was moved


def test_a_session_idle_past_the_limit_ends_for_good(world: World) -> None:
    _last_seen_ago(world, "inspector", dt.timedelta(minutes=33, seconds=5))
    response = world.call("inspector", "GET", "/api/auth/me")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "auth.session_expired"
    assert _session(world, "inspector").ended_at is not None
    # ended: moving its clock by hand does not bring it back
    _last_seen_ago(world, "inspector", dt.timedelta(0))
    assert world.call("inspector", "GET", "/api/auth/me").json["error"]["code"] == "auth.required"


def test_a_busy_database_skips_the_clock_but_answers(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _last_seen_ago(world, "inspector", dt.timedelta(minutes=10))

    def busy(session_id: int, now: dt.datetime) -> None:
        raise OperationalError("UPDATE auth_sessions", {}, Exception("database is locked"))

    monkeypatch.setattr(user_queries, "touch_session", busy)
    response = world.call("inspector", "GET", "/api/inspections")
    assert response.status_code == 200
    assert _aware(_session(world, "inspector").last_seen_at) == _aware(before)
    monkeypatch.undo()
    assert world.call("inspector", "GET", "/api/inspections").status_code == 200
    assert _aware(_session(world, "inspector").last_seen_at) > _aware(before)


def test_a_write_request_moves_no_clock_within_a_step_either(world: World) -> None:
    inspection = world.inspection()
    before = _last_seen_ago(world, "inspector", dt.timedelta(minutes=1))
    response = world.sync("inspector", complete_changes(inspection.id))
    assert response.status_code == 200
    assert {r["status"] for r in response.json["receipts"]} == {"applied"}
    assert _aware(_session(world, "inspector").last_seen_at) == _aware(before)
