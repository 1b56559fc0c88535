"""Count each card's passed answers; index reviews by question

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 14:45:00

Instructor pages aggregate a class's cards instead of reading every review: a card's
`reps` already counts its answers, `passed` now counts those judged right (or, where
an answer could not be judged, recalled). Item analysis reads one page of questions'
reviews through the new index.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cards') as batch_op:
        batch_op.add_column(
            sa.Column('passed', sa.Integer(), nullable=False, server_default='0')
        )
    op.execute(
        "UPDATE cards SET passed = (SELECT count(*) FROM reviews"
        " WHERE reviews.card_id = cards.id"
        " AND (reviews.correct = true OR (reviews.correct IS NULL AND reviews.rating > 1)))"
    )
    op.create_index('ix_reviews_question', 'reviews', ['question_id'])


def downgrade():
    op.drop_index('ix_reviews_question', table_name='reviews')
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:  # batch mode copies the table, which reviews refer to
        op.execute('PRAGMA foreign_keys=OFF')
    with op.batch_alter_table('cards') as batch_op:
        batch_op.drop_column('passed')
    if sqlite:
        op.execute('PRAGMA foreign_keys=ON')
