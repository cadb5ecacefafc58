"""How a survey's invitations and reminders go out: by email, to a signed webhook, or both."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.extensions import db
from survey_app.models.types import utcnow

#: email only | the webhook only | both (services.channels.settings)
CHANNEL_SETTINGS = ("email", "webhook", "both")


class SurveyChannels(db.Model):
    """A survey's message channels; a survey without a row sends email only."""

    __tablename__ = "survey_channels"

    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True)
    #: email | webhook | both
    channel: Mapped[str] = mapped_column(sa.String(16), default="email")
    #: where each message is POSTed (https://; checked against private networks when set and when sending)
    webhook_url: Mapped[str | None] = mapped_column(sa.String(2000))
    #: the HMAC key of the Manyi-Signature header; shown to the console once, when it is made
    webhook_secret: Mapped[str | None] = mapped_column(sa.String(200))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
