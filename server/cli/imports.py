"""Operator commands around the data: bulk imports, the demo seed, the audit chain check and moving
a draft to a newer checklist version.

`flask --app wsgi import facilities|users|regions FILE`, `seed demo`, `audit verify|anchor` and
`inspections migrate-draft ID --to-version N [--dry-run]`. Results go to stdout; every problem
goes to stderr and the exit status is 1.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import current_app
from flask.cli import AppGroup

from server import registry
from server.domain.errors import DomainError
from server.domain.times import format_time
from server.formats.tables import problem_location
from server.services import audit, checklists, imports, inspections
from server.services.seed import seed_demo
from server.storage import StoreError

import_group = AppGroup("import", help="Import regions, facilities, users (CSV UTF-8 or XLSX, header row).")
seed_group = AppGroup("seed", help="Demo data.")
audit_group = AppGroup("audit", help="The audit log.")
inspections_group = AppGroup("inspections", help="Maintenance of inspections.")

GROUPS = (import_group, seed_group, audit_group, inspections_group)
DEMO_LOGINS = "demo_logins.txt"
KIND_LABELS = {"regions": "地区", "facilities": "机构", "users": "用户"}


def fail(exc: DomainError) -> NoReturn:
    click.echo(f"错误：{exc.message}（{exc.code}）", err=True)
    for problem in exc.problems:
        line, column = problem_location(problem)
        if line:
            click.echo(f"line {line}, {column}: {problem.message}", err=True)
        else:
            click.echo(f"{problem.pointer or '/'}: {problem.message}", err=True)
    sys.exit(1)


# --- import --------------------------------------------------------------------------------------


def _run_import(kind: str, path: Path) -> None:
    try:
        result = imports.import_file(kind, path.name, path.read_bytes())
    except DomainError as exc:
        fail(exc)
    breakdown = "，".join(f"{key} {n}" for key, n in result.breakdown.items())
    click.echo(f"已导入{KIND_LABELS[kind]} {result.count} 条（{breakdown}）")
    if result.passwords:
        click.echo("以下用户的初始密码由系统生成，只显示这一次，请妥善转交并提醒登录后修改：")
        width = max(len(username) for username, _ in result.passwords)
        for username, password in result.passwords:
            click.echo(f"  {username.ljust(width)}  {password}")


@import_group.command("regions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_regions(file: Path) -> None:
    """Import regions (代码/code, 名称/name); a parent must exist or come earlier in the file."""
    _run_import("regions", file)


@import_group.command("facilities")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_facilities(file: Path) -> None:
    """Import facilities (名称, 机构类别代码, 行政区划代码, 统一社会信用代码, ...)."""
    _run_import("facilities", file)


@import_group.command("users")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_users(file: Path) -> None:
    """Import users (用户名, 姓名, 角色, 所属地区, ...); generated passwords are printed once."""
    _run_import("users", file)


# --- seed ----------------------------------------------------------------------------------------


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)  # also when the file existed with wider permissions


def _logins_table(logins: list[tuple[str, str, str, str]]) -> str:
    header = ("username", "role", "region", "password")
    rows = [header, *logins]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


@seed_group.command("demo")
def demo() -> None:
    """Create the demo prefecture (开封市), one user per role and inspections in every state."""
    path = Path(current_app.instance_path) / DEMO_LOGINS
    try:
        checklists.sync_published(Path(current_app.config["CHECKLISTS_DIR"]))
        result = seed_demo(dt.datetime.now(dt.UTC))
    except DomainError as exc:
        fail(exc)
    if not result["created"]:
        click.echo("演示数据已存在，未做改动。")
        if path.is_file():
            click.echo(f"演示账号（{path}）：")
            click.echo(path.read_text(encoding="utf-8"), nl=False)
        return
    table = _logins_table(result["logins"])
    _write_private(path, table)
    click.echo(f"已创建演示数据。演示账号（已保存到 {path}，仅当前系统用户可读）：")
    click.echo(table, nl=False)


# --- audit ---------------------------------------------------------------------------------------


@audit_group.command("verify")
@click.option("--no-anchors", is_flag=True, help="The whole chain only: no anchors, no checkpoints.")
@click.option("--full", is_flag=True, help="Walk the whole chain, not only what follows the last checkpoint.")
@click.option("--batch", type=click.IntRange(min=1), default=audit.VERIFY_BATCH, show_default=True)
def verify(no_anchors: bool, full: bool, batch: int) -> None:
    """Walk the hash chain of the audit log from the last verified checkpoint (or all of it with
    --full) and check it against its anchors; exit 1 when an entry was edited or deleted, or
    entries were cut off the end. A clean run records a new checkpoint in the evidence store."""
    try:
        result = audit.verify(None if no_anchors else registry.evidence_store(), full=full, batch=batch)
    except StoreError as exc:
        click.echo(f"错误：无法读取证据存储中的审计锚点（{exc}）", err=True)
        sys.exit(1)
    if result.start is None:
        click.echo("checked the whole chain from its first entry")
    else:
        since = format_time(result.start_verified_at) or "?"
        click.echo(f"checked from checkpoint at entry {result.start.seq} (verified {since}, China time)")
    rate = result.checked / result.seconds if result.seconds > 0 else 0.0
    click.echo(f"walked {result.checked} entries in {result.seconds:.2f} s ({rate:,.0f} entries/s)")
    if result.problems:
        click.echo(
            f"audit chain BROKEN: {len(result.problems)} problem(s) in {result.checked} entries", err=True
        )
        for problem in result.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    head = result.head.seq if result.head is not None else 0
    click.echo(f"audit chain intact: {head} entries")
    if result.checkpoint is not None:
        click.echo(f"checkpoint written: {result.checkpoint}")


@audit_group.command("anchor")
def anchor() -> None:
    """Copy the head of the audit chain into the evidence store under retention (run regularly,
    for example hourly): `audit verify` then detects entries cut off the end."""
    days = registry.settings().evidence_retention_days
    try:
        result = audit.anchor(registry.evidence_store(), dt.datetime.now(dt.UTC), days)
    except StoreError as exc:
        click.echo(f"错误：无法写入证据存储（{exc}）", err=True)
        sys.exit(1)
    if result is None:
        click.echo("audit log is empty: nothing to anchor")
    elif result.created:
        click.echo(f"anchored entry {result.seq} ({result.hash[:16]}…) as {result.key}")
    else:
        click.echo(f"entry {result.seq} was already anchored ({result.key})")


# --- inspections ---------------------------------------------------------------------------------


@inspections_group.command("migrate-draft")
@click.argument("inspection_id", type=int)
@click.option("--to-version", "to_version", type=int, required=True, help="The checklist version to move to.")
@click.option("--dry-run", is_flag=True, help="Print the report without changing anything.")
def migrate_draft(inspection_id: int, to_version: int, dry_run: bool) -> None:
    """Move a draft (or returned) inspection to a newer version of its checklist; print the report."""
    try:
        report = inspections.migrate_draft(inspection_id, to_version, dry_run, dt.datetime.now(dt.UTC))
    except DomainError as exc:
        fail(exc)
    click.echo(json.dumps({**report, "dry_run": dry_run}, ensure_ascii=False, indent=2))
