"""Answers to items with several documents keep one date per document: answers.documents and
answer_revisions.documents, {document key: {"document_date" | "valid_until": "YYYY-MM-DD"}}.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('documents', sa.JSON(), nullable=True))
    with op.batch_alter_table('answer_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('documents', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('answer_revisions', schema=None) as batch_op:
        batch_op.drop_column('documents')
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_column('documents')
