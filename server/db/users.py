"""Queries on users and their login sessions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from server.db.models import AuthSession, User
from server.extensions import db


def by_username(username: str) -> User | None:
    return db.session.scalars(select(User).where(User.username == username)).one_or_none()


def by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def session_by_token_hash(token_hash: str) -> AuthSession | None:
    return db.session.scalars(select(AuthSession).where(AuthSession.token_hash == token_hash)).one_or_none()


def end_sessions_of(user_id: int, at: dt.datetime) -> None:
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.ended_at.is_(None))
        .values(ended_at=at)
    )


def users_by_ids(ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
