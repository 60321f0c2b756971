"""The body that issues a region's documents (the report's cover, the payout sheet, notices), when
it is not the default named after the region (开封市卫生健康委员会); and whether a report was
rendered from a finally approved inspection, which its public check tells.

Reports rendered before this have no `final`; their public check reads it from their snapshot.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issuing_body', sa.String(length=100), nullable=True))
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('final', sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_column('final')
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_column('issuing_body')
