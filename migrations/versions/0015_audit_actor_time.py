"""The audit trail's actor index gains the time: a person's newest event at once (the caseload's last activity)

On PostgreSQL the index is made on the partitioned trail, which makes it on every partition, and its old
one-column form goes: the two-column index serves every lookup by actor the old one did.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 17:00:00
"""
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_audit_events_actor_id', table_name='audit_events')
    op.create_index('ix_audit_events_actor', 'audit_events', ['actor_id', 'time'], unique=False)


def downgrade():
    op.drop_index('ix_audit_events_actor', table_name='audit_events')
    op.create_index('ix_audit_events_actor_id', 'audit_events', ['actor_id'], unique=False)
