"""Published checklist versions.

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 03:19:24.239204

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checklist_versions',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('family', sa.String(length=32), nullable=False),
    sa.Column('edition', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_checklist_versions')),
    sa.UniqueConstraint('checklist_id', 'version', name='uq_checklist_versions_id_version')
    )


def downgrade():
    op.drop_table('checklist_versions')
