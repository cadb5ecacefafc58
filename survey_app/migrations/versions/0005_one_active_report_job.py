"""Report jobs: at most one queued or running job per report (cache key)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 16:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

ACTIVE = "state IN ('queued', 'running')"


def upgrade():
    # jobs started twice before this index existed: the newest stays, the others are failed as a dead worker's are
    op.execute(
        "UPDATE report_job SET state = 'failed', error = 'the report was started twice; the newer run goes on' "
        f"WHERE {ACTIVE} AND id NOT IN (SELECT max(id) FROM report_job WHERE {ACTIVE} GROUP BY cache_key)"
    )
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.create_index('uq_report_job_active_cache_key', ['cache_key'], unique=True,
                              sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))


def downgrade():
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.drop_index('uq_report_job_active_cache_key',
                            sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))
