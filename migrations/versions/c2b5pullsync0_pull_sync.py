"""pull sync: sources (a client's database) and their runs

Revision ID: c2b5pullsync0
Revises: c1a5webhooks0
Create Date: 2026-11-24 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c2b5pullsync0'
down_revision = 'c1a5webhooks0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sync_sources',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('url_encrypted', sa.Text(), nullable=False),
    sa.Column('url_summary', sa.String(length=255), nullable=False),
    sa.Column('customer_table', sa.String(length=255), nullable=False),
    sa.Column('customer_columns', sa.JSON(), nullable=False),
    sa.Column('vehicle_table', sa.String(length=255), nullable=False),
    sa.Column('vehicle_columns', sa.JSON(), nullable=False),
    sa.Column('interval_minutes', sa.Integer(), nullable=False),
    sa.Column('batch_size', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('watermarks', sa.JSON(), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('sync_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_sources_next_run_at'), ['next_run_at'], unique=False)

    op.create_table('sync_runs',
    sa.Column('source_id', sa.Uuid(), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_upserted', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['sync_sources.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.create_index('ix_sync_runs_source_started', ['source_id', 'started_at'], unique=False)


def downgrade():
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_runs_source_started')

    op.drop_table('sync_runs')
    with op.batch_alter_table('sync_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_sources_next_run_at'))

    op.drop_table('sync_sources')
