"""Responses indexed by survey, status, unit and test flag: a unit's answers and the counts by unit of a large survey

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 07:00:00.000000

The counts by unit that every output's disclosure gate takes, and a unit report's reading of its units' answers,
are read from this index alone (its first two columns are the index it replaces).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_index('ix_response_survey_status_unit', ['survey_id', 'status', 'unit_id', 'is_test'],
                              unique=False)
        batch_op.drop_index('ix_response_survey_status')


def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_index('ix_response_survey_status', ['survey_id', 'status'], unique=False)
        batch_op.drop_index('ix_response_survey_status_unit')
