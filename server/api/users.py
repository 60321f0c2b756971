"""User accounts of the caller's region, as the console manages them (server/services/users.py)."""

from __future__ import annotations

from typing import Any

from server.api import schemas as s
from server.api.base import Blueprint, client_ip, now, principal, requires
from server.api.docs import raises
from server.services import users

bp = Blueprint("users", __name__, url_prefix="/api/users", description="用户管理")


@bp.route("")
@requires("users.list")
@bp.arguments(s.AccountQuery, location="query")
@bp.response(200, s.AccountPageOut)
def list_users(query: dict[str, Any]) -> Any:
    """Accounts inside the caller's region, searched and filtered, one page at a time."""
    items, following = users.page(principal(), query, now())
    return {"items": items, "next": following}


@bp.route("", methods=["POST"])
@requires("users.create")
@bp.arguments(s.AccountIn)
@bp.response(201, s.IssuedOut)
@raises(403, 409, 422)
def create_user(body: dict[str, Any]) -> Any:
    """A new account of a role the caller may grant, inside their region, with a one-time password."""
    return users.create(principal(), body, now(), client_ip())


@bp.route("/<int:user_id>")
@requires("users.get")
@bp.response(200, s.AccountOut)
def get_user(user_id: int) -> Any:
    return users.get(principal(), user_id, now())


@bp.route("/<int:user_id>", methods=["PATCH"])
@requires("users.update")
@bp.arguments(s.AccountChangeIn)
@bp.response(200, s.AccountOut)
@raises(403, 409, 422)
def update_user(body: dict[str, Any], user_id: int) -> Any:
    """A new name, role, region or facility, with a reason; a new role or region ends the user's
    sessions."""
    return users.update(principal(), user_id, body, now(), client_ip())


@bp.route("/<int:user_id>/disable", methods=["POST"])
@requires("users.disable")
@bp.arguments(s.ReasonIn)
@bp.response(200, s.AccountOut)
@raises(403, 409, 422)
def disable_user(body: dict[str, Any], user_id: int) -> Any:
    """The account can no longer log in; its sessions end."""
    return users.set_active(principal(), user_id, False, body["reason"], now(), client_ip())


@bp.route("/<int:user_id>/enable", methods=["POST"])
@requires("users.enable")
@bp.arguments(s.ReasonIn)
@bp.response(200, s.AccountOut)
@raises(403, 409, 422)
def enable_user(body: dict[str, Any], user_id: int) -> Any:
    return users.set_active(principal(), user_id, True, body["reason"], now(), client_ip())


@bp.route("/<int:user_id>/password", methods=["POST"])
@requires("users.reset_password")
@bp.response(200, s.IssuedOut)
@raises(403, 409)
def reset_password(user_id: int) -> Any:
    """A new one-time password, shown once; the user's sessions end and failed logins are forgotten."""
    return users.reset_password(principal(), user_id, now(), client_ip())


@bp.route("/<int:user_id>/unlock", methods=["POST"])
@requires("users.unlock")
@bp.response(200, s.AccountOut)
@raises(403, 409)
def unlock_user(user_id: int) -> Any:
    """Lifts the block that failed logins put on the username, from every address."""
    return users.unlock(principal(), user_id, now(), client_ip())
