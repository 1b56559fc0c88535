"""Find a learner's open exams through an index on the attempt's learner

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 02:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exam_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_exam_attempts_user_id', ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('exam_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_exam_attempts_user_id')
