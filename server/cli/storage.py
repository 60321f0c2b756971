"""`flask --app wsgi storage init|verify`: set up the evidence bucket; reconcile it with the database."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from server.cli.checklists import fail
from server.domain.errors import DomainError
from server.domain.times import format_time
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
@click.option("--since-last", is_flag=True, help="Only evidence added since the last clean run.")
@click.option("--sample", type=click.IntRange(min=1), help="Check this many objects drawn at random.")
@click.option(
    "--confidence",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    help="With --tolerance: draw a sample large enough to find a problem with this probability...",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    help="...whenever at least this share of all objects is missing or altered (0.001 = 0.1%).",
)
@click.option("--seed", type=int, help="Draw the same sample again (printed by a sample run).")
@click.option(
    "--workers", type=click.IntRange(1, 64), default=8, show_default=True, help="Objects in parallel."
)
@click.option("--batch", type=click.IntRange(min=1), default=1000, show_default=True, help="Rows per query.")
def verify(
    since_last: bool,
    sample: int | None,
    confidence: float | None,
    tolerance: float | None,
    seed: int | None,
    workers: int,
    batch: int,
) -> None:
    """Re-hash stored photos and list missing, mismatched and orphaned objects (exit 1 if any):
    all of them by default, only those added since the last clean run, or a random sample."""
    if sum((since_last, sample is not None, confidence is not None or tolerance is not None)) > 1:
        raise click.UsageError("choose one of --since-last, --sample, --confidence/--tolerance")
    if (confidence is None) != (tolerance is None):
        raise click.UsageError("--confidence and --tolerance go together")
    try:
        report = evidence.verify_store(
            since_last=since_last,
            sample=sample,
            confidence=confidence,
            tolerance=tolerance,
            seed=seed,
            workers=workers,
            batch=batch,
        )
    except DomainError as exc:
        fail(exc)
    for kind in ("missing", "mismatched", "orphaned"):
        for key in getattr(report, kind):
            click.echo(f"{kind}: {key}", err=True)
        hidden = report.counts[kind] - len(getattr(report, kind))
        if hidden:
            click.echo(f"{kind}: ... and {hidden} more", err=True)
    if report.mode == "since-last":
        if report.since is None:
            click.echo("no earlier clean run recorded: checked every evidence row")
        else:
            when = format_time(str(report.since.get("finished_at", ""))) or "?"
            click.echo(
                f"since the clean run of {when} (China time): evidence rows after id "
                f"{report.since['max_evidence_id']}"
            )
    if report.sample is not None:
        click.echo(f"sample: {report.sample.statement()} (seed {report.sample.seed})")
    rate = report.checked / report.seconds if report.seconds > 0 else 0.0
    click.echo(
        f"hashed {report.checked} objects of {report.rows} evidence rows in {report.seconds:.2f} s "
        f"({rate:,.0f} objects/s, {workers} workers)"
    )
    orphans = f"{report.counts['orphaned']} orphaned" if report.orphans_checked else "orphans not checked"
    click.echo(
        f"checked {report.checked} objects: {report.counts['missing']} missing, "
        f"{report.counts['mismatched']} mismatched, {orphans}"
    )
    if report.checkpoint is not None:
        click.echo(f"run recorded: {report.checkpoint}")
    if report.problems:
        sys.exit(1)
