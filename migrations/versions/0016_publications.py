"""Publication of results (公示): a region's published list of a period, its entries (each result
frozen as published, and withdrawn after an upheld objection), the objections (异议) with their
outcome; and a region's payout setting that pays only results whose publication ended.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 02:54:09

"""
from alembic import op
import sqlalchemy as sa

import server.db.types


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payout_settings',
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('requires_publication', sa.Boolean(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', server.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_payout_settings_region_code_regions')),
    sa.PrimaryKeyConstraint('region_code', name=op.f('pk_payout_settings'))
    )
    op.create_table('publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('issuer', sa.String(length=100), nullable=False),
    sa.Column('contact', sa.Text(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', server.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_publications_created_by_users')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_publications_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publications')),
    sa.UniqueConstraint('request_id', name=op.f('uq_publications_request_id')),
    sa.UniqueConstraint('token', name=op.f('uq_publications_token'))
    )
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.create_index('ix_publications_region_id', ['region_code', 'id'], unique=False)

    op.create_table('publication_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('facility_name', sa.String(length=100), nullable=False),
    sa.Column('region_name', sa.String(length=100), nullable=False),
    sa.Column('family', sa.String(length=32), nullable=False),
    sa.Column('family_label', sa.String(length=100), nullable=False),
    sa.Column('tier_code', sa.String(length=40), nullable=False),
    sa.Column('tier_label', sa.String(length=40), nullable=False),
    sa.Column('inspection_date', sa.Date(), nullable=False),
    sa.Column('report_number', sa.String(length=40), nullable=False),
    sa.Column('report_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_publication_entries_facility_id_facilities')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_publication_entries_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_publication_entries_publication_id_publications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_entries')),
    sa.UniqueConstraint('inspection_id', 'report_sha256', name='uq_publication_entries_result')
    )
    with op.batch_alter_table('publication_entries', schema=None) as batch_op:
        batch_op.create_index('ix_publication_entries_publication_id', ['publication_id', 'id'], unique=False)

    op.create_table('publication_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('objector', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('outcome_reason', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', server.db.types.UTCDateTime(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', server.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_publication_objections_decided_by_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['publication_entries.id'], name=op.f('fk_publication_objections_entry_id_publication_entries')),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_publication_objections_publication_id_publications')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_publication_objections_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_objections'))
    )
    with op.batch_alter_table('publication_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_objections_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index('ix_publication_objections_publication_id', ['publication_id', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('publication_objections', schema=None) as batch_op:
        batch_op.drop_index('ix_publication_objections_publication_id')
        batch_op.drop_index(batch_op.f('ix_publication_objections_entry_id'))

    op.drop_table('publication_objections')
    with op.batch_alter_table('publication_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_publication_entries_publication_id')

    op.drop_table('publication_entries')
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_index('ix_publications_region_id')

    op.drop_table('publications')
    op.drop_table('payout_settings')
