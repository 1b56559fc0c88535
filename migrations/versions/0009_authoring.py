"""Banks are drafted and reviewed on the site; edits survive loads; every change is logged

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # Banks and questions that exist already were loaded from files: published, approved.
    with op.batch_alter_table('banks', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('status', sa.String(length=10), server_default='published', nullable=False)
        )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('status', sa.String(length=10), server_default='approved', nullable=False)
        )
        batch_op.add_column(sa.Column('base_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('pending', sa.JSON(), nullable=True))
    op.create_table(
        'question_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('actor', sa.String(length=100), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['question_id'], ['questions.id'], ),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('question_changes', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_question_changes_question_id'), ['question_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('question_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_changes_question_id'))
    op.drop_table('question_changes')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_column('pending')
        batch_op.drop_column('base_hash')
        batch_op.drop_column('status')
    with op.batch_alter_table('banks', schema=None) as batch_op:
        batch_op.drop_column('status')
