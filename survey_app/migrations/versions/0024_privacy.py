"""Privacy: the notice and consent of a survey, its retention periods, and the consent kept with a response

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('privacy_notice', JSON, nullable=True))
        batch_op.add_column(sa.Column('privacy_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('answers_retention_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answers_retention', sa.String(length=16), server_default='delete',
                                      nullable=False))
        batch_op.add_column(sa.Column('invitees_retention_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('deliveries_retention_days', sa.Integer(), nullable=True))
    # a survey closed before this migration: its retention periods count from the upgrade
    op.execute("UPDATE survey SET closed_at = CURRENT_TIMESTAMP WHERE status IN ('closed', 'archived')")
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('consent_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('consent_text')
        batch_op.drop_column('consent_version')
    with op.batch_alter_table('survey', schema=None) as batch_op:
        for column in ('deliveries_retention_days', 'invitees_retention_days', 'answers_retention',
                       'answers_retention_days', 'privacy_version', 'privacy_notice', 'closed_at'):
            batch_op.drop_column(column)
