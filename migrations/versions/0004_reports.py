"""Rendered inspection reports with their snapshot digests and verification codes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 04:32:34.383717

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('snapshot_sha256', sa.String(length=64), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('snapshot_key', sa.String(length=512), nullable=False),
    sa.Column('pdf_key', sa.String(length=512), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_size', sa.Integer(), nullable=False),
    sa.Column('facility_name', sa.String(length=100), nullable=False),
    sa.Column('tier_label', sa.String(length=40), nullable=False),
    sa.Column('tier_code', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_reports_inspection_id_inspections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
    sa.UniqueConstraint('code', name=op.f('uq_reports_code')),
    sa.UniqueConstraint('number', name=op.f('uq_reports_number'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_fingerprint'), ['fingerprint'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_inspection_id'), ['inspection_id'], unique=False)



def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_inspection_id'))
        batch_op.drop_index(batch_op.f('ix_reports_fingerprint'))

    op.drop_table('reports')
