"""Payouts: reward rules per region, checklist family and tier, and the payouts recorded from sheets.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 04:48:05.261231

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payout_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('family', sa.String(length=32), nullable=False),
    sa.Column('tier_code', sa.String(length=40), nullable=False),
    sa.Column('amount_yuan', sa.BigInteger(), nullable=False),
    sa.Column('top_up', sa.Boolean(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_payout_rules_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_rules')),
    sa.UniqueConstraint('region_code', 'family', 'tier_code', 'valid_from', name='uq_payout_rules_key')
    )
    with op.batch_alter_table('payout_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_rules_region_code'), ['region_code'], unique=False)

    op.create_table('payouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('family', sa.String(length=32), nullable=False),
    sa.Column('tier_code', sa.String(length=40), nullable=False),
    sa.Column('amount_yuan', sa.BigInteger(), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('report_number', sa.String(length=40), nullable=False),
    sa.Column('report_sha256', sa.String(length=64), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_payouts_facility_id_facilities')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_payouts_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['rule_id'], ['payout_rules.id'], name=op.f('fk_payouts_rule_id_payout_rules')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payouts')),
    sa.UniqueConstraint('inspection_id', 'report_sha256', name='uq_payouts_inspection_report')
    )
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payouts_facility_id'), ['facility_id'], unique=False)



def downgrade():
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payouts_facility_id'))

    op.drop_table('payouts')
    with op.batch_alter_table('payout_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payout_rules_region_code'))

    op.drop_table('payout_rules')
