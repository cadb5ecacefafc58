"""Report jobs: the group comparison a report was asked for (an attribute of the participants list)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('breakdown', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.drop_column('breakdown')
