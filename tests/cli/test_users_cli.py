"""`flask users unlock USERNAME` and `flask users unblock-address IP`: what they clear, what they
print, what they leave alone, and the audit entry each writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from server.api.base import settings
from server.db.models import AuditEntry, LoginThrottle
from server.domain.errors import DomainError
from server.services import auth
from tests.api.world import World

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
PHONE = "10.20.0.5"
STRANGER = "203.0.113.66"


def fail_logins(world: World, username: str, ip: str, times: int) -> None:
    with world.client.application.test_request_context():
        for _ in range(times):
            with pytest.raises(DomainError):
                auth.login(settings(), username, "wrong password!", ip, NOW)


def log_in(world: World, username: str, ip: str) -> str:
    with world.client.application.test_request_context():
        try:
            auth.login(settings(), username, world.password, ip, NOW + dt.timedelta(seconds=1))
        except DomainError as exc:
            return exc.code
    return "ok"


def rows(db: Any) -> list[tuple[str, str, int]]:
    return sorted((r.username, r.ip, r.failures) for r in db.session.scalars(select(LoginThrottle)))


def last_audit(db: Any) -> AuditEntry:
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()


def test_unlock_clears_a_username_from_every_address(runner: FlaskCliRunner, world: World, db: Any) -> None:
    fail_logins(world, "inspector", PHONE, 6)
    fail_logins(world, "Inspector", STRANGER, 5)
    fail_logins(world, "inspector2", STRANGER, 2)
    assert log_in(world, "inspector", PHONE) == "auth.throttled"

    result = runner.invoke(args=["users", "unlock", " INSPECTOR "])

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "已解除用户名 inspector 的登录限制，清除 2 条记录："
    assert lines[1] == f"  用户名 inspector @ {PHONE}：失败 6 次，限制至 2026-11-20T09:01:00+00:00"
    assert lines[2] == f"  用户名 inspector @ {STRANGER}：失败 5 次"
    assert len(lines) == 3
    # the other username and the addresses' counts across usernames stay
    assert rows(db) == [(" *", PHONE, 6), (" *", STRANGER, 7), ("inspector2", STRANGER, 2)]
    assert log_in(world, "inspector", PHONE) == "ok"

    unlock = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.unlock")).one()
    inspector_id = str(world.users["inspector"].id)
    assert (unlock.actor, unlock.target_type, unlock.target_id) == ("cli", "user", inspector_id)
    assert unlock.before["username"] == "inspector"
    assert [(t["ip"], t["failures"]) for t in unlock.before["throttles"]] == [(PHONE, 6), (STRANGER, 5)]


def test_unlock_of_a_name_with_nothing_to_clear(runner: FlaskCliRunner, world: World, db: Any) -> None:
    result = runner.invoke(args=["users", "unlock", "nobody"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "用户名 nobody 没有登录失败记录，无需解除\n"
    entry = last_audit(db)
    assert (entry.action, entry.target_id, entry.before) == (
        "auth.unlock",
        None,
        {"username": "nobody", "throttles": []},
    )


def test_unblock_address_lifts_a_spraying_block(runner: FlaskCliRunner, world: World, db: Any) -> None:
    for n in range(31):  # 30 free failures from one address across usernames
        fail_logins(world, f"user{n}", STRANGER, 1)
    fail_logins(world, "inspector", PHONE, 1)
    assert log_in(world, "inspector", STRANGER) == "auth.throttled"

    result = runner.invoke(args=["users", "unblock-address", STRANGER])

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"已解除地址 {STRANGER} 的登录限制，清除 32 条记录："
    assert lines[1].startswith(f"  所有用户名 @ {STRANGER}：失败 31 次，限制至 ")
    assert rows(db) == [(" *", PHONE, 1), ("inspector", PHONE, 1)]
    assert log_in(world, "inspector", STRANGER) == "ok"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.unblock_address")).one()
    assert (entry.actor, entry.target_type, entry.target_id) == ("cli", "address", STRANGER)
    assert len(entry.before["throttles"]) == 32
