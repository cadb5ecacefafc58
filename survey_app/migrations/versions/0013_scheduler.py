"""Scheduler: jobs with a lease, reminder plans and the reminder steps' idempotency rows

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 02:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table(
        'scheduled_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('payload', JSON, nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('max_attempts', sa.Integer(), nullable=False),
        sa.Column('claimed_by', sa.String(length=100), nullable=True),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_job')),
        sa.UniqueConstraint('key', name=op.f('uq_scheduled_job_key')),
    )
    with op.batch_alter_table('scheduled_job', schema=None) as batch_op:
        batch_op.create_index('ix_scheduled_job_state_due_at', ['state', 'due_at'], unique=False)
    op.create_table(
        'reminder_plan',
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('on_open', sa.Boolean(), nullable=False),
        sa.Column('after_days', JSON, nullable=False),
        sa.Column('before_close_days', JSON, nullable=False),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_reminder_plan_survey_id_survey'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('survey_id', name=op.f('pk_reminder_plan')),
    )
    op.create_table(
        'reminder_due',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('invitation_id', sa.Integer(), nullable=False),
        sa.Column('step', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'],
                                name=op.f('fk_reminder_due_invitation_id_invitation'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_reminder_due_survey_id_survey'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_due')),
        sa.UniqueConstraint('invitation_id', 'step', name='uq_reminder_due_invitation_step'),
    )
    with op.batch_alter_table('reminder_due', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_due_survey_id'), ['survey_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reminder_due', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_due_survey_id'))
    op.drop_table('reminder_due')
    op.drop_table('reminder_plan')
    with op.batch_alter_table('scheduled_job', schema=None) as batch_op:
        batch_op.drop_index('ix_scheduled_job_state_due_at')
    op.drop_table('scheduled_job')
