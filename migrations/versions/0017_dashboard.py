"""The results dashboard: a summary row per final result (finally approved county inspection or
city re-inspection) with its facility, region, checklist family, campaign year and tier, and a row
per item on its rectification list; and the targets a bureau sets (share at 基本 and at 推荐).

The summary is kept in the transaction of each final approval and reopening (server/db/dashboard.py)
and filled here from the inspections already approved: each item's outcome is worked out again
from the stored answers and the facility's facts (a finally approved result's facts cannot change
since), as the scoring engine does, which gives the items not met, expired and missing documents
included. An approved inspection whose tier was never stored (approved before 0014 without a
rendered report) is scored whole and gets its tier, on the inspection too.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 03:00:00

"""
import datetime as dt
import itertools
import json
import logging

from alembic import op
import sqlalchemy as sa

import server.db.types
from server.domain import scoring
from server.domain.checklist import parse_checklist
from server.domain.dashboard import COUNTED_KINDS, campaign_year, items_not_met
from server.domain.errors import DomainError
from server.domain.facts import record_facts


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
BATCH = 5000


def upgrade():
    op.create_table('dashboard_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('family', sa.String(length=32), nullable=False),
    sa.Column('basic_percent', sa.Integer(), nullable=True),
    sa.Column('recommended_percent', sa.Integer(), nullable=True),
    sa.Column('set_by', sa.Integer(), nullable=False),
    sa.Column('set_at', server.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_dashboard_targets_region_code_regions')),
    sa.ForeignKeyConstraint(['set_by'], ['users.id'], name=op.f('fk_dashboard_targets_set_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_targets')),
    sa.UniqueConstraint('region_code', 'year', 'family', name='uq_dashboard_targets_key')
    )
    op.create_table('dashboard_results',
    sa.Column('inspection_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('family', sa.String(length=32), nullable=False),
    sa.Column('checklist_id', sa.String(length=64), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('inspection_date', sa.Date(), nullable=False),
    sa.Column('tier_code', sa.String(length=40), nullable=False),
    sa.Column('latest', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_dashboard_results_facility_id_facilities')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_dashboard_results_inspection_id_inspections')),
    sa.PrimaryKeyConstraint('inspection_id', name=op.f('pk_dashboard_results'))
    )
    with op.batch_alter_table('dashboard_results', schema=None) as batch_op:
        batch_op.create_index('ix_dashboard_results_facility', ['facility_id', 'family', 'year'], unique=False)
        batch_op.create_index('ix_dashboard_results_scope', ['family', 'year', 'latest', 'region_code', 'facility_id'], unique=False)

    op.create_table('dashboard_not_met',
    sa.Column('inspection_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('checklist_id', sa.String(length=64), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('family', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('latest', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['dashboard_results.inspection_id'], name=op.f('fk_dashboard_not_met_inspection_id_dashboard_results')),
    sa.PrimaryKeyConstraint('inspection_id', 'item_id', name=op.f('pk_dashboard_not_met'))
    )
    with op.batch_alter_table('dashboard_not_met', schema=None) as batch_op:
        batch_op.create_index('ix_dashboard_not_met_scope', ['family', 'year', 'latest', 'checklist_id', 'item_id', 'region_code', 'facility_id'], unique=False)

    fill(op.get_bind())


def downgrade():
    with op.batch_alter_table('dashboard_not_met', schema=None) as batch_op:
        batch_op.drop_index('ix_dashboard_not_met_scope')

    op.drop_table('dashboard_not_met')
    with op.batch_alter_table('dashboard_results', schema=None) as batch_op:
        batch_op.drop_index('ix_dashboard_results_scope')
        batch_op.drop_index('ix_dashboard_results_facility')

    op.drop_table('dashboard_results')
    op.drop_table('dashboard_targets')


# --- filling the summary from the approved inspections ---------------------------------------------

RESULTS = sa.table(
    'dashboard_results',
    *(sa.column(c) for c in (
        'inspection_id', 'facility_id', 'region_code', 'family', 'checklist_id', 'year',
        'inspection_date', 'tier_code', 'latest',
    )),
)
NOT_MET = sa.table(
    'dashboard_not_met',
    *(sa.column(c) for c in (
        'inspection_id', 'item_id', 'checklist_id', 'facility_id', 'region_code', 'family', 'year', 'latest',
    )),
)
APPROVED = "status = 'approved' AND kind IN ({})".format(", ".join(f"'{k}'" for k in COUNTED_KINDS))


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _date(value):
    return value if isinstance(value, dt.date) or value is None else dt.date.fromisoformat(str(value)[:10])


def fill(conn):
    checklists = {}
    for checklist_id, version, family, definition in conn.execute(
        sa.text("SELECT checklist_id, version, family, definition FROM checklist_versions")
    ):
        checklists[(checklist_id, version)] = (family, parse_checklist(_json(definition), checked=True))
    facilities = {
        row[0]: row[1:]
        for row in conn.execute(
            sa.text(
                "SELECT id, type_code, beds, iv_infusion, population_served, facts FROM facilities "
                f"WHERE id IN (SELECT facility_id FROM inspections WHERE {APPROVED})"
            )
        )
    }
    inspections = conn.execute(
        sa.text(
            "SELECT id, facility_id, region_code, checklist_id, checklist_version, inspection_date, "
            f"final_tier_code FROM inspections WHERE {APPROVED} ORDER BY id"
        )
    ).all()
    answers = conn.execute(
        sa.text(
            "SELECT a.inspection_id, a.item_id, a.grade, a.document_date, a.valid_until, a.documents "
            f"FROM answers a WHERE a.inspection_id IN (SELECT id FROM inspections WHERE {APPROVED}) "
            "ORDER BY a.inspection_id"
        ),
        execution_options={"stream_results": True, "yield_per": 20000},  # this statement only
    )
    grouped = itertools.groupby(answers, key=lambda row: row[0])
    pending = next(grouped, None)
    results, items, tiers_set, unscored = [], [], [], 0
    for inspection_id, facility_id, region, checklist_id, version, day, tier in inspections:
        found = {}
        while pending is not None and pending[0] <= inspection_id:
            if pending[0] == inspection_id:
                found = {
                    r[1]: scoring.Answer(
                        r[2], _date(r[3]), _date(r[4]), scoring.documents_from_json(_json(r[5]))
                    )
                    for r in pending[1]
                }
            pending = next(grouped, None)
        day = _date(day)
        family, checklist = checklists.get((checklist_id, version), (None, None))
        facility = facilities.get(facility_id)
        not_met = None
        if checklist is not None and facility is not None:
            known = record_facts(facility[0], facility[1], bool(facility[2]), facility[3], _json(facility[4]))
            try:
                facts = scoring.check_facts(checklist, {k: v for k, v in known.items() if k in checklist.facts})
                not_met = items_not_met(checklist, facts, found, day)
                if tier is None:  # the whole score, for its tier (each item's outcome is enough otherwise)
                    score = scoring.score_checked(checklist, facts, found, day)
                    tier = score["tier"]["code"]
                    tiers_set.append({"id": inspection_id, "code": tier, "label": score["tier"]["label"]})
            except DomainError:
                not_met = None
        if not_met is None:
            unscored += 1
        if tier is None:
            continue
        row = {
            "inspection_id": inspection_id,
            "facility_id": facility_id,
            "region_code": region,
            "family": family or "",
            "checklist_id": checklist_id,
            "year": campaign_year(day),
            "inspection_date": day,
            "tier_code": tier,
        }
        results.append(row)
        for item_id in not_met or []:
            items.append((row, item_id))
    latest = {}
    for row in results:
        key = (row["facility_id"], row["family"], row["year"])
        if key not in latest or (row["inspection_date"], row["inspection_id"]) > latest[key]:
            latest[key] = (row["inspection_date"], row["inspection_id"])
    for row in results:
        row["latest"] = latest[(row["facility_id"], row["family"], row["year"])][1] == row["inspection_id"]
    for start in range(0, len(results), BATCH):
        conn.execute(RESULTS.insert(), results[start : start + BATCH])
    rows = [
        {
            "inspection_id": row["inspection_id"],
            "item_id": item_id,
            "checklist_id": row["checklist_id"],
            "facility_id": row["facility_id"],
            "region_code": row["region_code"],
            "family": row["family"],
            "year": row["year"],
            "latest": row["latest"],
        }
        for row, item_id in items
    ]
    for start in range(0, len(rows), BATCH):
        conn.execute(NOT_MET.insert(), rows[start : start + BATCH])
    if tiers_set:
        conn.execute(
            sa.text(
                "UPDATE inspections SET final_tier_code = :code, final_tier_label = :label "
                "WHERE id = :id AND final_tier_code IS NULL"
            ),
            tiers_set,
        )
    log.info(
        "dashboard: %d final results, %d items not met, %d tiers stored now, %d not scored",
        len(results), len(rows), len(tiers_set), unscored,
    )
