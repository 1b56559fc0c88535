"""Each learner's study day (time zone and rollover hour) and leech action

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-26 14:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=False, server_default='UTC'))
        batch_op.add_column(sa.Column('day_starts_at', sa.Integer(), nullable=False, server_default='4'))
        batch_op.add_column(sa.Column('leech_action', sa.String(length=10), nullable=False, server_default='tag'))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('leech_action')
        batch_op.drop_column('day_starts_at')
        batch_op.drop_column('timezone')
