"""A report's change markers (per table, the count of an inspection's rows and their highest id)
are read from indexes on (inspection_id, id) alone: answer revisions, evidence and status changes.
The indexes on inspection_id they replace go.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 20:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TABLES = ('answer_revisions', 'evidence', 'status_changes')


def upgrade():
    for table in TABLES:
        op.create_index(f'ix_{table}_inspection_id_id', table, ['inspection_id', 'id'])
        op.drop_index(f'ix_{table}_inspection_id', table_name=table)


def downgrade():
    for table in TABLES:
        op.create_index(f'ix_{table}_inspection_id', table, ['inspection_id'])
        op.drop_index(f'ix_{table}_inspection_id_id', table_name=table)
