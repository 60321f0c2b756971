"""Campaign plans (评审计划): a plan names its region, period, checklist and facilities; the
inspections it creates carry its id.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 23:40:00

"""
from alembic import op
import sqlalchemy as sa

import server.db.types


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('checklist_id', sa.String(length=64), nullable=False),
    sa.Column('checklist_version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('requires_self_assessment', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', server.db.types.UTCDateTime(), nullable=False),
    sa.Column('cancelled_by', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', server.db.types.UTCDateTime(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_plans_region_code_regions')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_plans_job_id_jobs')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_plans_created_by_users')),
    sa.ForeignKeyConstraint(['cancelled_by'], ['users.id'], name=op.f('fk_plans_cancelled_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
    sa.UniqueConstraint('request_id', name=op.f('uq_plans_request_id'))
    )
    op.create_index('ix_plans_region_id', 'plans', ['region_code', 'id'], unique=False)
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_inspections_plan_id'), ['plan_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_inspections_plan_id_plans'), 'plans', ['plan_id'], ['id'])


def downgrade():
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_inspections_plan_id_plans'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_inspections_plan_id'))
        batch_op.drop_column('plan_id')
    op.drop_index('ix_plans_region_id', table_name='plans')
    op.drop_table('plans')
