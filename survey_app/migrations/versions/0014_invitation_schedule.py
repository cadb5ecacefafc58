"""Reminder plans also say when the invitations go out: when the survey opens, or at a set time

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reminder_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invite_on_open', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('invite_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('reminder_plan', schema=None) as batch_op:
        batch_op.drop_column('invite_at')
        batch_op.drop_column('invite_on_open')
