"""Photo evidence: upload ids, thumbnails, claimed and EXIF capture data, flags, retention.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 03:59:52.633501

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facility_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('upload_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('width', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('height', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('original_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('thumb_key', sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column('thumb_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('thumb_size', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('claimed_captured_at', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('claimed_latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('claimed_longitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('exif_captured_at', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('exif_latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('exif_longitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('flags', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('retained_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_evidence_sha256'), ['sha256'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_evidence_upload_id'), ['upload_id'])
        batch_op.create_foreign_key(batch_op.f('fk_evidence_facility_id_facilities'), 'facilities', ['facility_id'], ['id'])



def downgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_evidence_facility_id_facilities'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_evidence_upload_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_evidence_sha256'))
        batch_op.drop_column('retained_until')
        batch_op.drop_column('flags')
        batch_op.drop_column('exif_longitude')
        batch_op.drop_column('exif_latitude')
        batch_op.drop_column('exif_captured_at')
        batch_op.drop_column('claimed_longitude')
        batch_op.drop_column('claimed_latitude')
        batch_op.drop_column('claimed_captured_at')
        batch_op.drop_column('thumb_size')
        batch_op.drop_column('thumb_sha256')
        batch_op.drop_column('thumb_key')
        batch_op.drop_column('original_name')
        batch_op.drop_column('height')
        batch_op.drop_column('width')
        batch_op.drop_column('upload_id')
        batch_op.drop_column('facility_id')

