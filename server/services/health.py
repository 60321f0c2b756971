"""Health of each component, for GET /healthz and the operators who read it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from server import registry
from server.extensions import db
from server.services import checklists


class ComponentDown(Exception):
    """A component answered but is not usable; the message is safe to show."""


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = check()
        status = "ok"
    except ComponentDown as exc:
        detail = {"error": str(exc)}
        status = "error"
    except Exception as exc:  # a health check reports every failure instead of raising
        detail = {"error": type(exc).__name__}
        status = "error"
    return {"status": status, "ms": round((time.perf_counter() - started) * 1000, 1), **detail}


def _database() -> dict[str, Any]:
    db.session.execute(text("SELECT 1"))
    return {"engine": db.engine.dialect.name}


def _evidence_store() -> dict[str, Any]:
    return registry.evidence_store().ping()


def _checklists() -> dict[str, Any]:
    count = checklists.loaded_count()
    if count == 0:
        raise ComponentDown("no checklist loaded: run flask --app wsgi checklists load")
    return {"loaded": count}


def check_components() -> dict[str, dict[str, Any]]:
    result = {
        "database": _timed(_database),
        "evidence_store": _timed(_evidence_store),
    }
    result["checklists"] = (
        _timed(_checklists)
        if result["database"]["status"] == "ok"
        else {"status": "error", "error": "database unavailable"}
    )
    try:
        db.session.rollback()
    except Exception:  # the session of a dead connection may fail to roll back; nothing to keep
        db.session.remove()
    return result
