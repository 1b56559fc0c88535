"""Where each review was given: in the browser, or in Anki and imported

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 15:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reviews') as batch_op:
        batch_op.add_column(
            sa.Column('source', sa.String(length=10), nullable=False, server_default='browser')
        )


def downgrade():
    with op.batch_alter_table('reviews') as batch_op:
        batch_op.drop_column('source')
