"""Existence checks in bulk, for imports and the demo seed: which of these keys are already taken."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select

from server.db.models import Facility, Region, User
from server.extensions import db


def _chunks(values: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def facilities_by_uscc(codes: Iterable[str]) -> dict[str, Facility]:
    found: dict[str, Facility] = {}
    for chunk in _chunks(sorted(set(codes))):
        for facility in db.session.scalars(select(Facility).where(Facility.uscc.in_(chunk))):
            assert facility.uscc is not None
            found[facility.uscc] = facility
    return found


def existing_usernames(names: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(set(names))):
        found.update(db.session.scalars(select(User.username).where(User.username.in_(chunk))))
    return found


def existing_region_codes(codes: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(set(codes))):
        found.update(db.session.scalars(select(Region.code).where(Region.code.in_(chunk))))
    return found


def root_region_codes() -> list[str]:
    """The regions at the top of the tree (no parent), in code order."""
    stmt = select(Region.code).where(Region.parent_code.is_(None)).order_by(Region.code)
    return list(db.session.scalars(stmt))
