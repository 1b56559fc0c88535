"""Sum a class's cards from one index that holds every column summed

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 18:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

COLUMNS = [
    'user_id',
    'question_id',
    'reps',
    'passed',
    'state',
    'due',
    'last_review',
    'stability',
    'difficulty',
]


def upgrade():
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.create_index('ix_cards_sums', COLUMNS, unique=False)


def downgrade():
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.drop_index('ix_cards_sums')
