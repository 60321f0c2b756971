"""User accounts as a bureau manages them in the console: list and search, create, change,
disable and enable, reset a password, lift a login throttle. Every change is audited.

Who may act on whom: the policy table lets the desk roles call these endpoints; a caller then sees
only accounts inside their region, and changes only those whose role they may grant
(`access.GRANTS`: nobody grants a role above their own), never their own role, region or
standing (their own password they change themselves). An account outside the region answers
like a missing one.

A password set here (a new account, a reset) is a one-time password: it is shown once, in the
answer, and its user must replace it at the next login (`auth.change_password`). Changing a
user's role or region, disabling them or resetting their password ends their sessions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from server.db import inspections as places
from server.db import users as queries
from server.db.models import User
from server.domain import cursors, regions, workflow
from server.domain.access import Principal
from server.domain.errors import DomainError, Problem
from server.domain.labels import ROLE_LABELS, label
from server.extensions import db
from server.services import audit, auth
from server.services.auth import hash_password, one_time_password

# The region a role's account sits at: the reviewers where they review (the city's sample is
# drawn for its city, a county's queue is its county's); other roles anywhere in the region.
ROLE_LEVELS = {
    workflow.COUNTY_REVIEWER: ("county",),
    workflow.CITY_REVIEWER: ("city",),
}
INVALID = "users.invalid"
LEVEL_LABELS = {"province": "省级", "city": "市级", "county": "县级", "township": "乡镇级", "village": "村级"}


@dataclass(frozen=True)
class Issued:
    """An account with the one-time password just set for it (shown once)."""

    user: dict[str, Any]
    password: str


# --- reading -----------------------------------------------------------------------------------


def _views(principal: Principal, users: list[User], now: dt.datetime) -> list[dict[str, Any]]:
    names = places.regions_by_codes(u.region_code for u in users)
    facilities = places.facilities_by_ids({u.facility_id for u in users if u.facility_id is not None})
    logins = queries.last_logins({u.id for u in users})
    blocked = queries.blocks({auth.username_key(u.username) for u in users}, now)
    views = []
    for u in users:
        region = names.get(u.region_code)
        facility = facilities.get(u.facility_id) if u.facility_id is not None else None
        views.append(
            {
                "id": u.id,
                "username": u.username,
                "display_name": u.display_name,
                "role": u.role,
                "region_code": u.region_code,
                "region_name": region.name if region is not None else u.region_code,
                "facility_id": u.facility_id,
                "facility_name": facility.name if facility is not None else None,
                "active": u.active,
                "must_change_password": u.must_change_password,
                "blocked_until": blocked.get(auth.username_key(u.username)),
                "last_login_at": logins.get(u.id),
                "created_at": u.created_at,
                "manageable": _manageable(principal, u),
            }
        )
    return views


def _manageable(principal: Principal, user: User) -> bool:
    return principal.grants(user.role) and user.id != principal.user_id


def page(
    principal: Principal, query: dict[str, Any], now: dt.datetime
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the accounts inside the caller's region, by region and id, with the cursor of
    the next page (None on the last)."""
    region = query.get("region_code")
    if region is not None and not principal.sees_region(region):
        return [], None
    limit = query["limit"]
    rows = queries.accounts(
        principal.scope,
        search=(query.get("q") or "").strip() or None,
        role=query.get("role"),
        active=query.get("active"),
        region_prefix=regions.scope_prefix(region) if region is not None else None,
        after=query.get("after"),
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    following = cursors.encode((rows[-1].region_code, rows[-1].id)) if more and rows else None
    return _views(principal, rows, now), following


def _visible(principal: Principal, user_id: int) -> User:
    user = queries.by_id(user_id)
    if user is None or not principal.sees_region(user.region_code):
        raise DomainError("http.not_found")
    return user


def get(principal: Principal, user_id: int, now: dt.datetime) -> dict[str, Any]:
    return _views(principal, [_visible(principal, user_id)], now)[0]


def _managed(principal: Principal, user_id: int, *, changes_self: bool = True) -> User:
    """An account the caller may change: inside the region, of a role the caller may grant, and
    (unless `changes_self` is False) not the caller's own."""
    user = _visible(principal, user_id)
    if not principal.grants(user.role):
        raise DomainError("users.not_grantable", role=label(ROLE_LABELS, user.role))
    if changes_self and user.id == principal.user_id:
        raise DomainError("users.self")
    return user


# --- checking a placement (role, region, facility) ---------------------------------------------


@dataclass(frozen=True)
class Placement:
    role: str
    region_code: str
    facility_id: int | None


def _placement(
    principal: Principal, role: str, region_code: str | None, facility_id: int | None
) -> Placement:
    """Where an account with this role may sit, checked: a role the caller grants, a region inside
    theirs at the role's level, and for facility staff a facility of that region (whose region
    the account then takes). Field problems are refused together as users.invalid."""
    if not principal.grants(role):
        raise DomainError("users.not_grantable", role=label(ROLE_LABELS, role))
    problems: list[Problem] = []
    if role == workflow.SELF_ASSESSOR:
        facility = places.facilities_by_ids({facility_id}).get(facility_id) if facility_id else None
        if facility is None or not principal.sees_region(facility.region_code):
            problems.append(Problem(INVALID, "/facility_id", "机构自评人员须选择本辖区内的所属机构"))
        else:
            region_code = facility.region_code
    elif facility_id is not None:
        problems.append(Problem(INVALID, "/facility_id", "只有机构自评人员有所属机构，其他角色请留空"))
    if region_code is None:
        if role != workflow.SELF_ASSESSOR:
            problems.append(Problem(INVALID, "/region_code", "请选择所属地区"))
    else:
        region = places.region(region_code)
        if region is None or not principal.sees_region(region_code):
            problems.append(Problem(INVALID, "/region_code", f"地区 {region_code} 不存在或不在您的辖区内"))
        elif role in ROLE_LEVELS and region.level not in ROLE_LEVELS[role]:
            levels = "、".join(LEVEL_LABELS[level] for level in ROLE_LEVELS[role])
            problems.append(
                Problem(
                    INVALID,
                    "/region_code",
                    f"{label(ROLE_LABELS, role)}须设在{levels}地区（现为{region.name}）",
                )
            )
    if problems:
        raise DomainError(INVALID, problems=problems)
    assert region_code is not None
    return Placement(role, region_code, facility_id if role == workflow.SELF_ASSESSOR else None)


def _reason(reason: str | None) -> str:
    if not workflow.reason_given(reason):
        raise DomainError("users.reason_required", min_length=workflow.REASON_MIN)
    assert reason is not None
    return reason.strip()


def _record(action: str, principal: Principal, user: User, ip: str | None, **data: Any) -> None:
    audit.record(
        action,
        actor_id=principal.user_id,
        actor=principal.username,
        target_type="user",
        target_id=user.id,
        ip=ip,
        region_code=user.region_code,
        **data,
    )


def _standing(user: User) -> dict[str, Any]:
    """What the audit keeps of an account (never its password or hash)."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "region_code": user.region_code,
        "facility_id": user.facility_id,
        "active": user.active,
    }


# --- changing ----------------------------------------------------------------------------------


def create(principal: Principal, values: dict[str, Any], now: dt.datetime, ip: str | None) -> Issued:
    """A new account with a one-time password."""
    username = values["username"].strip()
    placement = _placement(principal, values["role"], values.get("region_code"), values.get("facility_id"))
    if queries.username_taken(username):
        raise DomainError("users.username_taken", username=username)
    password = one_time_password()
    user = User(
        username=username,
        display_name=values["display_name"].strip(),
        password_hash=hash_password(password),
        role=placement.role,
        region_code=placement.region_code,
        facility_id=placement.facility_id,
        active=True,
        must_change_password=True,
        created_at=now,
    )
    db.session.add(user)
    db.session.flush()
    _record("users.created", principal, user, ip, after=_standing(user))
    db.session.commit()
    return Issued(_views(principal, [user], now)[0], password)


def update(
    principal: Principal, user_id: int, values: dict[str, Any], now: dt.datetime, ip: str | None
) -> dict[str, Any]:
    """A new name, role, region or facility, with a reason. A change of role or region ends the
    user's sessions."""
    renaming_only = set(values) - {"reason"} <= {"display_name"}
    user = _managed(principal, user_id, changes_self=not renaming_only)
    reason = _reason(values.get("reason"))
    before = _standing(user)
    if "display_name" in values:
        user.display_name = values["display_name"].strip()
    if not renaming_only:
        role = values.get("role", user.role)
        region = values.get("region_code", user.region_code if role != workflow.SELF_ASSESSOR else None)
        facility = values.get("facility_id", user.facility_id if role == workflow.SELF_ASSESSOR else None)
        placement = _placement(principal, role, region, facility)
        user.role, user.region_code, user.facility_id = (
            placement.role,
            placement.region_code,
            placement.facility_id,
        )
    after = _standing(user)
    if after == before:
        raise DomainError("users.unchanged")
    if (before["role"], before["region_code"], before["facility_id"]) != (
        after["role"],
        after["region_code"],
        after["facility_id"],
    ):
        queries.end_sessions_of(user.id, now)
    _record("users.updated", principal, user, ip, before=before, after={**after, "reason": reason})
    db.session.commit()
    return _views(principal, [user], now)[0]


def set_active(
    principal: Principal, user_id: int, active: bool, reason: str | None, now: dt.datetime, ip: str | None
) -> dict[str, Any]:
    """Disable (ending the user's sessions) or enable an account, with a reason."""
    user = _managed(principal, user_id)
    why = _reason(reason)
    if user.active == active:
        raise DomainError("users.unchanged")
    user.active = active
    if not active:
        queries.end_sessions_of(user.id, now)
    _record(
        "users.enabled" if active else "users.disabled",
        principal,
        user,
        ip,
        before={"active": not active},
        after={"active": active, "reason": why},
    )
    db.session.commit()
    return _views(principal, [user], now)[0]


def reset_password(principal: Principal, user_id: int, now: dt.datetime, ip: str | None) -> Issued:
    """A new one-time password for the account, shown once; its sessions end and any throttle on
    its failed logins is lifted."""
    user = _managed(principal, user_id)
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    ended = queries.end_sessions_of(user.id, now)
    queries.delete_throttles(queries.throttles_of(auth.username_key(user.username)))
    _record("users.password_reset", principal, user, ip, after={"sessions_ended": ended})
    db.session.commit()
    return Issued(_views(principal, [user], now)[0], password)


def unlock(principal: Principal, user_id: int, now: dt.datetime, ip: str | None) -> dict[str, Any]:
    """Lift the throttle on the account's failed logins, from every address (audited)."""
    user = _managed(principal, user_id)
    auth.unlock(user.username, actor=principal.username, actor_id=principal.user_id)
    return _views(principal, [user], now)[0]
