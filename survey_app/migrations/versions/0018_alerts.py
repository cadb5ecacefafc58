"""Alerts and cases: unit owners, alert rules, cases and their history

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owners', sa.String(length=1000), nullable=True))
    op.create_table(
        'alert_rule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('condition', JSON, nullable=True),
        sa.Column('satisfied_not_loyal', sa.Boolean(), nullable=False),
        sa.Column('keywords', JSON, nullable=True),
        sa.Column('priority', sa.String(length=16), nullable=False),
        sa.Column('sla_hours', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_alert_rule_created_by_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_alert_rule_survey_id_survey'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_rule')),
    )
    with op.batch_alter_table('alert_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_rule_survey_id'), ['survey_id'], unique=False)
    op.create_table(
        'alert_case',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('rule_id', sa.Integer(), nullable=True),
        sa.Column('rule_name', sa.String(length=200), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('notified', JSON, nullable=False),
        sa.Column('priority', sa.String(length=16), nullable=False),
        sa.Column('tier', sa.String(length=32), nullable=True),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('overdue_notified_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['assignee_id'], ['user_account.id'],
                                name=op.f('fk_alert_case_assignee_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_alert_case_response_id_response'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['rule_id'], ['alert_rule.id'], name=op.f('fk_alert_case_rule_id_alert_rule'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_alert_case_survey_id_survey'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_alert_case_unit_id_unit'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_case')),
        sa.UniqueConstraint('rule_id', 'response_id', name='uq_alert_case_rule_response'),
    )
    with op.batch_alter_table('alert_case', schema=None) as batch_op:
        batch_op.create_index('ix_alert_case_survey_status', ['survey_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_case_response_id'), ['response_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_case_assignee_id'), ['assignee_id'], unique=False)
    op.create_table(
        'alert_case_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('old', sa.String(length=320), nullable=True),
        sa.Column('new', sa.String(length=320), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['alert_case.id'], name=op.f('fk_alert_case_event_case_id_alert_case'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_alert_case_event_user_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_case_event')),
    )
    with op.batch_alter_table('alert_case_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_case_event_case_id'), ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('alert_case_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_case_event_case_id'))
    op.drop_table('alert_case_event')
    with op.batch_alter_table('alert_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_case_assignee_id'))
        batch_op.drop_index(batch_op.f('ix_alert_case_response_id'))
        batch_op.drop_index('ix_alert_case_survey_status')
    op.drop_table('alert_case')
    with op.batch_alter_table('alert_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_rule_survey_id'))
    op.drop_table('alert_rule')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('owners')
