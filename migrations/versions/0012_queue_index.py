"""Read a bank's live questions in order from one index

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 23:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index(
            'ix_questions_queue', ['bank_id', 'retired', 'status', 'position'], unique=False
        )


def downgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index('ix_questions_queue')
