"""delivery policy (issue #15): send windows, caps and backlog rates per workshop and channel
(delivery_policies), the backlog counters (send_slots), scheduled rows (notifications.scheduled_at,
hold_reason, urgent, cap_at; status 'scheduled'), send_at/priority/strategy on events, the strategy
and appointment reminder of an orchestration config, urgent phases and the workshop's time zone

Revision ID: e15policy0001
Revises: e14search0001
Create Date: 2026-12-07 04:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e15policy0001'
down_revision = 'e14search0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'delivery_policies',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('workshop_id', sa.Uuid(), nullable=True),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('hours', sa.JSON(), nullable=True),
        sa.Column('closed_dates', sa.JSON(), nullable=False),
        sa.Column('per_minute', sa.Float(), nullable=True),
        sa.Column('cap_count', sa.Integer(), nullable=True),
        sa.Column('cap_minutes', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('workshop_id', 'channel'),
    )
    op.create_index('ix_delivery_policies_workshop_id', 'delivery_policies', ['workshop_id'])
    op.create_table(
        'send_slots',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('opening', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('ix_send_slots_opening', 'send_slots', ['opening'])
    if op.get_bind().dialect.name == 'postgresql':
        # Counters only spread a backlog: no WAL, no flush when a dispatch takes its slots.
        op.execute('ALTER TABLE send_slots SET UNLOGGED')
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('hold_reason', sa.String(length=16), server_default='', nullable=False))
        batch.add_column(sa.Column('urgent', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('cap_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_notifications_scheduled', 'notifications', ['scheduled_at'],
                    postgresql_where=sa.text("status = 'scheduled'"), sqlite_where=sa.text("status = 'scheduled'"))
    op.create_index('ix_notifications_cap', 'notifications', ['customer_id', 'channel', 'cap_at'])
    with op.batch_alter_table('dispatch_events') as batch:
        batch.add_column(sa.Column('send_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('priority', sa.String(length=16), server_default='normal', nullable=False))
        batch.add_column(sa.Column('strategy', sa.String(length=24), server_default='all', nullable=False))
    with op.batch_alter_table('orchestration_configs') as batch:
        batch.add_column(sa.Column('strategy', sa.String(length=24), server_default='all', nullable=False))
        batch.add_column(sa.Column('reminder_hours_before', sa.Integer(), nullable=True))
    with op.batch_alter_table('service_phases') as batch:
        batch.add_column(sa.Column('is_urgent', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('workshops') as batch:
        batch.add_column(sa.Column('timezone', sa.String(length=64), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('workshops') as batch:
        batch.drop_column('timezone')
    with op.batch_alter_table('service_phases') as batch:
        batch.drop_column('is_urgent')
    with op.batch_alter_table('orchestration_configs') as batch:
        batch.drop_column('reminder_hours_before')
        batch.drop_column('strategy')
    with op.batch_alter_table('dispatch_events') as batch:
        batch.drop_column('strategy')
        batch.drop_column('priority')
        batch.drop_column('send_at')
    op.drop_index('ix_notifications_cap', table_name='notifications')
    op.drop_index('ix_notifications_scheduled', table_name='notifications')
    with op.batch_alter_table('notifications') as batch:
        batch.drop_column('cap_at')
        batch.drop_column('urgent')
        batch.drop_column('hold_reason')
        batch.drop_column('scheduled_at')
    op.drop_index('ix_send_slots_opening', table_name='send_slots')
    op.drop_table('send_slots')
    op.drop_index('ix_delivery_policies_workshop_id', table_name='delivery_policies')
    op.drop_table('delivery_policies')
