"""Rectification (整改): the tasks a finally approved inspection gives its facility, the photos of
the fixes and each task's history; a plan may set the days a facility has. Existing approved
inspections get no tasks here: they are made at the next final approval.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 02:52:36.103848

"""
from alembic import op
import sqlalchemy as sa

import server.db.types


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rectification_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('submitted_at', server.db.types.UTCDateTime(), nullable=True),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', server.db.types.UTCDateTime(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('created_at', server.db.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', server.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_rectification_tasks_decided_by_users')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_rectification_tasks_facility_id_facilities')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_rectification_tasks_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['submitted_by'], ['users.id'], name=op.f('fk_rectification_tasks_submitted_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_tasks')),
    sa.UniqueConstraint('inspection_id', 'item_id', name='uq_rectification_tasks_item')
    )
    with op.batch_alter_table('rectification_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_rectification_tasks_facility_id', ['facility_id', 'id'], unique=False)
        batch_op.create_index('ix_rectification_tasks_region_id', ['region_code', 'id'], unique=False)
        batch_op.create_index('ix_rectification_tasks_status_deadline', ['status', 'deadline'], unique=False)

    op.create_table('rectification_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=12), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('photo_ids', sa.JSON(), nullable=False),
    sa.Column('change_id', sa.String(length=64), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', server.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_rectification_events_actor_id_users')),
    sa.ForeignKeyConstraint(['task_id'], ['rectification_tasks.id'], name=op.f('fk_rectification_events_task_id_rectification_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_events')),
    sa.UniqueConstraint('change_id', name=op.f('uq_rectification_events_change_id'))
    )
    with op.batch_alter_table('rectification_events', schema=None) as batch_op:
        batch_op.create_index('ix_rectification_events_task_id_id', ['task_id', 'id'], unique=False)

    op.create_table('rectification_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.String(length=64), nullable=False),
    sa.Column('object_key', sa.String(length=512), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('original_name', sa.String(length=255), nullable=True),
    sa.Column('thumb_key', sa.String(length=512), nullable=False),
    sa.Column('thumb_sha256', sa.String(length=64), nullable=False),
    sa.Column('thumb_size', sa.Integer(), nullable=False),
    sa.Column('claimed_captured_at', sa.String(length=40), nullable=True),
    sa.Column('claimed_latitude', sa.Float(), nullable=True),
    sa.Column('claimed_longitude', sa.Float(), nullable=True),
    sa.Column('exif_captured_at', sa.String(length=40), nullable=True),
    sa.Column('exif_latitude', sa.Float(), nullable=True),
    sa.Column('exif_longitude', sa.Float(), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('created_at', server.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_rectification_photos_facility_id_facilities')),
    sa.ForeignKeyConstraint(['task_id'], ['rectification_tasks.id'], name=op.f('fk_rectification_photos_task_id_rectification_tasks')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_rectification_photos_uploaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_photos')),
    sa.UniqueConstraint('object_key', name=op.f('uq_rectification_photos_object_key')),
    sa.UniqueConstraint('upload_id', name=op.f('uq_rectification_photos_upload_id'))
    )
    with op.batch_alter_table('rectification_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_photos_sha256'), ['sha256'], unique=False)
        batch_op.create_index('ix_rectification_photos_task_id', ['task_id', 'id'], unique=False)

    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rectify_days', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_column('rectify_days')

    with op.batch_alter_table('rectification_photos', schema=None) as batch_op:
        batch_op.drop_index('ix_rectification_photos_task_id')
        batch_op.drop_index(batch_op.f('ix_rectification_photos_sha256'))

    op.drop_table('rectification_photos')
    with op.batch_alter_table('rectification_events', schema=None) as batch_op:
        batch_op.drop_index('ix_rectification_events_task_id_id')

    op.drop_table('rectification_events')
    with op.batch_alter_table('rectification_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_rectification_tasks_status_deadline')
        batch_op.drop_index('ix_rectification_tasks_region_id')
        batch_op.drop_index('ix_rectification_tasks_facility_id')

    op.drop_table('rectification_tasks')
