"""`flask --app wsgi users unlock USERNAME | unblock-address IP`: clear failed-login throttles.

Failed logins are throttled per (username, client address), so nobody can lock an account for
everyone; these commands lift a throttle early, for a user who forgot the password and has been
given a new one, or for an office whose shared address was throttled. Both are audited.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from server.services import auth

group = AppGroup("users", help="Users: lift failed-login throttles.")


def _describe(throttle: auth.Throttle) -> str:
    who = "所有用户名" if throttle.username is None else f"用户名 {throttle.username}"
    until = throttle.blocked_until
    blocked = f"，限制至 {until.isoformat(timespec='seconds')}" if until is not None else ""
    return f"  {who} @ {throttle.ip}：失败 {throttle.failures} 次{blocked}"


@group.command("unlock")
@click.argument("username")
def unlock(username: str) -> None:
    """Clear USERNAME's failed logins from every address (the name compared without case)."""
    _report(auth.unlock(username), f"用户名 {auth.username_key(username)}")


@group.command("unblock-address")
@click.argument("ip")
def unblock_address(ip: str) -> None:
    """Clear every failed login counted from the client address IP."""
    _report(auth.unblock_address(ip), f"地址 {auth.address_key(ip.strip())}")


def _report(cleared: list[auth.Throttle], what: str) -> None:
    if not cleared:
        click.echo(f"{what} 没有登录失败记录，无需解除")
        return
    click.echo(f"已解除{what} 的登录限制，清除 {len(cleared)} 条记录：")
    for throttle in cleared:
        click.echo(_describe(throttle))
