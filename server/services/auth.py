"""Login, sessions and the current principal.

Passwords are hashed (scrypt, via werkzeug). Failed logins are throttled per (username, client
address), never per account: a stranger elsewhere cannot lock anyone out. After
`login_free_failures` failures each further one blocks that pair for a delay that doubles up to a
cap; every username from one address together has a larger allowance (password spraying). Unknown
usernames are counted alike, so a throttled answer, like a wrong password, says nothing about
whether a username exists. A successful login clears its pair; `flask users unlock` clears a
username everywhere.

A session ends after `session_idle_minutes` without a request, `session_absolute_hours` after
login, on logout, and as soon as its user is disabled, changes role or moves to another region:
every request re-reads the user.

A password someone else set (a new account, a reset in the console) is a one-time password: its
user may only change it (and log out) until they have (`access.WHILE_ONE_TIME_PASSWORD`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy.exc import OperationalError
from werkzeug.security import check_password_hash, generate_password_hash

from server.db import users as queries
from server.db.engine import reading
from server.db.models import AuthSession, LoginThrottle, User
from server.domain.access import Principal
from server.domain.errors import DomainError
from server.domain.workflow import PASSWORD_MIN
from server.extensions import db
from server.services import audit
from server.settings import Settings

log = logging.getLogger(__name__)

# Checked against when the username is unknown, so both paths cost the same.
_DUMMY_HASH = generate_password_hash("not a password of anyone")
MIN_PASSWORD_LENGTH = PASSWORD_MIN


# One-time passwords: 12 characters from an alphabet without look-alikes (0/O, 1/I/L), in groups
# of four, read out over the phone or copied from the screen; about 60 bits.
ONE_TIME_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ONE_TIME_GROUPS = 3


def one_time_password() -> str:
    groups = ("".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(4)) for _ in range(ONE_TIME_GROUPS))
    return "-".join(groups)


@dataclass(frozen=True)
class Login:
    token: str
    expires_at: dt.datetime
    principal: Principal


def hash_password(password: str, status: int | None = None) -> str:
    """The password's hash; auth.weak_password (400 for a file, `status` 422 for a request) when
    it is too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError("auth.weak_password", status=status, min_length=MIN_PASSWORD_LENGTH)
    return generate_password_hash(password)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _principal(user: User, session: AuthSession) -> Principal:
    return Principal(
        user.id,
        user.username,
        user.display_name,
        user.role,
        user.region_code,
        user.facility_id,
        session.id,
        user.must_change_password,
    )


def username_key(username: str) -> str:
    """The throttle's key for a username as typed: "Tx_Inspector1 " and "tx_inspector1" count as one."""
    return username.strip().casefold()[:64]


def address_key(ip: str | None) -> str:
    return (ip or "unknown")[:64]


def delay_seconds(failures: int, free: int, first: int, cap: int) -> int:
    """The block after the `failures`-th failure in a row: none for the first `free`, then
    `first` seconds, doubling with every further failure, at most `cap`."""
    if failures <= free:
        return 0
    return min(cap, first << min(failures - free - 1, 30))


def _throttled(seconds: int) -> DomainError:
    minutes = max(1, math.ceil(seconds / 60))
    return DomainError("auth.throttled", minutes=minutes, retry_after=seconds)


def _count_failure(settings: Settings, key: str, address: str, now: dt.datetime) -> int:
    """Count a failed login; the seconds the address must now wait for this username (0: none)."""
    forget_before = now - dt.timedelta(hours=settings.login_forget_hours)
    queries.forget_throttles(forget_before)
    limits = [(key, settings.login_free_failures)]
    if settings.login_address_free_failures > 0:
        limits.append((queries.ANY_USERNAME, settings.login_address_free_failures))
    longest = 0
    for username, free in limits:
        failures = queries.count_failure(username, address, now, forget_before)
        wait = delay_seconds(failures, free, settings.login_delay_seconds, settings.login_max_delay_seconds)
        if wait:
            queries.block(username, address, now + dt.timedelta(seconds=wait))
            longest = max(longest, wait)
    return longest


