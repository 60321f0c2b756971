"""The dashboard's migration fills its summary from the inspections already finally approved, on
both engines: each re-scored from its stored answers (an expired document is an item not met), the
latest result of a facility's year marked, self-assessments left out, and an approved inspection
whose tier was never stored given its scored tier."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import insert, select

from server import create_app
from server.db.models import Answer, DashboardNotMet, DashboardResult, Facility, Inspection, Region, User
from server.extensions import db
from server.settings import PROJECT_ROOT
from tests.api.world import MINI_ANSWERS, load_mini_checklist
from tests.conftest import ENGINES, empty_database_url, make_settings


def _before() -> str:
    """The revision before the dashboard's (found by its file, whatever its number)."""
    script = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
    found = [r for r in script.walk_revisions() if r.path.endswith("_dashboard.py")]
    assert len(found) == 1
    previous = found[0].down_revision
    assert isinstance(previous, str)
    return previous


def _approved(facility: Facility, user: User, day: dt.date, kind: str, tier: str | None, stale: bool) -> int:
    inspection = Inspection(
        facility_id=facility.id,
        region_code=facility.region_code,
        checklist_id="mini-test",
        checklist_version=1,
        kind=kind,
        status="approved",
        inspection_date=day,
        created_by=user.id,
        final_tier_code=tier,
        final_tier_label={"basic": "基本标准", None: None}[tier],
    )
    db.session.add(inspection)
    db.session.flush()
    for item_id, grade in MINI_ANSWERS.items():
        answer = Answer(
            inspection_id=inspection.id,
            item_id=item_id,
            revision=1,
            grade=grade,
            author_id=user.id,
            source="inspector",
        )
        if item_id == "M-B08":  # the pressure vessel report: 12 months at most
            answer.document_date = day - dt.timedelta(days=500 if stale else 30)
        if item_id == "M-R4":
            answer.valid_until = day + dt.timedelta(days=365)
        db.session.add(answer)
    db.session.flush()
    return inspection.id


@pytest.mark.parametrize("engine", ENGINES)
def test_the_migration_fills_the_summary_from_approved_inspections(engine: str, tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, empty_database_url(engine, tmp_path)))
    with app.app_context():
        upgrade(revision=_before())
        # a region as that revision has it (the model has columns added later)
        db.session.execute(
            insert(Region.__table__).values(code="410222", name="通许县", level="county", parent_code=None)
        )
        load_mini_checklist()
        facility = Facility(
            name="通许县城关镇卫生院", type_code="C220", region_code="410222", beds=20, facts={}
        )
        user = User(username="u", display_name="u", password_hash="!", role="admin", region_code="410222")
        db.session.add_all([facility, user])
        db.session.flush()
        early = _approved(facility, user, dt.date(2026, 3, 1), "county_inspection", "basic", stale=True)
        late = _approved(facility, user, dt.date(2026, 9, 1), "city_reinspection", None, stale=False)
        own = _approved(facility, user, dt.date(2026, 10, 1), "self_assessment", "basic", stale=True)
        db.session.commit()

        upgrade()
        results = {r.inspection_id: r for r in db.session.scalars(select(DashboardResult))}
        assert set(results) == {early, late}  # the self-assessment is no result
        assert (results[early].tier_code, results[early].latest, results[early].year) == (
            "basic",
            False,
            2026,
        )
        assert (results[late].tier_code, results[late].latest, results[late].family) == (
            "basic",
            True,
            "quality_service",
        )
        not_met = db.session.execute(select(DashboardNotMet.inspection_id, DashboardNotMet.item_id)).all()
        assert [tuple(r) for r in not_met] == [(early, "M-B08")]  # graded C, its document expired
        stored = db.session.get(Inspection, late)
        assert stored is not None and (stored.final_tier_code, stored.final_tier_label) == (
            "basic",
            "基本标准",
        )
        assert db.session.get(Inspection, own) is not None
        db.session.remove()
        db.engine.dispose()
