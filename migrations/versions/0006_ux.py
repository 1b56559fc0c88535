"""Exam review marks and late answers; today-only extra new cards

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exam_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_marks', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('late', sa.JSON(), nullable=True))

    op.create_table('extra_new_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('extra', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'day_start')
    )


def downgrade():
    op.drop_table('extra_new_cards')
    with op.batch_alter_table('exam_attempts', schema=None) as batch_op:
        batch_op.drop_column('late')
        batch_op.drop_column('review_marks')
