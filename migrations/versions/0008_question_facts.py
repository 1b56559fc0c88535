"""Questions record the fact they ask, so siblings can be kept apart

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fact', sa.String(length=120), nullable=True))
        batch_op.create_index('ix_questions_bank_fact', ['bank_id', 'fact'], unique=False)


def downgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index('ix_questions_bank_fact')
        batch_op.drop_column('fact')
