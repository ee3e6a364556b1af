"""reminders that reach people: notification settings, push subscriptions, deliveries, the worker's ledger

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-05 11:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None

LIVE = sa.text("deleted IS NULL")


def _record():
    return [sa.Column('id', sa.String(length=32), nullable=False),
            sa.Column('created', sa.DateTime(), nullable=False),
            sa.Column('modified', sa.DateTime(), nullable=False),
            sa.Column('version', sa.Integer(), nullable=False)]


def _client(table):
    return sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f(f'fk_{table}_client_id_clients'),
                                   ondelete='CASCADE')


def upgrade():
    op.create_table('notification_settings',
    sa.Column('client_id', sa.String(length=32), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.Column('details', sa.Boolean(), nullable=False),
    sa.Column('quiet_start', sa.Time(), nullable=True),
    sa.Column('quiet_end', sa.Time(), nullable=True),
    *_record(),
    _client('notification_settings'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_settings')),
    sa.UniqueConstraint('client_id', name=op.f('uq_notification_settings_client_id'))
    )
    op.create_table('push_subscriptions',
    sa.Column('client_id', sa.String(length=32), nullable=False),
    sa.Column('endpoint', sa.String(length=2048), nullable=False),
    sa.Column('p256dh', sa.String(length=200), nullable=False),
    sa.Column('auth', sa.String(length=100), nullable=False),
    sa.Column('dedupe_key', sa.String(length=64), nullable=True),
    sa.Column('deleted', sa.DateTime(), nullable=True),
    *_record(),
    _client('push_subscriptions'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscriptions')),
    sa.UniqueConstraint('client_id', 'dedupe_key', name='uq_push_subscriptions_client_id_dedupe_key')
    )
    op.create_index('ix_push_subscriptions_listing', 'push_subscriptions', ['client_id', 'created', 'id'],
                    unique=False, postgresql_where=LIVE, sqlite_where=LIVE)
    op.create_index('ix_push_subscriptions_sync', 'push_subscriptions', ['client_id', 'modified', 'id'], unique=False)
    op.create_table('reminder_deliveries',
    sa.Column('client_id', sa.String(length=32), nullable=False),
    sa.Column('time', sa.DateTime(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('about', sa.String(length=500), nullable=False),
    sa.Column('deleted', sa.DateTime(), nullable=True),
    *_record(),
    _client('reminder_deliveries'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_deliveries'))
    )
    op.create_index('ix_reminder_deliveries_listing', 'reminder_deliveries', ['client_id', 'time', 'id'],
                    unique=False, postgresql_where=LIVE, sqlite_where=LIVE)
    op.create_index('ix_reminder_deliveries_sync', 'reminder_deliveries', ['client_id', 'modified', 'id'], unique=False)
    op.create_table('reminder_dispatches',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('client_id', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=50), nullable=False),
    sa.Column('subject_id', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('target', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('due', sa.DateTime(), nullable=False),
    sa.Column('next_attempt', sa.DateTime(), nullable=True),
    sa.Column('modified', sa.DateTime(), nullable=False),
    _client('reminder_dispatches'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_dispatches')),
    sa.UniqueConstraint('source', 'subject_id', 'channel', 'target', name='uq_reminder_dispatches_key')
    )
    op.create_index('ix_reminder_dispatches_subject', 'reminder_dispatches', ['subject_id', 'state', 'next_attempt'],
                    unique=False)
    op.create_index('ix_reminder_dispatches_client', 'reminder_dispatches', ['client_id'], unique=False)
    op.create_index('ix_goal_tracking_due', 'goal_tracking', ['duedate'], unique=False,
                    postgresql_where=LIVE, sqlite_where=LIVE)
    op.create_index('ix_goal_tracking_reminderdate', 'goal_tracking', ['reminderdate'], unique=False,
                    postgresql_where=LIVE, sqlite_where=LIVE)


def downgrade():
    op.drop_index('ix_goal_tracking_reminderdate', table_name='goal_tracking')
    op.drop_index('ix_goal_tracking_due', table_name='goal_tracking')
    op.drop_table('reminder_dispatches')
    op.drop_table('reminder_deliveries')
    op.drop_table('push_subscriptions')
    op.drop_table('notification_settings')