def login(settings: Settings, username: str, password: str, ip: str | None, now: dt.datetime) -> Login:
    """A new session, or 401 auth.invalid_credentials alike for a wrong password, an unknown and a
    disabled user, or 429 auth.throttled alike for every username from a throttled address."""
    key, address = username_key(username), address_key(ip)
    with reading():  # no write lock on SQLite while the password is checked (it takes long)
        blocks = queries.blocked_until(key, address)
    remaining = max((until - now for until in blocks), default=dt.timedelta(0))
    if remaining > dt.timedelta(0):
        raise _throttled(math.ceil(remaining.total_seconds()))

    user = queries.by_username(username.strip())
    if user is None:
        check_password_hash(_DUMMY_HASH, password)  # so that both paths cost the same
        accepted = False
    else:
        accepted = check_password_hash(user.password_hash, password) and user.active
    user_id, name, region = (user.id, user.username, user.region_code) if user else (None, None, None)
    # End the reading transaction, so that the writes below start one of their own: SQLite then
    # waits for a busy database instead of failing, so every failure is counted (the user is
    # read again when needed). Committed, not rolled back: it has written nothing, and a commit
    # never discards what the caller's unit of work holds.
    db.session.commit()
    if user is None or not accepted:
        wait = _count_failure(settings, key, address, now)
        # Recorded for unknown usernames too (both paths then cost the same), but without the
        # name typed: that is sometimes a password.
        audit.record(
            "auth.login_failed",
            actor_id=user_id,
            actor=name,
            target_type="user",
            target_id=user_id,
            after={"blocked_seconds": wait},
            ip=ip,
            region_code=region,
        )
        db.session.commit()
        if wait:
            raise _throttled(wait)
        raise DomainError("auth.invalid_credentials")

    queries.clear_throttle(key, address)
    token = secrets.token_urlsafe(32)
    session = AuthSession(
        token_hash=token_hash(token),
        user_id=user.id,
        role=user.role,
        region_code=user.region_code,
        created_at=now,
        last_seen_at=now,
        expires_at=now + dt.timedelta(hours=settings.session_absolute_hours),
        ip=ip,
    )
    db.session.add(session)
    db.session.flush()
    audit.record(
        "auth.login",
        actor_id=user.id,
        actor=user.username,
        target_type="session",
        target_id=session.id,
        ip=ip,
    )
    db.session.commit()
    return Login(token, session.expires_at, _principal(user, session))


@dataclass(frozen=True)
class Throttle:
    """A throttle row as the admin sees it; username is None for the row of every username."""

    username: str | None
    ip: str
    failures: int
    blocked_until: dt.datetime | None

    def to_json(self) -> dict[str, object]:
        until = self.blocked_until
        return {
            "username": self.username,
            "ip": self.ip,
            "failures": self.failures,
            "blocked_until": None if until is None else until.isoformat(),
        }


def _cleared(rows: list[LoginThrottle]) -> list[Throttle]:
    found = [
        Throttle(
            None if r.username == queries.ANY_USERNAME else r.username, r.ip, r.failures, r.blocked_until
        )
        for r in rows
    ]
    queries.delete_throttles(rows)
    return found


def unlock(username: str, actor: str = "cli", actor_id: int | None = None) -> list[Throttle]:
    """Clear the failed logins of a username from every address (what was cleared, audited)."""
    key = username_key(username)
    cleared = _cleared(queries.throttles_of(key))
    user = queries.by_username(username.strip())
    if user is None:  # typed in another case: the user whose key it is, if only one
        matches = [u for u in queries.by_username_ignoring_case(key) if username_key(u.username) == key]
        user = matches[0] if len(matches) == 1 else None
    audit.record(
        "auth.unlock",
        actor_id=actor_id,
        actor=actor,
        target_type="user",
        target_id=user.id if user else None,
        before={"username": key, "throttles": [t.to_json() for t in cleared]},
    )
    db.session.commit()
    return cleared


def unblock_address(ip: str, actor: str = "cli", actor_id: int | None = None) -> list[Throttle]:
    """Clear every failed login counted from one client address (what was cleared, audited)."""
    address = address_key(ip.strip())
    cleared = _cleared(queries.throttles_from(address))
    audit.record(
        "auth.unblock_address",
        actor_id=actor_id,
        actor=actor,
        target_type="address",
        target_id=address,
        before={"throttles": [t.to_json() for t in cleared]},
    )
    db.session.commit()
    return cleared


def idle_clock_step(settings: Settings) -> dt.timedelta:
    """How far a session's recorded last request may lag behind: a tenth of the idle timeout."""
    return dt.timedelta(minutes=settings.session_idle_minutes) / 10


