"""Report jobs: a PDF rendered outside the request, its progress and the finished file, kept in the database.

Why in the database: any app process (or an RQ worker on another machine) can run the job, and any process can
answer the console's progress poll; nothing lives in one process's memory. The finished PDF stays as the cache
of its key until the responses it reads change (see survey_app.services.report_jobs.cache_key). While a job is
queued in an app process's pool or running, that process stamps ``heartbeat_at`` every few seconds: a job whose
stamp is old lost its process and is started again.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.extensions import db
from survey_app.models.types import utcnow

JOB_STATES = ("queued", "running", "done", "failed")
#: the jobs a process holds or will hold
ACTIVE = "state IN ('queued', 'running')"


class ReportJob(db.Model):
    __tablename__ = "report_job"
    __table_args__ = (
        sa.Index("ix_report_job_cache_key", "cache_key"),
        # one queued or running job per report: two requests at the same moment cannot both start one
        sa.Index("uq_report_job_active_cache_key", "cache_key", unique=True,
                 sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(sa.String(8))
    #: unit code of a unit report; NULL for the whole survey
    unit: Mapped[str | None] = mapped_column(sa.String(64))
    #: the group comparison asked for (``attribute:<name>``, services.breakdowns); NULL for the units (the default)
    breakdown: Mapped[str | None] = mapped_column(sa.Text)
    #: survey, language, unit and the count and last id of the responses the report reads: a new one gives a new key
    cache_key: Mapped[str] = mapped_column(sa.String(200))
    #: queued | running | done | failed
    state: Mapped[str] = mapped_column(sa.String(16), default="queued")
    #: 0-100, advanced by the worker between the analysis and rendering steps
    progress: Mapped[int] = mapped_column(default=0)
    #: what the worker is doing, for the progress page ("analysis", "pdf", ...)
    step: Mapped[str | None] = mapped_column(sa.String(32))
    #: why a failed job failed, in words the user can act on
    error: Mapped[str | None] = mapped_column(sa.Text)
    #: the finished PDF
    pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: last sign of life from the process holding the job (its pool or its worker); NULL while it waits in Redis
    heartbeat_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
