"""notifications.claimed_by: the claiming process, so a dead worker's rows are given back at once

Revision ID: f12claimedby1
Revises: c4clients0001
Create Date: 2026-12-05 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f12claimedby1'
down_revision = 'c4clients0001'
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows keep NULL: a claim of unknown origin is recovered by SENDING_TIMEOUT_SECONDS.
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
