"""`flask --app wsgi storage init|verify`: set up the evidence bucket; reconcile it with the database."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from server.cli.checklists import fail
from server.domain.errors import DomainError
from server.services import evidence

group = AppGroup("storage", help="The evidence store: set it up, check it against the database.")


@group.command("init")
def init() -> None:
    """Create the bucket with versioning and object lock (S3), or check the local folder."""
    try:
        result = evidence.init_store()
    except DomainError as exc:
        fail(exc)
    state = "created" if result["created"] else "already there"
    lock = (
        "versioning and object lock on" if result["object_lock"] else "local disk, retention kept by the app"
    )
    click.echo(f"evidence store ({result['backend']}): {state}; {lock}")


@group.command("verify")
def verify() -> None:
    """Re-hash every stored photo; list missing, mismatched and orphaned objects (exit 1 if any)."""
    try:
        report = evidence.verify_store()
    except DomainError as exc:
        fail(exc)
    for kind in ("missing", "mismatched", "orphaned"):
        for key in report[kind]:
            click.echo(f"{kind}: {key}", err=True)
    problems = sum(len(report[k]) for k in ("missing", "mismatched", "orphaned"))
    click.echo(
        f"checked {len(report['checked'])} objects: {len(report['missing'])} missing, "
        f"{len(report['mismatched'])} mismatched, {len(report['orphaned'])} orphaned"
    )
    if problems:
        sys.exit(1)
