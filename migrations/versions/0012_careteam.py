"""messages, feedback on records, relatives (issue 23)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

LIVE = sa.text("deleted IS NULL")


def _record_columns():
    return [sa.Column('id', sa.String(length=32), nullable=False),
            sa.Column('created', sa.DateTime(), nullable=False),
            sa.Column('modified', sa.DateTime(), nullable=False),
            sa.Column('version', sa.Integer(), nullable=False),
            sa.Column('deleted', sa.DateTime(), nullable=True)]


def upgrade():
    op.create_table('messages',
    sa.Column('client_id', sa.String(length=32), nullable=False),
    sa.Column('author_id', sa.String(length=32), nullable=True),
    sa.Column('text', sa.String(length=4000), nullable=True),
    *_record_columns(),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_messages_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_messages_author_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    )
    op.create_index(op.f('ix_messages_author_id'), 'messages', ['author_id'], unique=False)
    op.create_index('ix_messages_listing', 'messages', ['client_id', 'created', 'id'], unique=False,
                    postgresql_where=LIVE, sqlite_where=LIVE)
    op.create_index('ix_messages_sync', 'messages', ['client_id', 'modified', 'id'], unique=False)

    op.create_table('message_reads',
    sa.Column('message_id', sa.String(length=32), nullable=False),
    sa.Column('reader_id', sa.String(length=32), nullable=False),
    sa.Column('read', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_message_reads_message_id_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reader_id'], ['users.id'], name=op.f('fk_message_reads_reader_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', 'reader_id', name=op.f('pk_message_reads')),
    )
    op.create_index('ix_message_reads_reader_id', 'message_reads', ['reader_id'], unique=False)

    op.create_table('feedback',
    sa.Column('client_id', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=32), nullable=False),
    sa.Column('author_id', sa.String(length=32), nullable=True),
    sa.Column('text', sa.String(length=4000), nullable=True),
    *_record_columns(),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_feedback_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_feedback_author_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback')),
    )
    op.create_index(op.f('ix_feedback_client_id'), 'feedback', ['client_id'], unique=False)
    op.create_index(op.f('ix_feedback_author_id'), 'feedback', ['author_id'], unique=False)
    op.create_index('ix_feedback_listing', 'feedback', ['record_id', 'created', 'id'], unique=False,
                    postgresql_where=LIVE, sqlite_where=LIVE)
    op.create_index('ix_feedback_sync', 'feedback', ['record_id', 'modified', 'id'], unique=False)

    op.create_table('relatives',
    sa.Column('client_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=True),
    sa.Column('can_see', sa.JSON(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('expires', sa.DateTime(), nullable=False),
    sa.Column('accepted', sa.DateTime(), nullable=True),
    *_record_columns(),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_relatives_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_relatives_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relatives')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_relatives_code_hash')),
    )
    op.create_index(op.f('ix_relatives_user_id'), 'relatives', ['user_id'], unique=False)
    op.create_index('ix_relatives_listing', 'relatives', ['client_id', 'created', 'id'], unique=False,
                    postgresql_where=LIVE, sqlite_where=LIVE)
    op.create_index('ix_relatives_sync', 'relatives', ['client_id', 'modified', 'id'], unique=False)


def downgrade():
    op.drop_table('relatives')
    op.drop_table('feedback')
    op.drop_table('message_reads')
    op.drop_table('messages')
