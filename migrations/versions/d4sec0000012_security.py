"""security: users.session_version (part of every session and remember-me cookie); on PostgreSQL a
statement trigger that refuses dispatch events of revoked API keys

Revision ID: d4sec0000012
Revises: f12claimedby1
Create Date: 2026-12-05 10:00:00

Existing users start at 0. Sessions and remember-me cookies issued before this revision carry
no version and are refused: everyone signs in once more after the upgrade.

The trigger (app/services/api_keys.py) runs once per INSERT statement into dispatch_events: if any
inserted row names an API key that is revoked, the statement fails with SQLSTATE AV401 and nothing
of it is stored. The dispatch writer's INSERT thus checks its batch's keys without a round trip of
its own. Rows whose api_key_id is no key (events Avisos raises itself) pass.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4sec0000012'
down_revision = 'f12claimedby1'
branch_labels = None
depends_on = None

REFUSE_REVOKED_KEYS = """
CREATE FUNCTION avisos_refuse_revoked_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM inserted_events e JOIN api_keys k ON k.id = e.api_key_id
               WHERE k.revoked_at IS NOT NULL) THEN
        RAISE EXCEPTION 'api key revoked' USING ERRCODE = 'AV401';
    END IF;
    RETURN NULL;
END
$$
"""
TRIGGER = """
CREATE TRIGGER dispatch_events_refuse_revoked_keys AFTER INSERT ON dispatch_events
REFERENCING NEW TABLE AS inserted_events FOR EACH STATEMENT EXECUTE FUNCTION avisos_refuse_revoked_keys()
"""


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(REFUSE_REVOKED_KEYS)
        op.execute(TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS dispatch_events_refuse_revoked_keys ON dispatch_events')
        op.execute('DROP FUNCTION IF EXISTS avisos_refuse_revoked_keys()')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
