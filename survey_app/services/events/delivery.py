"""Each event as one delivery per subscribed endpoint, sent signed by the scheduler, retried with backoff.

:func:`emit_event` writes the delivery rows and a ``webhook`` job for each in the caller's transaction (flush
only), so an event is sent if and only if the change that caused it is committed. The job makes one attempt
(:func:`services.webhooks.post`: the signature, the address check, the pinned connection) and records it on the
row - the delivery log. A 5xx, 408, 429, a timeout or a failed connection is tried again after
:func:`backoff`, up to :data:`MAX_ATTEMPTS` attempts; any other 4xx, a redirect or a refused address gives up at
once. The event's id (``evt_...``) is the same on every attempt and every endpoint: a receiver drops a repeat.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from survey_app.extensions import db
from survey_app.models import Survey
from survey_app.models.types import as_utc
from survey_app.models.webhooks import EVENTS, WebhookDelivery, WebhookEndpoint
from survey_app.scheduler.jobs import register, schedule
from survey_app.services import webhooks
from survey_app.services.channels.settings import allow_loopback
from survey_app.services.events.endpoints import allowed_events, subscribers

#: the scheduler's job kind that makes one attempt of one delivery
KIND = "webhook"
#: attempts before a delivery is given up (waits of 30 s, 1, 2, 4, 8, 16, 32 minutes between them: about an hour)
MAX_ATTEMPTS = 8
#: the wait after the first failed attempt; each further one doubles it
FIRST_WAIT = timedelta(seconds=30)
#: the longest wait between two attempts
LONGEST_WAIT = timedelta(hours=6)
#: the console's test event, sent to one endpoint
PING = "ping"


def backoff(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed attempts: 30 s, 1 min, 2 min, ... at most six hours."""
    return min(FIRST_WAIT * 2 ** (attempts - 1), LONGEST_WAIT)


def new_event_id() -> str:
    """A new event id: ``evt_`` and 24 random hex digits."""
    return "evt_" + secrets.token_hex(12)


def envelope(survey: Survey, event: str, event_id: str, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The JSON object posted: the event, its id and time, the survey, and what the event says (``data``)."""
    lang = survey.languages[0] if survey.languages else "en"
    return {"id": event_id, "event": event, "created": as_utc(now).isoformat(timespec="seconds"),
            "survey": {"slug": survey.slug, "title": survey.title_in(lang)}, "data": data}


def emit_event(survey: Survey, event: str, data: dict[str, Any], now: datetime) -> str | None:
    """Queue ``event`` with ``data`` for every active endpoint of ``survey`` that subscribes to it; returns the
    event's id, None when no endpoint wants it. Flushes only (call it in the transaction of the change).

    ValueError for an unknown event, or one an anonymous survey never sends (:func:`endpoints.allowed_events`).
    """
    if event not in EVENTS:
        raise ValueError(f"event must be one of {EVENTS}, not {event!r}")
    if event not in allowed_events(survey):
        raise ValueError(f"an anonymous survey sends no {event} event")
    endpoints = subscribers(survey.id, event)
    if not endpoints:
        return None
    event_id = new_event_id()
    payload = envelope(survey, event, event_id, data, now)
    for endpoint in endpoints:
        _queue(endpoint, event, event_id, payload, now)
    return event_id


def send_test_event(survey: Survey, endpoint: WebhookEndpoint, now: datetime) -> WebhookDelivery:
    """Queue a ``ping`` event to ``endpoint`` alone (whatever events it subscribes to). Flushes only."""
    event_id = new_event_id()
    data = {"message": "A test event from Manyi: the signature and the delivery log work.",
            "events": endpoint.event_names}
    return _queue(endpoint, PING, event_id, envelope(survey, PING, event_id, data, now), now)


def _queue(endpoint: WebhookEndpoint, event: str, event_id: str, payload: dict[str, Any],
           now: datetime) -> WebhookDelivery:
    delivery = WebhookDelivery(survey_id=endpoint.survey_id, endpoint_id=endpoint.id, event=event,
                               event_id=event_id, payload=payload, state="pending", attempts=0, created_at=now,
                               next_attempt_at=now)
    db.session.add(delivery)
    db.session.flush()
    _schedule(delivery, now)
    return delivery


def _schedule(delivery: WebhookDelivery, due_at: datetime) -> None:
    # one job per attempt: a job cannot move itself, and the key tells the attempts apart
    schedule(f"webhook:{delivery.id}:{delivery.attempts + 1}", due_at, KIND, {"delivery_id": delivery.id},
             max_attempts=3)


def redeliver(delivery: WebhookDelivery, now: datetime) -> None:
    """Try a failed delivery once more, now (the same event id and body, signed at the new time). Flushes only."""
    if delivery.state != "failed":
        raise ValueError("only a failed delivery is sent again")
    delivery.state, delivery.next_attempt_at = "pending", now
    db.session.flush()
    _schedule(delivery, now)


@register(KIND)
def send_delivery(payload: dict[str, Any], now: datetime) -> None:
    """The ``webhook`` job: one attempt of one delivery, recorded on its row; the next one scheduled if worth it."""
    delivery = db.session.get(WebhookDelivery, int(payload["delivery_id"]))
    if delivery is None or delivery.state != "pending":
        return
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.next_attempt_at = now, None
    try:
        if not endpoint.active:
            raise webhooks.WebhookError("the endpoint is switched off", permanent=True)
        status = webhooks.post(endpoint.url, delivery.payload, secret=endpoint.secret,
                               delivery_id=delivery.event_id, timestamp=int(now.timestamp()),
                               timeout=current_app.config["WEBHOOK_TIMEOUT"], allow_loopback=allow_loopback())
    except webhooks.WebhookError as exc:
        delivery.last_status, delivery.last_error = exc.status, exc.reply
        if exc.permanent or delivery.attempts >= MAX_ATTEMPTS:
            delivery.state = "failed"
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            _schedule(delivery, delivery.next_attempt_at)
    else:
        delivery.state, delivery.last_status, delivery.last_error = "delivered", status, None
    db.session.flush()


def deliveries_of(survey: Survey, *, limit: int = 100) -> list[WebhookDelivery]:
    """The survey's latest deliveries, newest first."""
    return list(db.session.scalars(sa.select(WebhookDelivery).filter_by(survey_id=survey.id)
                                   .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
                                   .limit(limit)))
