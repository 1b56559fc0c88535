"""Each learner's study day, leech action and scheduling presets per bank

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 14:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=False, server_default='UTC'))
        batch_op.add_column(sa.Column('day_starts_at', sa.Integer(), nullable=False, server_default='4'))
        batch_op.add_column(sa.Column('leech_action', sa.String(length=10), nullable=False, server_default='tag'))
        batch_op.add_column(sa.Column('learning_steps', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('relearning_steps', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('maximum_interval', sa.Integer(), nullable=False, server_default='36500'))

    op.create_table('presets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('desired_retention', sa.Double(), nullable=False),
    sa.Column('new_per_day', sa.Integer(), nullable=False),
    sa.Column('reviews_per_day', sa.Integer(), nullable=False),
    sa.Column('learning_steps', sa.JSON(), nullable=False),
    sa.Column('relearning_steps', sa.JSON(), nullable=False),
    sa.Column('maximum_interval', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'name')
    )
    with op.batch_alter_table('presets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_presets_user_id'), ['user_id'], unique=False)

    op.create_table('bank_presets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('preset_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['banks.id'], ),
    sa.ForeignKeyConstraint(['preset_id'], ['presets.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'bank_id')
    )


def downgrade():
    op.drop_table('bank_presets')
    with op.batch_alter_table('presets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_presets_user_id'))
    op.drop_table('presets')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('maximum_interval')
        batch_op.drop_column('relearning_steps')
        batch_op.drop_column('learning_steps')
        batch_op.drop_column('leech_action')
        batch_op.drop_column('day_starts_at')
        batch_op.drop_column('timezone')
