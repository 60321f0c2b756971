"""Accounts managed in the console: a password set by someone else (a new account, a reset) is
a one-time password that its user must change at the next login.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('must_change_password', existing_type=sa.Boolean(), server_default=None)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
