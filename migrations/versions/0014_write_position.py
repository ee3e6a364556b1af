"""users.write_position: where a user's last write left the WAL, for reads from replicas (issue 26)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 15:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('write_position', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('write_position')
