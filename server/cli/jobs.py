"""`flask --app wsgi jobs worker`: run background jobs from the queue (PostgreSQL)."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.engine import make_url

from server import registry
from server.services import job_worker, jobs
from server.settings import Settings

group = AppGroup("jobs", help="Background jobs: run a worker.")

_CHILD_APP: Flask | None = None


def _child_init(factory: registry.AppFactory, settings: Settings, memory_mb: int) -> None:
    """In each child of the worker's pool: its limits, then an app of the same settings."""
    global _CHILD_APP
    job_worker.limit_child(memory_mb)
    _CHILD_APP = factory(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s child %(process)d %(levelname)s %(message)s")
    for chatty in ("weasyprint", "fontTools"):  # a line per page laid out
        logging.getLogger(chatty).setLevel(logging.WARNING)


def _child_execute(job_id: int) -> str:
    assert _CHILD_APP is not None
    with _CHILD_APP.app_context():
        return jobs.execute(job_id)


def _conninfo(database_url: str) -> str:
    """The libpq form of the SQLAlchemy URL (postgresql+psycopg://... -> postgresql://...)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


@group.command("worker")
@click.option("--once", is_flag=True, help="Stop when the queue is empty instead of waiting for more.")
@click.option("--concurrency", type=click.IntRange(1, 16), default=1, show_default=True)
def worker(once: bool, concurrency: int) -> None:
    """Run queued jobs, each in a child process with the configured memory and time limits."""
    settings = registry.settings()
    if not settings.database_url.startswith("postgresql"):
        raise click.ClickException("jobs need PostgreSQL; on SQLite they run inline, no worker is needed")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def in_app(fn: Callable[[], Any]) -> Any:
        with app.app_context():
            return fn()

    limits = job_worker.Limits(
        memory_mb=settings.job_memory_mb,
        time_limit_s=settings.job_time_limit_s,
        max_per_child=settings.job_max_per_child,
        stalled_seconds=settings.job_stalled_seconds,
        concurrency=concurrency,
    )
    click.echo(
        f"job worker: {concurrency} at a time, each in a child process of at most "
        f"{limits.memory_mb} MB and {limits.time_limit_s} s, replaced after {limits.max_per_child} jobs"
    )
    job_worker.run(
        _conninfo(settings.database_url),
        limits,
        _child_init,
        (registry.app_factory(), settings, limits.memory_mb),
        _child_execute,
        in_app,
        once=once,
        name=f"{socket.gethostname()}:{os.getpid()}",
    )
