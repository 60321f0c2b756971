"""An inspection keeps the tier it reached when it was finally approved, so lists and filters
read a facility's last result without rendering its report. Filled here from the newest report
of each approved inspection that has one.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 01:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('final_tier_code', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('final_tier_label', sa.String(length=40), nullable=True))
    op.execute(
        """
        UPDATE inspections SET
            final_tier_code = (SELECT r.tier_code FROM reports r WHERE r.inspection_id = inspections.id
                               ORDER BY r.id DESC LIMIT 1),
            final_tier_label = (SELECT r.tier_label FROM reports r WHERE r.inspection_id = inspections.id
                                ORDER BY r.id DESC LIMIT 1)
        WHERE status = 'approved'
        """
    )


def downgrade():
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_column('final_tier_label')
        batch_op.drop_column('final_tier_code')
