"""Queries on users, their login sessions and the failed-login throttle."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, delete, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from server.db.models import AuthSession, LoginThrottle, User
from server.extensions import db

# The throttle row that counts every failure from one address, whatever the username. A username
# key is stripped, so it never starts with a space and never equals this one.
ANY_USERNAME = " *"


def by_username(username: str) -> User | None:
    return db.session.scalars(select(User).where(User.username == username)).one_or_none()


def by_usernames(usernames: set[str]) -> list[User]:
    if not usernames:
        return []
    return list(db.session.scalars(select(User).where(User.username.in_(sorted(usernames)))))


def by_username_ignoring_case(username: str) -> list[User]:
    stmt = select(User).where(func.lower(User.username) == username.lower()).order_by(User.id)
    return list(db.session.scalars(stmt))


def by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def session_by_token_hash(token_hash: str) -> AuthSession | None:
    return db.session.scalars(select(AuthSession).where(AuthSession.token_hash == token_hash)).one_or_none()


def touch_session(session_id: int, now: dt.datetime) -> None:
    """Move a live session's idle clock forward to `now` (never back)."""
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.ended_at.is_(None), AuthSession.last_seen_at < now)
        .values(last_seen_at=now)
    )


def end_session(session_id: int, at: dt.datetime) -> None:
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.ended_at.is_(None))
        .values(ended_at=at)
    )


def end_sessions_of(user_id: int, at: dt.datetime, keep: int | None = None) -> int:
    """End every live session of a user (but `keep`); how many ended."""
    stmt = update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.ended_at.is_(None))
    if keep is not None:
        stmt = stmt.where(AuthSession.id != keep)
    return int(db.session.execute(stmt.values(ended_at=at)).rowcount or 0)  # type: ignore[attr-defined]


def users_by_ids(ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


# --- failed-login throttle -----------------------------------------------------------------------


def blocked_until(username_key: str, ip: str) -> list[dt.datetime]:
    """The ends of the blocks on this username and on every username from this address."""
    stmt = select(LoginThrottle.blocked_until).where(
        LoginThrottle.ip == ip,
        LoginThrottle.username.in_((username_key, ANY_USERNAME)),
        LoginThrottle.blocked_until.is_not(None),
    )
    return [until for until in db.session.scalars(stmt) if until is not None]


def count_failure(username_key: str, ip: str, now: dt.datetime, forget_before: dt.datetime) -> int:
    """Add one failure to the (username, address) row in one statement, so concurrent failures
    all count and never collide on the key; a row last touched before `forget_before` starts
    again. Returns the failures now counted."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(LoginThrottle).values(
        username=username_key, ip=ip, failures=1, blocked_until=None, updated_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[LoginThrottle.username, LoginThrottle.ip],
        set_={
            "failures": case((LoginThrottle.updated_at < forget_before, 1), else_=LoginThrottle.failures + 1),
            "blocked_until": case(
                (LoginThrottle.updated_at < forget_before, None), else_=LoginThrottle.blocked_until
            ),
            "updated_at": now,
        },
    )
    return int(db.session.execute(stmt.returning(LoginThrottle.failures)).scalar_one())


def block(username_key: str, ip: str, until: dt.datetime) -> None:
    db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.username == username_key, LoginThrottle.ip == ip)
        .values(blocked_until=until)
    )


def clear_throttle(username_key: str, ip: str) -> None:
    db.session.execute(
        delete(LoginThrottle).where(LoginThrottle.username == username_key, LoginThrottle.ip == ip)
    )


def forget_throttles(before: dt.datetime) -> None:
    """Drop the rows of failures nobody repeated since `before`."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.updated_at < before))


def throttles_of(username_key: str) -> list[LoginThrottle]:
    stmt = select(LoginThrottle).where(LoginThrottle.username == username_key).order_by(LoginThrottle.ip)
    return list(db.session.scalars(stmt))


def throttles_from(ip: str) -> list[LoginThrottle]:
    stmt = select(LoginThrottle).where(LoginThrottle.ip == ip).order_by(LoginThrottle.username)
    return list(db.session.scalars(stmt))


def delete_throttles(rows: list[LoginThrottle]) -> None:
    for row in rows:
        db.session.delete(row)
    db.session.flush()


# --- accounts as the console lists them ----------------------------------------------------------


def accounts(
    scope: str,
    *,
    search: str | None = None,
    role: str | None = None,
    active: bool | None = None,
    region_prefix: str | None = None,
    after: tuple[str, int] | None = None,
    limit: int = 50,
) -> list[User]:
    """Up to `limit` users inside the region `scope` (a code prefix), by (region code, id) after
    the key `after`; `search` matches a part of the username or the name, case-insensitively."""
    stmt = select(User).where(User.region_code.startswith(scope, autoescape=True))
    if region_prefix is not None:
        stmt = stmt.where(User.region_code.startswith(region_prefix, autoescape=True))
    if role is not None:
        stmt = stmt.where(User.role == role)
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    if search:
        stmt = stmt.where(
            func.lower(User.username).contains(search.lower(), autoescape=True)
            | User.display_name.contains(search, autoescape=True)
        )
    if after is not None:
        stmt = stmt.where(tuple_(User.region_code, User.id) > after)
    return list(db.session.scalars(stmt.order_by(User.region_code, User.id).limit(limit)))


def last_logins(user_ids: set[int]) -> dict[int, dt.datetime]:
    """When each of these users last logged in (absent: never)."""
    if not user_ids:
        return {}
    stmt = (
        select(AuthSession.user_id, func.max(AuthSession.created_at))
        .where(AuthSession.user_id.in_(user_ids))
        .group_by(AuthSession.user_id)
    )
    return {int(user_id): at for user_id, at in db.session.execute(stmt) if at is not None}


def blocks(username_keys: set[str], now: dt.datetime) -> dict[str, dt.datetime]:
    """Until when failed logins block each of these usernames from some address (absent: not)."""
    if not username_keys:
        return {}
    stmt = (
        select(LoginThrottle.username, func.max(LoginThrottle.blocked_until))
        .where(LoginThrottle.username.in_(username_keys), LoginThrottle.blocked_until > now)
        .group_by(LoginThrottle.username)
    )
    return {str(name): until for name, until in db.session.execute(stmt) if until is not None}


def username_taken(username: str) -> bool:
    """Whether a user has this name, in any case ("Zhang" and "zhang" would be told apart by the
    login alone, and confuse people)."""
    stmt = select(User.id).where(func.lower(User.username) == username.lower()).limit(1)
    return db.session.scalar(stmt) is not None
