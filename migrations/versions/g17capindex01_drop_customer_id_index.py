"""notifications: drop ix_notifications_customer_id, a prefix of ix_notifications_cap (issue #17)

ix_notifications_cap (customer_id, channel, cap_at) answers every lookup by customer_id alone, the
foreign key's SET NULL on a customer's deletion included. Every new row version of a notification
(the INSERT, the claim, the cap count, the outcome) wrote an entry into both.

Revision ID: g17capindex01
Revises: e15urgent0002
Create Date: 2026-12-07 19:30:00
"""
from alembic import op

revision = 'g17capindex01'
down_revision = 'e15urgent0002'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_notifications_customer_id', table_name='notifications')


def downgrade():
    op.create_index('ix_notifications_customer_id', 'notifications', ['customer_id'])
