"""The audit log: who did what to which survey, when; written once and kept."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.extensions import db
from survey_app.models.types import JSONType, append_only


class AuditEntry(db.Model):
    """One audited action of an account (or of the command line). Never changed nor deleted.

    The account and the survey are plain numbers, not foreign keys: deleting an account or a survey (itself an
    audited action) must neither delete its entries nor rewrite them. The survey's link name is kept beside its
    number so that an entry still reads after the survey is gone; the account's email is not (it is personal data,
    erased with the account): an entry of a deleted account names its number.
    """

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_survey_at", "survey_id", "at"),
                      sa.Index("ix_audit_log_account_at", "account_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: when (UTC), from services.audit's clock
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    #: the account that acted; None: the command line (``flask --app survey_app ...``) or the scheduler
    account_id: Mapped[int | None] = mapped_column(sa.Integer)
    #: one of services.audit.ACTIONS
    action: Mapped[str] = mapped_column(sa.String(32), index=True)
    #: the survey acted on, if any
    survey_id: Mapped[int | None] = mapped_column(sa.Integer)
    #: its link name when the entry was written
    survey_slug: Mapped[str | None] = mapped_column(sa.String(64))
    #: what in it: "export.csv", "report.pdf", "status:close", "account:7", "token:3" (never a respondent's)
    target: Mapped[str | None] = mapped_column(sa.String(120))
    #: counts and codes (services.audit.record checks them): never answers, response ids or invitation tokens
    detail: Mapped[dict] = mapped_column(JSONType, default=dict)


append_only(AuditEntry, "the audit log")
