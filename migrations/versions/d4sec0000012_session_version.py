"""console sessions: users.session_version (part of every session and remember-me cookie)

Revision ID: d4sec0000012
Revises: c3rollup00001
Create Date: 2026-12-05 10:00:00

Existing users start at 0. Sessions and remember-me cookies issued before this revision carry
no version and are refused: everyone signs in once more after the upgrade.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4sec0000012'
down_revision = 'c3rollup00001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
