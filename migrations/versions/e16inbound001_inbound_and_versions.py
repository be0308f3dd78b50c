"""inbound WhatsApp messages (Respuestas) and template versions

Revision ID: e16inbound001
Revises: d4sec0000012
Create Date: 2026-12-07 04:30:00

Every existing template gets version 1 holding its current text, so each template has a current
version from the start and every notification rendered after the upgrade records one.
"""
import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e16inbound001'
down_revision = 'd4sec0000012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('template_versions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('template_id', sa.Uuid(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('restored_from', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['notification_templates.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('template_id', 'number', name='uq_template_versions_number')
    )
    with op.batch_alter_table('template_versions', schema=None) as batch_op:
        batch_op.create_index('ix_template_versions_template_id', ['template_id'], unique=False)
    with op.batch_alter_table('notification_templates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version_number', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('current_version_id', sa.Uuid(), nullable=True))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template_version_id', sa.Uuid(), nullable=True))
        batch_op.create_index('ix_notifications_template_version_id', ['template_version_id'], unique=False)
        batch_op.create_foreign_key('fk_notifications_template_version', 'template_versions',
                                    ['template_version_id'], ['id'], ondelete='SET NULL')
    op.create_table('inbound_messages',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('provider_message_id', sa.String(length=255), nullable=False),
    sa.Column('instance', sa.String(length=128), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('push_name', sa.String(length=255), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('message_type', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=True),
    sa.Column('notification_id', sa.Uuid(), nullable=True),
    sa.Column('link', sa.String(length=16), nullable=False),
    sa.Column('quoted_message_id', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_by', sa.String(length=254), nullable=False),
    sa.Column('reply_notification_id', sa.Uuid(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reply_notification_id'], ['notifications.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider_message_id')
    )
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_status_received', ['status', 'received_at'], unique=False)
        batch_op.create_index('ix_inbound_customer_created', ['customer_id', 'created_at'], unique=False)
        batch_op.create_index('ix_inbound_messages_phone', ['phone'], unique=False)
        batch_op.create_index('ix_inbound_messages_notification_id', ['notification_id'], unique=False)
    _first_versions()


def _first_versions():
    """Version 1 of every existing template: its text as it stands."""
    bind = op.get_bind()
    templates = sa.table('notification_templates', sa.column('id', sa.Uuid()), sa.column('name', sa.String()),
                         sa.column('subject', sa.String()), sa.column('body', sa.Text()),
                         sa.column('html_body', sa.Text()), sa.column('is_active', sa.Boolean()),
                         sa.column('version_number', sa.Integer()), sa.column('current_version_id', sa.Uuid()))
    versions = sa.table('template_versions', sa.column('id', sa.Uuid()), sa.column('template_id', sa.Uuid()),
                        sa.column('number', sa.Integer()), sa.column('name', sa.String()),
                        sa.column('subject', sa.String()), sa.column('body', sa.Text()),
                        sa.column('html_body', sa.Text()), sa.column('is_active', sa.Boolean()),
                        sa.column('created_by', sa.String()), sa.column('created_at', sa.DateTime(timezone=True)))
    now = datetime.now(timezone.utc)
    for row in bind.execute(sa.select(templates.c.id, templates.c.name, templates.c.subject, templates.c.body,
                                      templates.c.html_body, templates.c.is_active)).all():
        version_id = uuid.uuid4()
        bind.execute(versions.insert().values(
            id=version_id, template_id=row.id, number=1, name=row.name or '', subject=row.subject or '',
            body=row.body or '', html_body=row.html_body or '', is_active=bool(row.is_active),
            created_by='migration', created_at=now))
        bind.execute(templates.update().where(templates.c.id == row.id)
                     .values(version_number=1, current_version_id=version_id))


def downgrade():
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_messages_notification_id')
        batch_op.drop_index('ix_inbound_messages_phone')
        batch_op.drop_index('ix_inbound_customer_created')
        batch_op.drop_index('ix_inbound_status_received')
    op.drop_table('inbound_messages')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint('fk_notifications_template_version', type_='foreignkey')
        batch_op.drop_index('ix_notifications_template_version_id')
        batch_op.drop_column('template_version_id')
    with op.batch_alter_table('notification_templates', schema=None) as batch_op:
        batch_op.drop_column('current_version_id')
        batch_op.drop_column('version_number')
    with op.batch_alter_table('template_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_template_versions_template_id')
    op.drop_table('template_versions')