def authenticate(settings: Settings, token: str, now: dt.datetime) -> Principal:
    """The principal of a live session; 401 with a stable code otherwise.

    Reading writes nothing: the session's idle clock (`last_seen_at`) is moved only once it lags
    `idle_clock_step` behind, in a small transaction of its own that the request never waits on
    for long and never fails by. So the clock is kept to within a step, and a session ends between
    `session_idle_minutes` and that plus a step after its last request, never earlier. Writing
    it on every request (or every 30 s) turned parallel reads into parallel writers, which
    SQLite serialises and answered with 503 under load.
    """
    with reading():  # a writing request takes the write lock later, in a transaction of its own
        session = queries.session_by_token_hash(token_hash(token))
    if session is None or session.ended_at is not None:
        raise DomainError("auth.required")
    session_id, step, last_seen = session.id, idle_clock_step(settings), session.last_seen_at
    idle_limit = last_seen + dt.timedelta(minutes=settings.session_idle_minutes) + step
    if session.expires_at <= now or idle_limit <= now:
        _end_read_then(lambda: queries.end_session(session_id, now))
        raise DomainError("auth.session_expired")
    user = queries.by_id(session.user_id)
    if (
        user is None
        or not user.active
        or user.region_code != session.region_code
        or user.role != session.role
    ):
        _end_read_then(lambda: queries.end_session(session_id, now))
        raise DomainError("auth.required")
    principal = _principal(user, session)
    if now - last_seen >= step:
        _end_read_then(lambda: queries.touch_session(session_id, now))
    else:
        # End the reading transaction: on SQLite a writing request then takes the write lock
        # only in its own transaction, after its input has been read and checked.
        db.session.commit()
    return principal


def _end_read_then(write: Callable[[], None]) -> None:
    """End the reading transaction, then make one small bookkeeping write in its own (on SQLite
    a write that comes first in its transaction waits for the lock; one after reads cannot).
    When the database stays busy or has gone away, the write is skipped: nothing the request
    answers depends on it, and the next request tries again."""
    db.session.commit()
    try:
        write()
        db.session.commit()
    except OperationalError as exc:
        db.session.rollback()
        log.warning("session bookkeeping skipped, database unavailable: %s", type(exc.orig).__name__)


def change_password(
    settings: Settings, principal: Principal, current: str, new: str, now: dt.datetime, ip: str | None
) -> Principal:
    """The user's own new password, given the current one (a one-time password included); the
    user's other sessions end. Returns the principal without the one-time mark. A wrong current
    password counts as a failed login (the same throttle), so a session cannot be used to guess it."""
    key, address = username_key(principal.username), address_key(ip)
    with reading():
        blocks = queries.blocked_until(key, address)
    remaining = max((until - now for until in blocks), default=dt.timedelta(0))
    if remaining > dt.timedelta(0):
        raise _throttled(math.ceil(remaining.total_seconds()))
    user = queries.by_id(principal.user_id)
    assert user is not None  # authenticated this request
    if not check_password_hash(user.password_hash, current):
        db.session.commit()  # end the read: the count below is a write of its own
        wait = _count_failure(settings, key, address, now)
        db.session.commit()
        if wait:
            raise _throttled(wait)
        raise DomainError("auth.wrong_password")
    if new == current:
        raise DomainError("auth.same_password")
    user.password_hash = hash_password(new, 422)
    was_one_time = user.must_change_password
    user.must_change_password = False
    queries.end_sessions_of(user.id, now, keep=principal.session_id)
    audit.record(
        "auth.password_changed",
        actor_id=user.id,
        actor=user.username,
        target_type="user",
        target_id=user.id,
        after={"one_time_replaced": was_one_time},
        ip=ip,
        region_code=user.region_code,
    )
    db.session.commit()
    return replace(principal, must_change_password=False)


def logout(principal: Principal, now: dt.datetime, ip: str | None) -> None:
    session = db.session.get(AuthSession, principal.session_id)
    if session is not None and session.ended_at is None:
        session.ended_at = now
        audit.record(
            "auth.logout",
            actor_id=principal.user_id,
            actor=principal.username,
            target_type="session",
            target_id=session.id,
            ip=ip,
        )
    db.session.commit()
