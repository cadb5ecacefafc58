"""Channels: a survey's message channels and webhook; each message row names its channel

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'survey_channels',
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('webhook_url', sa.String(length=2000), nullable=True),
        sa.Column('webhook_secret', sa.String(length=200), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_channels_survey_id_survey'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('survey_id', name=op.f('pk_survey_channels')),
    )
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=16), server_default='email', nullable=False))
        batch_op.drop_constraint('uq_mail_message_invitation_kind_step', type_='unique')
        batch_op.create_unique_constraint('uq_mail_message_invitation_kind_step_channel',
                                          ['invitation_id', 'kind', 'step', 'channel'])


def downgrade():
    op.execute("DELETE FROM mail_message WHERE channel <> 'email'")
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_constraint('uq_mail_message_invitation_kind_step_channel', type_='unique')
        batch_op.create_unique_constraint('uq_mail_message_invitation_kind_step', ['invitation_id', 'kind', 'step'])
        batch_op.drop_column('channel')
    op.drop_table('survey_channels')
