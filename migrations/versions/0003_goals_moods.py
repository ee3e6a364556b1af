"""goals, goal tracking and moods

The journals branch adds 0002; at merge this revision is chained after it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 00:31:39.465421
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('goals',
    sa.Column('client_id', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=50), nullable=True),
    sa.Column('is_onetime', sa.Boolean(), nullable=False),
    sa.Column('frequency', sa.String(length=20), nullable=False),
    sa.Column('days', sa.JSON(), nullable=False),
    sa.Column('criticality', sa.String(length=255), nullable=True),
    sa.Column('startdate', sa.DateTime(), nullable=False),
    sa.Column('targetdate', sa.DateTime(), nullable=True),
    sa.Column('reminder', sa.Boolean(), nullable=False),
    sa.Column('remindertime', sa.Time(), nullable=True),
    sa.Column('reminderdate', sa.Date(), nullable=True),
    sa.Column('is_therapist_approved', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.DateTime(), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('modified', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_goals_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goals'))
    )
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.create_index('ix_goals_listing', ['client_id', 'created', 'id'], unique=False, postgresql_where=sa.text('deleted IS NULL'), sqlite_where=sa.text('deleted IS NULL'))
        batch_op.create_index('ix_goals_sync', ['client_id', 'modified', 'id'], unique=False)

    op.create_table('moods',
    sa.Column('client_id', sa.String(length=32), nullable=False),
    sa.Column('logdate', sa.DateTime(), nullable=False),
    sa.Column('mood', sa.String(length=255), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.DateTime(), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('modified', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_moods_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moods'))
    )
    with op.batch_alter_table('moods', schema=None) as batch_op:
        batch_op.create_index('ix_moods_listing', ['client_id', 'logdate', 'id'], unique=False, postgresql_where=sa.text('deleted IS NULL'), sqlite_where=sa.text('deleted IS NULL'))
        batch_op.create_index('ix_moods_sync', ['client_id', 'modified', 'id'], unique=False)

    op.create_table('goal_tracking',
    sa.Column('goal_id', sa.String(length=32), nullable=False),
    sa.Column('client_id', sa.String(length=32), nullable=False),
    sa.Column('duedate', sa.DateTime(), nullable=False),
    sa.Column('iscompleted', sa.Boolean(), nullable=False),
    sa.Column('reminderdate', sa.Date(), nullable=True),
    sa.Column('remindertime', sa.Time(), nullable=True),
    sa.Column('status', sa.String(length=50), nullable=True),
    sa.Column('deleted', sa.DateTime(), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('modified', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_goal_tracking_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['goal_id'], ['goals.id'], name=op.f('fk_goal_tracking_goal_id_goals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_tracking'))
    )
    with op.batch_alter_table('goal_tracking', schema=None) as batch_op:
        batch_op.create_index('ix_goal_tracking_client', ['client_id', 'duedate', 'id'], unique=False, postgresql_where=sa.text('deleted IS NULL'), sqlite_where=sa.text('deleted IS NULL'))
        batch_op.create_index('ix_goal_tracking_goal', ['goal_id', 'duedate', 'id'], unique=False, postgresql_where=sa.text('deleted IS NULL'), sqlite_where=sa.text('deleted IS NULL'))
        batch_op.create_index('ix_goal_tracking_sync', ['goal_id', 'modified', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('goal_tracking', schema=None) as batch_op:
        batch_op.drop_index('ix_goal_tracking_sync')
        batch_op.drop_index('ix_goal_tracking_goal', postgresql_where=sa.text('deleted IS NULL'), sqlite_where=sa.text('deleted IS NULL'))
        batch_op.drop_index('ix_goal_tracking_client', postgresql_where=sa.text('deleted IS NULL'), sqlite_where=sa.text('deleted IS NULL'))

    op.drop_table('goal_tracking')
    with op.batch_alter_table('moods', schema=None) as batch_op:
        batch_op.drop_index('ix_moods_sync')
        batch_op.drop_index('ix_moods_listing', postgresql_where=sa.text('deleted IS NULL'), sqlite_where=sa.text('deleted IS NULL'))

    op.drop_table('moods')
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.drop_index('ix_goals_sync')
        batch_op.drop_index('ix_goals_listing', postgresql_where=sa.text('deleted IS NULL'), sqlite_where=sa.text('deleted IS NULL'))

    op.drop_table('goals')
