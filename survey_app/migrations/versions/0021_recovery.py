"""Recovery follow-up: a follow-up survey's parent survey, a follow-up invitation's case

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('followup_of_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_survey_followup_of_id'), ['followup_of_id'], unique=True)
        batch_op.create_foreign_key('fk_survey_followup_of_id_survey', 'survey', ['followup_of_id'], ['id'],
                                    ondelete='CASCADE')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_invitation_case_id'), ['case_id'], unique=False)
        batch_op.create_foreign_key('fk_invitation_case_id_alert_case', 'alert_case', ['case_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_constraint('fk_invitation_case_id_alert_case', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_invitation_case_id'))
        batch_op.drop_column('case_id')
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_constraint('fk_survey_followup_of_id_survey', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_survey_followup_of_id'))
        batch_op.drop_column('followup_of_id')
