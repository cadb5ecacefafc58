"""A survey's event webhooks: the endpoints that subscribe to its events, and each delivery of an event to one
(docs/webhooks.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.extensions import db
from survey_app.models.types import JSONType, utcnow

#: the events an endpoint may subscribe to (``ping`` is the console's test event, sent to one endpoint)
EVENTS = ("response.completed", "alert.created", "case.updated", "action.updated")
#: a delivery's state: waiting for its next attempt, accepted by the receiver (2xx), given up
DELIVERY_STATES = ("pending", "delivered", "failed")


class WebhookEndpoint(db.Model):
    """A URL that receives some of a survey's events, signed with its own secret."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    #: where the events are POSTed (https://; checked against private networks when saved and when sending)
    url: Mapped[str] = mapped_column(sa.String(2000))
    #: the HMAC key of the Manyi-Signature header; shown to the console once, when it is made
    secret: Mapped[str] = mapped_column(sa.String(200))
    #: the events subscribed to, space-separated between spaces (" alert.created case.updated "), so that one
    #: ``LIKE '% name %'`` finds the subscribers of an event in both databases
    events: Mapped[str] = mapped_column(sa.String(200))
    #: a switched-off endpoint gets no new event (its pending deliveries are still tried)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    @property
    def event_names(self) -> list[str]:
        """The events subscribed to, in :data:`EVENTS` order."""
        chosen = set(self.events.split())
        return [event for event in EVENTS if event in chosen]


class WebhookDelivery(db.Model):
    """One event for one endpoint: its payload as sent on every attempt, and how the attempts went."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (sa.Index("ix_webhook_delivery_survey_created", "survey_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True)
    #: response.completed | alert.created | case.updated | action.updated | ping
    event: Mapped[str] = mapped_column(sa.String(40))
    #: the event's id (``evt_...``): the same for every endpoint and every attempt, so a receiver can drop a repeat
    event_id: Mapped[str] = mapped_column(sa.String(64))
    #: the JSON object posted (its bytes are signed as sent)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: pending | delivered | failed
    state: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: when the next attempt is due (pending only)
    next_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: the HTTP status of the last reply; None: no reply (timeout, connection failed, address refused)
    last_status: Mapped[int | None] = mapped_column()
    #: the last failure in words (the reply's start, or why there was none)
    last_error: Mapped[str | None] = mapped_column(sa.String(1000))
