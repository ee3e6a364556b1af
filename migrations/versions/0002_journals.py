"""journals, tags and tag types

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 00:29:43.205633
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tag_types',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('modified', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag_types')),
    sa.UniqueConstraint('name', name=op.f('uq_tag_types_name'))
    )
    op.create_table('journals',
    sa.Column('client_id', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('journal_timestamp', sa.DateTime(), nullable=False),
    sa.Column('session', sa.String(length=255), nullable=True),
    sa.Column('dedupe_key', sa.String(length=64), nullable=True),
    sa.Column('deleted', sa.DateTime(), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('modified', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_journals_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journals')),
    sa.UniqueConstraint('client_id', 'dedupe_key', name='uq_journals_client_id_dedupe_key')
    )
    with op.batch_alter_table('journals', schema=None) as batch_op:
        batch_op.create_index('ix_journals_listing', ['client_id', 'journal_timestamp', 'id'], unique=False, postgresql_where=sa.text('deleted IS NULL'), sqlite_where=sa.text('deleted IS NULL'))
        batch_op.create_index('ix_journals_session', ['client_id', 'session'], unique=False, postgresql_where=sa.text('deleted IS NULL'), sqlite_where=sa.text('deleted IS NULL'))
        batch_op.create_index('ix_journals_sync', ['client_id', 'modified', 'id'], unique=False)

    op.create_table('journal_tags',
    sa.Column('journal_id', sa.String(length=32), nullable=False),
    sa.Column('tagtype_id', sa.String(length=32), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('deleted', sa.DateTime(), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('modified', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['journal_id'], ['journals.id'], name=op.f('fk_journal_tags_journal_id_journals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tagtype_id'], ['tag_types.id'], name=op.f('fk_journal_tags_tagtype_id_tag_types'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_tags'))
    )
    with op.batch_alter_table('journal_tags', schema=None) as batch_op:
        batch_op.create_index('ix_journal_tags_journal_id', ['journal_id', 'created', 'id'], unique=False)
        batch_op.create_index('ix_journal_tags_tagtype_id', ['tagtype_id', 'journal_id'], unique=False, postgresql_where=sa.text('deleted IS NULL'), sqlite_where=sa.text('deleted IS NULL'))



def downgrade():
    with op.batch_alter_table('journal_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_tags_tagtype_id', postgresql_where=sa.text('deleted IS NULL'), sqlite_where=sa.text('deleted IS NULL'))
        batch_op.drop_index('ix_journal_tags_journal_id')

    op.drop_table('journal_tags')
    with op.batch_alter_table('journals', schema=None) as batch_op:
        batch_op.drop_index('ix_journals_sync')
        batch_op.drop_index('ix_journals_session', postgresql_where=sa.text('deleted IS NULL'), sqlite_where=sa.text('deleted IS NULL'))
        batch_op.drop_index('ix_journals_listing', postgresql_where=sa.text('deleted IS NULL'), sqlite_where=sa.text('deleted IS NULL'))

    op.drop_table('journals')
    op.drop_table('tag_types')
