"""Messages to invitees: one row per message (the invitation, each reminder step) and channel, and its delivery."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.extensions import db
from survey_app.models.types import utcnow

#: queued (waiting, or waiting to be retried after a temporary failure) | sent | failed (given up)
MAIL_STATUSES = ("queued", "sent", "failed")
#: what a message is (followup: the recovery follow-up of a resolved case, services.recovery)
MAIL_KINDS = ("invitation", "reminder", "followup")
#: how a message goes out: by email, or as a signed POST to the survey's webhook (services.channels)
MAIL_CHANNELS = ("email", "webhook")


class MailMessage(db.Model):
    """One message to one invitee; a person gets each step at most once per channel (the unique constraint)."""

    __tablename__ = "mail_message"
    __table_args__ = (
        sa.UniqueConstraint("invitation_id", "kind", "step", "channel",
                            name="uq_mail_message_invitation_kind_step_channel"),
        sa.Index("ix_mail_message_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int] = mapped_column(sa.ForeignKey("invitation.id", ondelete="CASCADE"), index=True)
    #: invitation | reminder
    kind: Mapped[str] = mapped_column(sa.String(16))
    #: the reminder step ("after-7-days", "before-closing", ...); "" for the invitation
    step: Mapped[str] = mapped_column(sa.String(64), default="")
    #: email | webhook
    channel: Mapped[str] = mapped_column(sa.String(16), default="email", server_default="email")
    #: queued | sent | failed
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    #: delivery attempts made
    attempts: Mapped[int] = mapped_column(default=0)
    #: not tried again before this time (backoff after a temporary failure)
    next_attempt_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    #: the SMTP or HTTP reply (or the reason) of the last failed attempt
    last_error: Mapped[str | None] = mapped_column(sa.String(1000))
    #: Message-ID header of the message sent; a webhook's delivery id
    message_id: Mapped[str | None] = mapped_column(sa.String(250))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
