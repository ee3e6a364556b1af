"""research subjects, their members, subject logs and their entries

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 00:31:55.547628
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
# Journals are 0002 and goals 0003 on their branches; the merge re-chains this one after them.
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('subjects',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('creator_id', sa.String(length=32), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('modified', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['creator_id'], ['users.id'], name=op.f('fk_subjects_creator_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subjects'))
    )
    op.create_table('subject_logs',
    sa.Column('subject_id', sa.String(length=32), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('user_id', sa.String(length=32), nullable=True),
    sa.Column('deleted', sa.DateTime(), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('modified', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_subject_logs_subject_id_subjects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_subject_logs_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_logs'))
    )
    with op.batch_alter_table('subject_logs', schema=None) as batch_op:
        batch_op.create_index('ix_subject_logs_listing', ['subject_id', 'created', 'id'], unique=False)
        batch_op.create_index('ix_subject_logs_sync', ['subject_id', 'modified', 'id'], unique=False)

    op.create_table('subject_members',
    sa.Column('subject_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_subject_members_subject_id_subjects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_subject_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('subject_id', 'user_id', name=op.f('pk_subject_members'))
    )
    with op.batch_alter_table('subject_members', schema=None) as batch_op:
        batch_op.create_index('ix_subject_members_user_id', ['user_id', 'subject_id'], unique=False)

    op.create_table('subject_log_entries',
    sa.Column('log_id', sa.String(length=32), nullable=False),
    sa.Column('instant', sa.DateTime(), nullable=False),
    sa.Column('end_instant', sa.DateTime(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['log_id'], ['subject_logs.id'], name=op.f('fk_subject_log_entries_log_id_subject_logs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('log_id', 'instant', name=op.f('pk_subject_log_entries'))
    )


def downgrade():
    op.drop_table('subject_log_entries')
    with op.batch_alter_table('subject_members', schema=None) as batch_op:
        batch_op.drop_index('ix_subject_members_user_id')

    op.drop_table('subject_members')
    with op.batch_alter_table('subject_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_subject_logs_sync')
        batch_op.drop_index('ix_subject_logs_listing')

    op.drop_table('subject_logs')
    op.drop_table('subjects')
