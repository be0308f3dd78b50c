"""fields the reference's clients send: template is_default, reminder type and notify_via, the core's
vehicle id, push subscription expiry; events may name no service type (custom) and their channels

Revision ID: c4clients0001
Revises: c3rollup00001
Create Date: 2026-12-07 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4clients0001'
down_revision = 'c3rollup00001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification_templates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_default', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('maintenance_reminders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_type', sa.String(length=16), nullable=False, server_default='date'))
        batch_op.add_column(sa.Column('notify_via', sa.JSON(), nullable=True))
    # Existing reminders: the type their targets imply, and no channel restriction.
    op.execute("UPDATE maintenance_reminders SET reminder_type = CASE "
               "WHEN due_date IS NOT NULL AND due_kilometers IS NOT NULL THEN 'both' "
               "WHEN due_kilometers IS NOT NULL THEN 'kilometers' ELSE 'date' END")
    op.execute("UPDATE maintenance_reminders SET notify_via = '[]'")
    with op.batch_alter_table('maintenance_reminders', schema=None) as batch_op:
        batch_op.alter_column('notify_via', existing_type=sa.JSON(), nullable=False)
    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('core_vehicle_id', sa.String(length=128), nullable=True))
        batch_op.create_index('ix_vehicles_core_vehicle_id', ['core_vehicle_id'], unique=False)
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('dispatch_events', schema=None) as batch_op:
        batch_op.alter_column('service_type_slug', existing_type=sa.String(length=64), nullable=True)
        batch_op.add_column(sa.Column('channels', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('dispatch_events', schema=None) as batch_op:
        batch_op.drop_column('channels')
        batch_op.alter_column('service_type_slug', existing_type=sa.String(length=64), nullable=False)
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.drop_index('ix_vehicles_core_vehicle_id')
        batch_op.drop_column('core_vehicle_id')
    with op.batch_alter_table('maintenance_reminders', schema=None) as batch_op:
        batch_op.drop_column('notify_via')
        batch_op.drop_column('reminder_type')
    with op.batch_alter_table('notification_templates', schema=None) as batch_op:
        batch_op.drop_column('is_default')
