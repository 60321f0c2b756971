"""Background jobs: the `jobs` table people read (state, progress, result), and on PostgreSQL the
queue of procrastinate (its `procrastinate_*` tables, types and functions), created from the schema
that the installed procrastinate ships. A later procrastinate release that changes its schema comes
with its own SQL migrations (procrastinate/sql/migrations): apply them in a new revision here.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 13:30:00

"""
from alembic import op
import sqlalchemy as sa

import server.db.types


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('progress_done', sa.BigInteger(), nullable=False),
    sa.Column('progress_total', sa.BigInteger(), nullable=False),
    sa.Column('stage', sa.String(length=40), nullable=True),
    sa.Column('result_key', sa.String(length=512), nullable=True),
    sa.Column('result_name', sa.String(length=120), nullable=True),
    sa.Column('result_type', sa.String(length=100), nullable=True),
    sa.Column('result_size', sa.BigInteger(), nullable=True),
    sa.Column('result_sha256', sa.String(length=64), nullable=True),
    sa.Column('result_meta', sa.JSON(), nullable=True),
    sa.Column('error_code', sa.String(length=64), nullable=True),
    sa.Column('error_params', sa.JSON(), nullable=True),
    sa.Column('queue_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', server.db.types.UTCDateTime(), nullable=False),
    sa.Column('started_at', server.db.types.UTCDateTime(), nullable=True),
    sa.Column('finished_at', server.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_created_by'), ['created_by'], unique=False)
        batch_op.create_index('ix_jobs_key_state', ['key', 'state'], unique=False)
        batch_op.create_index('ix_jobs_region_id', ['region_code', 'id'], unique=False)
        batch_op.create_index('uq_jobs_active_key', ['key'], unique=True,
                              postgresql_where=sa.text("state IN ('queued', 'running')"),
                              sqlite_where=sa.text("state IN ('queued', 'running')"))

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        # through the driver's parameter style, which reads a lone % as a placeholder
        bind.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(
            """
            DO $$
            DECLARE r record;
            BEGIN
              FOR r IN SELECT tablename FROM pg_tables
                       WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate\\_%' LOOP
                EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename);
              END LOOP;
              FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
                       JOIN pg_namespace n ON n.oid = p.pronamespace
                       WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%' LOOP
                EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.sig);
              END LOOP;
              FOR r IN SELECT t.typname FROM pg_type t
                       JOIN pg_namespace n ON n.oid = t.typnamespace
                       WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\\_%'
                         AND t.typtype IN ('e', 'c') LOOP
                EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
              END LOOP;
            END $$;
            """.replace("%", "%%")
        )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('uq_jobs_active_key', sqlite_where=sa.text("state IN ('queued', 'running')"),
                            postgresql_where=sa.text("state IN ('queued', 'running')"))
        batch_op.drop_index('ix_jobs_region_id')
        batch_op.drop_index('ix_jobs_key_state')
        batch_op.drop_index(batch_op.f('ix_jobs_created_by'))

    op.drop_table('jobs')
