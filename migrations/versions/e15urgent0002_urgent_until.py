"""urgent phases bounded by a local hour (issue #15): service_phases.urgent_until ("HH:MM"; null:
urgent at any hour, as before)

Revision ID: e15urgent0002
Revises: e15policy0001
Create Date: 2026-12-07 06:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e15urgent0002'
down_revision = 'e15policy0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('service_phases') as batch:
        batch.add_column(sa.Column('urgent_until', sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table('service_phases') as batch:
        batch.drop_column('urgent_until')
