"""audit log: audit_entries (append-only); on PostgreSQL a trigger refuses UPDATE, and DELETE
except by the retention prune

Revision ID: e16audit0001
Revises: e16inbound001
Create Date: 2026-12-07 04:30:00

The prune (app/audit/prune.py) sets `avisos.audit_prune` to 'on' for its own transaction
(SET LOCAL) before it deletes rows older than AUDIT_RETENTION_DAYS; any other UPDATE or DELETE on
audit_entries fails with SQLSTATE AV403. TRUNCATE (a table owner's statement) is not a row change
and is not refused.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e16audit0001'
down_revision = 'e16inbound001'
branch_labels = None
depends_on = None

GUARD = """
CREATE FUNCTION avisos_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('avisos.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_entries is append-only (% refused)', TG_OP USING ERRCODE = 'AV403';
END
$$
"""
TRIGGER = """
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
FOR EACH ROW EXECUTE FUNCTION avisos_audit_append_only()
"""


def upgrade():
    op.create_table(
        'audit_entries',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_type', sa.String(length=16), nullable=False),
        sa.Column('actor_id', sa.String(length=64), nullable=True),
        sa.Column('actor_label', sa.String(length=254), nullable=False),
        sa.Column('entity_type', sa.String(length=40), nullable=False),
        sa.Column('entity_id', sa.String(length=64), nullable=False),
        sa.Column('entity_label', sa.String(length=255), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('ip_address', sa.String(length=45), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_entries_at', 'audit_entries', ['at'])
    op.create_index('ix_audit_entries_entity', 'audit_entries', ['entity_type', 'entity_id', 'at'])
    op.create_index('ix_audit_entries_actor', 'audit_entries', ['actor_label', 'at'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(GUARD)
        op.execute(TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries')
        op.execute('DROP FUNCTION IF EXISTS avisos_audit_append_only()')
    op.drop_index('ix_audit_entries_actor', table_name='audit_entries')
    op.drop_index('ix_audit_entries_entity', table_name='audit_entries')
    op.drop_index('ix_audit_entries_at', table_name='audit_entries')
    op.drop_table('audit_entries')
