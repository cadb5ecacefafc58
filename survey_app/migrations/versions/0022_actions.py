"""Action plans: actions per driver and unit, with their history

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'action_plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('driver', sa.String(length=64), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_action_plan_created_by_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'],
                                name=op.f('fk_action_plan_owner_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_action_plan_survey_id_survey'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_action_plan_unit_id_unit'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_action_plan')),
    )
    with op.batch_alter_table('action_plan', schema=None) as batch_op:
        batch_op.create_index('ix_action_plan_survey_status', ['survey_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_plan_owner_id'), ['owner_id'], unique=False)
    op.create_table(
        'action_plan_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('action_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('old', sa.String(length=320), nullable=True),
        sa.Column('new', sa.String(length=320), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['action_id'], ['action_plan.id'],
                                name=op.f('fk_action_plan_event_action_id_action_plan'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_action_plan_event_user_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_action_plan_event')),
    )
    with op.batch_alter_table('action_plan_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_plan_event_action_id'), ['action_id'], unique=False)


def downgrade():
    with op.batch_alter_table('action_plan_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_plan_event_action_id'))
    op.drop_table('action_plan_event')
    with op.batch_alter_table('action_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_plan_owner_id'))
        batch_op.drop_index('ix_action_plan_survey_status')
    op.drop_table('action_plan')
