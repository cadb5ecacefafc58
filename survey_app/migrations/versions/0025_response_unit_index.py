"""Responses indexed by survey, status, unit and test flag: a unit's answers and the counts by unit of a large survey

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 07:00:00.000000

The counts by unit that every output's disclosure gate takes, and a unit report's reading of its units' answers,
are read from this index alone (its first two columns are the index it replaces).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
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
