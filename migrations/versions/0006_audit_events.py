"""the audit trail: audit_events

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 07:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_events',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('time', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.String(length=32), nullable=True),
    sa.Column('actor_role', sa.String(length=20), nullable=True),
    sa.Column('client_id', sa.String(length=32), nullable=True),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('resource', sa.Text(), nullable=True),
    sa.Column('status', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    op.create_index('ix_audit_events_client', 'audit_events', ['client_id', 'time', 'id'], unique=False)
    op.create_index('ix_audit_events_time', 'audit_events', ['time', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_audit_events_time', table_name='audit_events')
    op.drop_index('ix_audit_events_client', table_name='audit_events')
    op.drop_table('audit_events')
