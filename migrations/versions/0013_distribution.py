"""a schema ready to be distributed by client, and the audit trail at scale (issue 26)

- journal_tags and message_reads carry client_id, filled from their journal's and message's;
- every table of a client's data keys its rows by client: primary keys, unique constraints and the foreign keys
  between two such tables hold client_id (a distributed table's keys must, docs/scaling.md);
- audit_events: its key holds `time`, two indexes for an erasure (the actor, the events of no client), and on
  PostgreSQL it becomes a table partitioned by month (hyperdiary/audit_partitions.py), its rows moved over.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 15:00:00
"""
import datetime

from alembic import op
import sqlalchemy as sa

from hyperdiary import audit_partitions

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

NO_CLIENT = sa.text("client_id IS NULL")
# (table, the parent it repeats the client of, its column naming that parent)
CHILDREN = [("journal_tags", "journals", "journal_id"), ("message_reads", "messages", "message_id")]


def _client_ids():
    for table, parent, column in CHILDREN:
        op.add_column(table, sa.Column('client_id', sa.String(length=32), nullable=True))
        op.execute(f"UPDATE {table} SET client_id = (SELECT {parent}.client_id FROM {parent} "
                   f"WHERE {parent}.id = {table}.{column})")
    for table, _, _ in CHILDREN:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column('client_id', existing_type=sa.String(length=32), nullable=False)
            batch_op.create_foreign_key(op.f(f'fk_{table}_client_id_clients'), 'clients', ['client_id'], ['id'],
                                        ondelete='CASCADE')
    op.create_index(op.f('ix_message_reads_client_id'), 'message_reads', ['client_id'], unique=False)


# Every table of a client's data keys its rows by client (hyperdiary/distribution.py): its new primary key.
KEYS = {table: ['client_id', 'id'] for table in (
    'entries', 'journals', 'goals', 'moods', 'calendar_feeds', 'feedback', 'messages', 'notification_settings',
    'push_subscriptions', 'questionnaire_assignments', 'relatives', 'reminder_deliveries', 'reminder_dispatches',
    'attention', 'goal_tracking', 'journal_tags')}
KEYS.update(entry_scores=['entry_id', 'client_id'], message_reads=['message_id', 'client_id', 'reader_id'])
# (table, its column naming the parent, the parent): foreign keys that name the parent with its client.
REFERENCES = [('entry_scores', 'entry_id', 'entries'), ('attention', 'entry_id', 'entries'),
              ('journal_tags', 'journal_id', 'journals'), ('goal_tracking', 'goal_id', 'goals'),
              ('message_reads', 'message_id', 'messages')]
# Unique constraints that hold the client from now on: (table, name, the columns before, after).
UNIQUE = [('calendar_feeds', 'uq_calendar_feeds_token_hash', ['token_hash'], ['token_hash', 'client_id']),
          ('relatives', 'uq_relatives_code_hash', ['code_hash'], ['code_hash', 'client_id']),
          ('attention', 'uq_attention_entry_id', ['entry_id'], ['entry_id', 'client_id']),
          ('reminder_dispatches', 'uq_reminder_dispatches_key', ['source', 'subject_id', 'channel', 'target'],
           ['source', 'subject_id', 'channel', 'target', 'client_id'])]


def _keys(keys, references, unique, *, up=True):
    """The primary keys, unique constraints and foreign keys of `keys` (table: columns), `references` and
    `unique`: made to hold the client (`up`) or as they were. In that order: a parent's primary key changes only
    once no foreign key depends on it (PostgreSQL)."""
    for table, column, parent in references:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f'fk_{table}_{column if up else "client_id"}_{parent}'), type_='foreignkey')
    for table, name, before, after in unique:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(name, type_='unique')
    for table, columns in keys.items():
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(f'pk_{table}', type_='primary')
            batch_op.create_primary_key(f'pk_{table}', columns)
    for table, name, before, after in unique:
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_unique_constraint(name, after if up else before)
    for table, column, parent in references:
        with op.batch_alter_table(table) as batch_op:
            if up:
                batch_op.create_foreign_key(op.f(f'fk_{table}_client_id_{parent}'), parent, ['client_id', column],
                                            ['client_id', 'id'], ondelete='CASCADE')
            else:
                batch_op.create_foreign_key(op.f(f'fk_{table}_{column}_{parent}'), parent, [column], ['id'],
                                            ondelete='CASCADE')


