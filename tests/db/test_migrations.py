"""Migrations on both engines: an empty database upgrades to head, and the models match it."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from server import create_app
from server.db.jobs import queue_tables_excluded
from server.extensions import db
from tests.conftest import ENGINES, empty_database_url, make_settings


@pytest.mark.parametrize("engine", ENGINES)
def test_upgrade_from_empty_to_head_and_no_autogenerate_difference(engine: str, tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, empty_database_url(engine, tmp_path)))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            opts = {"compare_type": True, "include_name": queue_tables_excluded}
            context = MigrationContext.configure(conn, opts=opts)
            assert compare_metadata(context, db.metadata) == []
            assert "checklist_versions" in db.inspect(conn).get_table_names()
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert "checklist_versions" not in db.inspect(conn).get_table_names()
        db.engine.dispose()
