"""Queries on published checklist versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from server.db.models import ChecklistVersion
from server.extensions import db


def find_version(checklist_id: str, version: int) -> ChecklistVersion | None:
    return db.session.scalars(
        select(ChecklistVersion).where(
            ChecklistVersion.checklist_id == checklist_id, ChecklistVersion.version == version
        )
    ).one_or_none()


def add_version(
    checklist_id: str,
    version: int,
    family: str,
    edition: str,
    title: str,
    sha256: str,
    definition: dict[str, Any],
) -> ChecklistVersion:
    row = ChecklistVersion(
        checklist_id=checklist_id,
        version=version,
        family=family,
        edition=edition,
        title=title,
        sha256=sha256,
        definition=definition,
    )
    db.session.add(row)
    return row


def list_versions() -> list[ChecklistVersion]:
    return list(
        db.session.scalars(
            select(ChecklistVersion).order_by(ChecklistVersion.checklist_id, ChecklistVersion.version)
        )
    )


def count_versions() -> int:
    return int(db.session.scalar(select(func.count()).select_from(ChecklistVersion)) or 0)


def version_digest(checklist_id: str, version: int) -> str | None:
    return db.session.scalar(
        select(ChecklistVersion.sha256).where(
            ChecklistVersion.checklist_id == checklist_id, ChecklistVersion.version == version
        )
    )
