"""Engine set-up that differs per database.

pysqlite opens transactions lazily and ignores SAVEPOINT semantics; taking over BEGIN gives SQLite
the same transaction behaviour as PostgreSQL (the per-test rollback relies on it too).

SQLite under gunicorn's several worker processes (`make run`):

- WAL: readers never wait for the writer, nor the writer for readers.
- A busy timeout: a connection that wants the write lock while another holds it waits up to
  `BUSY_TIMEOUT_MS` instead of failing at once. The longest write transactions (a 300-change
  sync batch, a photo upload, which holds the lock while the thumbnail is made and stored) take a
  few seconds on a slow machine; each of the two workers runs one request at a time, so a writer
  waits for at most one other. The wait stays below gunicorn's 30-second worker timeout, so a
  request that still cannot write answers 503 `db.unavailable` with Retry-After instead of
  being killed.
- BEGIN IMMEDIATE for every transaction that may write: a deferred transaction that has read
  and then writes cannot wait for the lock (SQLite answers SQLITE_BUSY at once, whatever the busy
  timeout, because waiting could deadlock, and SQLITE_BUSY_SNAPSHOT when another connection
  committed since the read). Only a GET or HEAD request, and a transaction begun inside
  `reading()`, begin deferred, as pure readers; a write such a request makes (a session's idle
  clock, a report stored) must come first in a transaction of its own, so that it waits like any
  other. In a command of the CLI (migrations included) every transaction is taken to write;
  elsewhere (a script, a test reading what a request wrote) transactions begin deferred.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import click
from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 20_000
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_reading: ContextVar[bool] = ContextVar("reading", default=False)


@contextmanager
def reading() -> Iterator[None]:
    """A transaction begun inside only reads (until it ends): on SQLite it takes no write lock.
    For the reads a writing request makes before slow work of its own, such as checking a
    password or a session; the transaction must end before that request writes."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def begin_statement() -> str:
    """BEGIN IMMEDIATE for a transaction that may write, BEGIN for one that only reads."""
    if _reading.get():
        return "BEGIN"
    if has_request_context():
        return "BEGIN" if request.method in READING_METHODS else "BEGIN IMMEDIATE"
    return "BEGIN IMMEDIATE" if click.get_current_context(silent=True) is not None else "BEGIN"


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin_statement())
