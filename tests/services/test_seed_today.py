"""The demo seed's "today" is the China date, also in the first eight hours of a China day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy import select

from server.db.models import Evidence, Inspection
from server.domain.evidence import FLAG_TIME_OUTSIDE_VISIT
from server.services import checklists
from server.services.seed import seed_demo
from server.settings import PROJECT_ROOT

# 00:30 on 2026-11-21 in China; still 2026-11-20 in UTC
HALF_PAST_MIDNIGHT = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)


def test_the_seed_dates_inspections_by_the_china_day(app: Flask, db: Any) -> None:
    checklists.sync_published(PROJECT_ROOT / "checklists")
    assert seed_demo(HALF_PAST_MIDNIGHT)["created"] is True
    planned = db.session.scalars(
        select(Inspection).where(Inspection.status.in_(("draft", "cancelled")))
    ).all()
    assert planned and {d.inspection_date for d in planned} == {dt.date(2026, 11, 21)}
    # the stories start a week before, one day apart, on China days as well
    others = sorted(
        (
            i.inspection_date
            for i in db.session.scalars(
                select(Inspection).where(Inspection.status.not_in(("draft", "cancelled")))
            )
        ),
        reverse=True,
    )
    assert others[0] == dt.date(2026, 11, 14)
    # every seeded photo was taken on its visit day
    photos = db.session.scalars(select(Evidence)).all()
    assert photos and not [p.id for p in photos if FLAG_TIME_OUTSIDE_VISIT in (p.flags or [])]
