"""`flask --app wsgi checklists ...`: validate, score, diff, publish and load checklist definitions.

Problems go to stderr, one per line with a JSON pointer, and the exit status is non-zero; results
go to stdout as JSON.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import current_app, has_app_context
from flask.cli import AppGroup, with_appcontext

from server.domain.diff import diff_checklists
from server.domain.errors import DomainError
from server.domain.scoring import score_input
from server.services import checklists as service
from server.settings import PREFIX, PROJECT_ROOT

group = AppGroup("checklists", help="Checklist definitions: validate, score, diff, publish, load.")
# The same commands without `load`, for `python -m server checklists`: they read files only, so
# they run with neither a secret key nor a database.
file_commands = click.Group("checklists", help="Checklist definitions: validate, score, diff, publish.")


def _root() -> Path:
    if has_app_context():
        return Path(current_app.config["CHECKLISTS_DIR"])
    return Path(os.environ.get(PREFIX + "CHECKLISTS_DIR") or PROJECT_ROOT / "checklists")


def _file_command(name: str) -> Callable[[Callable[..., None]], click.Command]:
    """A command in both groups; only `load` needs the app."""

    def register(function: Callable[..., None]) -> click.Command:
        command = click.command(name)(function)
        file_commands.add_command(command)
        # in `flask checklists` with the app's context, for its CHECKLISTS_DIR
        group.add_command(
            click.Command(name, callback=with_appcontext(function), params=command.params, help=command.help)
        )
        return command

    return register


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def fail(exc: DomainError, source: str = "") -> NoReturn:
    prefix = f"{source}: " if source else ""
    click.echo(f"error: {prefix}{exc.code}: {exc.message}", err=True)
    for p in exc.problems:
        click.echo(f"  {p.pointer or '/'}: {p.code}: {p.message}", err=True)
    sys.exit(1)


@_file_command("validate")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def validate(path: Path | None) -> None:
    """Validate one definition, a folder of them, or (no PATH) every definition and the manifest."""
    root = _root()
    try:
        reports = service.validate_paths(root, path)
    except DomainError as exc:
        fail(exc)
    bad = 0
    for report in reports:
        if report.problems:
            bad += 1
            click.echo(f"{report.path}: {len(report.problems)} problem(s)", err=True)
            for p in report.problems:
                click.echo(f"  {p.pointer or '/'}: {p.code}: {p.message}", err=True)
        else:
            click.echo(f"{report.path}: ok")
    manifest = service.manifest_problems(root) if path is None else []
    for line in manifest:
        click.echo(f"manifest: {line}", err=True)
    if bad or manifest:
        sys.exit(1)


@_file_command("score")
@click.argument("checklist", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("answers", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def score(checklist: Path, answers: Path) -> None:
    """Score ANSWERS ({checklist, inspection_date, facts, answers}) against CHECKLIST; print JSON."""
    try:
        model = service.load_definition(checklist, _root())
    except DomainError as exc:
        fail(exc, str(checklist))
    try:
        document = service.read_json(answers)
        result = score_input(model, document)
    except DomainError as exc:
        fail(exc, str(answers))
    _print_json(result)


@_file_command("diff")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def diff(old: Path, new: Path) -> None:
    """Items added, removed and changed from OLD to NEW."""
    models = []
    for path in (old, new):
        try:
            models.append(service.load_definition(path, _root()))
        except DomainError as exc:
            fail(exc, str(path))
    _print_json(diff_checklists(*models))


@_file_command("publish")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def publish(path: Path) -> None:
    """Record PATH's SHA-256 in the manifest; refused if it was published with other content."""
    try:
        digest = service.publish(_root(), path)
    except DomainError as exc:
        fail(exc, str(path))
    click.echo(f"{path}: published {digest}")


@group.command("load")
def load() -> None:
    """Load every published definition into the database (idempotent)."""
    try:
        counts = service.sync_published(_root())
    except DomainError as exc:
        fail(exc)
    click.echo(f"checklists: {counts['added']} added, {counts['unchanged']} already loaded")
