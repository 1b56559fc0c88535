"""Signed-in sessions, one flag per learner and question, bank maintainers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('banks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('loaded_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_banks_loaded_by_id_users', 'users', ['loaded_by_id'], ['id'])
    op.create_table('bank_maintainers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['banks.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bank_id', 'user_id')
    )
    with op.batch_alter_table('bank_maintainers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_maintainers_user_id'), ['user_id'], unique=False)

    # One flag per learner and question: keep each learner's latest, which they can edit.
    op.execute(
        "DELETE FROM flags WHERE id NOT IN "
        "(SELECT max(id) FROM flags GROUP BY user_id, question_id)"
    )
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE flags SET updated_at = created_at")
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_unique_constraint('uq_flags_user_id_question_id', ['user_id', 'question_id'])


def downgrade():
    with op.batch_alter_table('bank_maintainers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_maintainers_user_id'))
    op.drop_table('bank_maintainers')
    with op.batch_alter_table('banks', schema=None) as batch_op:
        batch_op.drop_constraint('fk_banks_loaded_by_id_users', type_='foreignkey')
        batch_op.drop_column('loaded_by_id')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_constraint('uq_flags_user_id_question_id', type_='unique')
        batch_op.drop_column('updated_at')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
