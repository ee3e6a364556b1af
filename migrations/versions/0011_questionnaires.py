"""scored questionnaires (issue 22): entry scores, flagged answers needing attention, assignments

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 11:32:20.315950
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('questionnaire_assignments',
    sa.Column('client_id', sa.String(length=32), nullable=False),
    sa.Column('schema_id', sa.String(length=500), nullable=False),
    sa.Column('every_days', sa.Integer(), nullable=False),
    sa.Column('first_due', sa.Date(), nullable=False),
    sa.Column('next_due', sa.Date(), nullable=False),
    sa.Column('remindertime', sa.Time(), nullable=False),
    sa.Column('last_answered', sa.DateTime(), nullable=True),
    sa.Column('creator_id', sa.String(length=32), nullable=True),
    sa.Column('deleted', sa.DateTime(), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('modified', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_questionnaire_assignments_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['creator_id'], ['users.id'], name=op.f('fk_questionnaire_assignments_creator_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_assignments'))
    )
    with op.batch_alter_table('questionnaire_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_questionnaire_assignments_creator_id', ['creator_id'], unique=False)
        batch_op.create_index('ix_questionnaire_assignments_due', ['client_id', 'schema_id', 'next_due'], unique=False)
        batch_op.create_index('ix_questionnaire_assignments_listing', ['client_id', 'created', 'id'], unique=False, postgresql_where=sa.text('deleted IS NULL'), sqlite_where=sa.text('deleted IS NULL'))
        batch_op.create_index('ix_questionnaire_assignments_sync', ['client_id', 'modified', 'id'], unique=False)

    op.create_table('attention',
    sa.Column('client_id', sa.String(length=32), nullable=False),
    sa.Column('entry_id', sa.String(length=32), nullable=False),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('time', sa.DateTime(), nullable=False),
    sa.Column('acknowledged_by', sa.String(length=32), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('deleted', sa.DateTime(), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('modified', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by'], ['users.id'], name=op.f('fk_attention_acknowledged_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_attention_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_attention_entry_id_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attention')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_attention_entry_id'))
    )
    with op.batch_alter_table('attention', schema=None) as batch_op:
        batch_op.create_index('ix_attention_acknowledged_by', ['acknowledged_by'], unique=False)
        batch_op.create_index('ix_attention_listing', ['client_id', 'time', 'id'], unique=False, postgresql_where=sa.text('deleted IS NULL'), sqlite_where=sa.text('deleted IS NULL'))
        batch_op.create_index('ix_attention_sync', ['client_id', 'modified', 'id'], unique=False)

    op.create_table('entry_scores',
    sa.Column('entry_id', sa.String(length=32), nullable=False),
    sa.Column('client_id', sa.String(length=32), nullable=False),
    sa.Column('schema_id', sa.String(length=500), nullable=False),
    sa.Column('dt', sa.DateTime(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('band', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_entry_scores_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_entry_scores_entry_id_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_entry_scores'))
    )
    with op.batch_alter_table('entry_scores', schema=None) as batch_op:
        batch_op.create_index('ix_entry_scores_client_id_schema_id_dt', ['client_id', 'schema_id', 'dt'], unique=False)



def downgrade():
    with op.batch_alter_table('entry_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_entry_scores_client_id_schema_id_dt')

    op.drop_table('entry_scores')
    with op.batch_alter_table('attention', schema=None) as batch_op:
        batch_op.drop_index('ix_attention_sync')
        batch_op.drop_index('ix_attention_listing', postgresql_where=sa.text('deleted IS NULL'), sqlite_where=sa.text('deleted IS NULL'))
        batch_op.drop_index('ix_attention_acknowledged_by')

    op.drop_table('attention')
    with op.batch_alter_table('questionnaire_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_questionnaire_assignments_sync')
        batch_op.drop_index('ix_questionnaire_assignments_listing', postgresql_where=sa.text('deleted IS NULL'), sqlite_where=sa.text('deleted IS NULL'))
        batch_op.drop_index('ix_questionnaire_assignments_due')
        batch_op.drop_index('ix_questionnaire_assignments_creator_id')

    op.drop_table('questionnaire_assignments')