def _audit_columns():
    return [sa.Column('id', sa.String(length=32), nullable=False),
            sa.Column('time', sa.DateTime(), nullable=False),
            sa.Column('actor_id', sa.String(length=32), nullable=True),
            sa.Column('actor_role', sa.String(length=20), nullable=True),
            sa.Column('client_id', sa.String(length=32), nullable=True),
            sa.Column('action', sa.String(length=10), nullable=False),
            sa.Column('resource', sa.Text(), nullable=True),
            sa.Column('status', sa.SmallInteger(), nullable=False)]


COLUMNS = "id, time, actor_id, actor_role, client_id, action, resource, status"


def _audit_indexes():
    op.create_index('ix_audit_events_client', 'audit_events', ['client_id', 'time', 'id'], unique=False)
    op.create_index('ix_audit_events_time', 'audit_events', ['time', 'id'], unique=False)
    op.create_index('ix_audit_events_actor_id', 'audit_events', ['actor_id'], unique=False)
    op.create_index('ix_audit_events_no_client', 'audit_events', ['time'], unique=False,
                    postgresql_where=NO_CLIENT, sqlite_where=NO_CLIENT)


def _partitioned_audit():
    """PostgreSQL: the trail as a table partitioned by month, a partition for each month it holds events of up
    to the next month, and the DEFAULT; the events moved over."""
    op.rename_table('audit_events', 'audit_events_unpartitioned')
    for index in ('ix_audit_events_client', 'ix_audit_events_time'):
        op.drop_index(index, table_name='audit_events_unpartitioned')
    op.execute("ALTER TABLE audit_events_unpartitioned DROP CONSTRAINT pk_audit_events")
    op.create_table('audit_events', *_audit_columns(),
                    sa.PrimaryKeyConstraint('id', 'time', name=op.f('pk_audit_events')),
                    postgresql_partition_by='RANGE (time)')
    _audit_indexes()
    op.execute(f"CREATE TABLE {audit_partitions.DEFAULT} PARTITION OF audit_events DEFAULT")
    connection = op.get_bind()
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    oldest = connection.execute(sa.text("SELECT min(time) FROM audit_events_unpartitioned")).scalar() or now
    month = audit_partitions.month_of(oldest)
    while month <= audit_partitions.next_month(audit_partitions.month_of(now)):
        audit_partitions.create_month(connection, month)
        month = audit_partitions.next_month(month)
    op.execute(f"INSERT INTO audit_events ({COLUMNS}) SELECT {COLUMNS} FROM audit_events_unpartitioned")
    op.drop_table('audit_events_unpartitioned')


def upgrade():
    _client_ids()
    _keys(KEYS, REFERENCES, UNIQUE)
    if op.get_bind().dialect.name == 'postgresql':
        _partitioned_audit()
        return
    with op.batch_alter_table('audit_events') as batch_op:
        batch_op.drop_constraint('pk_audit_events', type_='primary')
        batch_op.create_primary_key('pk_audit_events', ['id', 'time'])
    op.create_index('ix_audit_events_actor_id', 'audit_events', ['actor_id'], unique=False)
    op.create_index('ix_audit_events_no_client', 'audit_events', ['time'], unique=False, sqlite_where=NO_CLIENT)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.rename_table('audit_events', 'audit_events_partitioned')
        op.create_table('audit_events_plain', *_audit_columns(), sa.PrimaryKeyConstraint('id', name='pk_audit_events_'))
        op.execute(f"INSERT INTO audit_events_plain ({COLUMNS}) SELECT {COLUMNS} FROM audit_events_partitioned")
        op.drop_table('audit_events_partitioned')  # its partitions with it
        op.rename_table('audit_events_plain', 'audit_events')
        op.execute("ALTER TABLE audit_events RENAME CONSTRAINT pk_audit_events_ TO pk_audit_events")
        op.create_index('ix_audit_events_client', 'audit_events', ['client_id', 'time', 'id'], unique=False)
        op.create_index('ix_audit_events_time', 'audit_events', ['time', 'id'], unique=False)
    else:
        op.drop_index('ix_audit_events_no_client', table_name='audit_events', sqlite_where=NO_CLIENT)
        op.drop_index('ix_audit_events_actor_id', table_name='audit_events')
        with op.batch_alter_table('audit_events') as batch_op:
            batch_op.drop_constraint('pk_audit_events', type_='primary')
            batch_op.create_primary_key('pk_audit_events', ['id'])
    old_keys = {table: ['id'] for table in KEYS}
    old_keys.update(entry_scores=['entry_id'], message_reads=['message_id', 'reader_id'])
    _keys(old_keys, REFERENCES, UNIQUE, up=False)
    op.drop_index(op.f('ix_message_reads_client_id'), table_name='message_reads')
    for table, _, _ in CHILDREN:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f'fk_{table}_client_id_clients'), type_='foreignkey')
            batch_op.drop_column('client_id')
