"""A city sample names the period its population was drawn from and, when drawn by rate, the
rate.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 00:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_samples', schema=None) as batch_op:
        batch_op.add_column(sa.Column('period_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('period_end', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('rate_percent', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('review_samples', schema=None) as batch_op:
        batch_op.drop_column('rate_percent')
        batch_op.drop_column('period_end')
        batch_op.drop_column('period_start')
