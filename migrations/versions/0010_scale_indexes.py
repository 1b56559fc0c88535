"""Count Anki answers through a small partial index

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(
            'ix_reviews_from_anki',
            ['user_id', 'question_id'],
            unique=False,
            sqlite_where=sa.text("source = 'anki'"),
            postgresql_where=sa.text("source = 'anki'"),
        )


def downgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_reviews_from_anki')
