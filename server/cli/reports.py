"""`flask --app wsgi reports render INSPECTION_ID -o FILE`: the inspection's current report as PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask.cli import AppGroup

from server.cli.checklists import fail
from server.domain.errors import DomainError
from server.services import reports

group = AppGroup("reports", help="Inspection reports.")


@group.command("render")
@click.argument("inspection_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def render(inspection_id: int, output: Path) -> None:
    """Write the current report of INSPECTION_ID (rendered if the data changed) to FILE."""
    try:
        report, pdf = reports.report_for_cli(inspection_id, dt.datetime.now(dt.UTC))
    except DomainError as exc:
        fail(exc)
    output.write_bytes(pdf)
    click.echo(f"{output}: report {report.number}, snapshot {report.snapshot_sha256}, {len(pdf)} bytes")
