"""daily rollup of the notification log for analytics; notifications (status, created_at) index

Revision ID: c3rollup00001
Revises: c2b5pullsync0
Create Date: 2026-11-25 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3rollup00001'
down_revision = 'c2b5pullsync0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_daily_stats',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('error_code', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('sent_count', sa.Integer(), nullable=False),
    sa.Column('latency_sum', sa.Float(), nullable=False),
    sa.Column('latency_b0', sa.Integer(), nullable=False),
    sa.Column('latency_b1', sa.Integer(), nullable=False),
    sa.Column('latency_b2', sa.Integer(), nullable=False),
    sa.Column('latency_b3', sa.Integer(), nullable=False),
    sa.Column('latency_b4', sa.Integer(), nullable=False),
    sa.Column('latency_b5', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('day', 'channel', 'event_type', 'status', 'error_code', name='uq_daily_stats_cell')
    )
    op.create_table('notification_rollup_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_status_created', ['status', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_status_created')

    op.drop_table('notification_rollup_days')
    op.drop_table('notification_daily_stats')
