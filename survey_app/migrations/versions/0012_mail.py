"""Mail: invitees' addresses, names, languages and attributes; one row per message and its delivery

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 02:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('attributes', JSON, nullable=True))
        batch_op.add_column(sa.Column('unsubscribed_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'mail_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('invitation_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('step', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_error', sa.String(length=1000), nullable=True),
        sa.Column('message_id', sa.String(length=250), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('invitation_id', 'kind', 'step', name='uq_mail_message_invitation_kind_step'),
    )
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_message_survey_id'), ['survey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_message_invitation_id'), ['invitation_id'], unique=False)
        batch_op.create_index('ix_mail_message_status_next', ['status', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_message_status_next')
        batch_op.drop_index(batch_op.f('ix_mail_message_invitation_id'))
        batch_op.drop_index(batch_op.f('ix_mail_message_survey_id'))
    op.drop_table('mail_message')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('unsubscribed_at')
        batch_op.drop_column('attributes')
        batch_op.drop_column('language')
        batch_op.drop_column('name')
        batch_op.drop_column('email')
