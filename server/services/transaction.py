"""The end of a unit of work that failed before it committed."""

from __future__ import annotations

from server.extensions import db


def abandon() -> None:
    """Roll back what the failed request wrote; when the connection is gone, discard the session
    instead (it is discarded at teardown anyway)."""
    try:
        db.session.rollback()
    except Exception:
        db.session.remove()
