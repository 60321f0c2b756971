"""Login, sessions and the current principal.

Passwords are hashed (scrypt, via werkzeug). After `lockout_threshold` failures in a row an
account is locked for `lockout_minutes`. A session ends after `session_idle_minutes` without a
request, `session_absolute_hours` after login, on logout, and as soon as its user is disabled,
changes role or moves to another region: every request re-reads the user.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from server.db import users as queries
from server.db.models import AuthSession, User
from server.domain.access import Principal
from server.domain.errors import DomainError
from server.extensions import db
from server.services import audit
from server.settings import Settings

# Checked against when the username is unknown, so both paths cost the same.
_DUMMY_HASH = generate_password_hash("not a password of anyone")
MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class Login:
    token: str
    expires_at: dt.datetime
    principal: Principal


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError("auth.weak_password", f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return generate_password_hash(password)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _principal(user: User, session: AuthSession) -> Principal:
    return Principal(
        user.id, user.username, user.display_name, user.role, user.region_code, user.facility_id, session.id
    )


def login(settings: Settings, username: str, password: str, ip: str | None, now: dt.datetime) -> Login:
    invalid = DomainError("auth.invalid_credentials", "wrong username or password", status=401)
    user = queries.by_username(username)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise invalid
    if user.locked_until is not None and _aware(user.locked_until) > now:
        raise DomainError("auth.locked", "too many failed logins; try again later", status=423)
    if not check_password_hash(user.password_hash, password) or not user.active:
        user.failed_logins += 1
        locked = user.failed_logins >= settings.lockout_threshold
        if locked:
            user.locked_until = now + dt.timedelta(minutes=settings.lockout_minutes)
            user.failed_logins = 0
        audit.record(
            "auth.login_failed",
            actor_id=user.id,
            actor=user.username,
            target_type="user",
            target_id=user.id,
            after={"locked": locked},
            ip=ip,
        )
        db.session.commit()
        raise invalid
    user.failed_logins = 0
    user.locked_until = None
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


def authenticate(settings: Settings, token: str, now: dt.datetime) -> Principal:
    """The principal of a live session, refreshing its idle clock; 401 with a stable code otherwise."""
    session = queries.session_by_token_hash(token_hash(token))
    if session is None or session.ended_at is not None:
        raise DomainError("auth.required", "please log in", status=401)
    idle_limit = _aware(session.last_seen_at) + dt.timedelta(minutes=settings.session_idle_minutes)
    if _aware(session.expires_at) <= now or idle_limit <= now:
        session.ended_at = now
        db.session.commit()
        raise DomainError("auth.session_expired", "the session has expired; please log in again", status=401)
    user = queries.by_id(session.user_id)
    if (
        user is None
        or not user.active
        or user.region_code != session.region_code
        or user.role != session.role
    ):
        session.ended_at = now
        db.session.commit()
        raise DomainError("auth.required", "please log in", status=401)
    if (now - _aware(session.last_seen_at)).total_seconds() > 30:  # spare a write on every request
        session.last_seen_at = now
        db.session.commit()
    return _principal(user, session)


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
