"""Responses: one row per respondent, answers kept as one JSON document.

Why one row with a JSON document rather than one row per answer: saving a page is a single UPDATE of one row in
one short transaction, and analysis reads a million responses as a million rows (not forty million), decoding
the documents in bulk. The instrument snapshot on the survey says what each key means.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.extensions import db
from survey_app.models.types import JSONType, utcnow

RESPONSE_STATUSES = ("in_progress", "complete")


class Response(db.Model):
    __tablename__ = "response"
    __table_args__ = (
        sa.UniqueConstraint("survey_id", "submission_key", name="uq_response_survey_submission_key"),
        sa.UniqueConstraint("survey_id", "idempotency_key", name="uq_response_survey_idempotency_key"),
        # the gates' counts by unit and a unit report's answers are read from this index alone
        sa.Index("ix_response_survey_status_unit", "survey_id", "status", "unit_id", "is_test"),
        sa.Index("ix_response_survey_release", "survey_id", "release_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"))
    #: random key of the first page's form: a double-posted first page finds the response it already made
    submission_key: Mapped[str] = mapped_column(sa.String(64))
    #: SHA-256 of the resume token (the token is given to the respondent only)
    resume_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: the invitation it was made through; on anonymous surveys only while in progress (cleared on submission,
    #: in the same transaction that marks the invitation used)
    invitation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invitation.id", ondelete="SET NULL"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"))
    language: Mapped[str] = mapped_column(sa.String(8), default="zh")
    #: in_progress | complete
    status: Mapped[str] = mapped_column(sa.String(16), default="in_progress")
    #: index of the furthest page reached (0-based)
    furthest_page: Mapped[int] = mapped_column(default=0)
    #: {item_code: value}; value is int, float, str or a list for multiple choice
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: the order a shuffled page's items and a shuffled item's options were shown in:
    #: {"page:<page id>": [item codes], "options:<item code>": [option values as text]}; NULL when nothing is shuffled
    display_order: Mapped[dict[str, list[str]] | None] = mapped_column(JSONType, nullable=True)
    #: the API client's Idempotency-Key: a retried submission finds the response it already stored
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(128))
    #: "web", "synthetic", "api", ...
    channel: Mapped[str] = mapped_column(sa.String(16), default="web")
    #: for anonymous surveys the times are cut to the day
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: anonymous surveys: the batch in which the outputs began to show it (see analysis.releases); NULL while it
    #: waits. Identified surveys show every complete response and leave it NULL.
    release_no: Mapped[int | None] = mapped_column()
    #: made in a preview of the survey by its owner: never read by any output (see services.disclosure)
    is_test: Mapped[bool] = mapped_column(default=False)
    #: the questionnaire version (survey_version.number) it was started with; NULL: the survey's current one
    version: Mapped[int | None] = mapped_column()
    #: the privacy notice's version (survey.privacy_version) and the consent wording its respondent agreed to;
    #: identified surveys with a notice only (an anonymous survey stores no consent)
    consent_version: Mapped[int | None] = mapped_column()
    consent_text: Mapped[str | None] = mapped_column(sa.Text)
    #: when the retention run removed its identifiers, free text and exact times (services.retention)
    anonymised_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
