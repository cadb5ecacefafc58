"""A survey's webhook endpoints: the address (checked by services.webhooks), the events chosen, the secret.

An anonymous survey offers no ``response.completed`` (nor alerts and cases, which it never has): a receiver would
get each answer at the moment it was given, which is what its owner must never learn (docs/webhooks.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.messages import N_, TranslatableError
from survey_app.models import Survey
from survey_app.models.webhooks import EVENTS, WebhookDelivery, WebhookEndpoint
from survey_app.services import webhooks
from survey_app.services.channels.settings import allow_loopback

#: the events an anonymous survey may send: none about a person or a single response
ANONYMOUS_EVENTS = ("action.updated",)
#: endpoints a survey may have
MAX_ENDPOINTS = 10


def allowed_events(survey: Survey) -> tuple[str, ...]:
    """The events ``survey`` may send to a webhook."""
    return ANONYMOUS_EVENTS if survey.anonymous else EVENTS


def endpoints_of(survey: Survey) -> list[WebhookEndpoint]:
    """The survey's endpoints, in the order they were added."""
    return list(db.session.scalars(sa.select(WebhookEndpoint).filter_by(survey_id=survey.id)
                                   .order_by(WebhookEndpoint.id)))


def subscribers(survey_id: int, event: str) -> list[WebhookEndpoint]:
    """The active endpoints of a survey that subscribe to ``event``."""
    return list(db.session.scalars(sa.select(WebhookEndpoint).where(
        WebhookEndpoint.survey_id == survey_id, WebhookEndpoint.active.is_(True), subscribes(event))
        .order_by(WebhookEndpoint.id)))


def subscribes(event: str) -> sa.ColumnElement[bool]:
    """An endpoint's row subscribes to ``event`` (its events are stored between spaces)."""
    return WebhookEndpoint.events.contains(f" {event} ", autoescape=True)


def add_endpoint(survey: Survey, url: str, events: Iterable[str], *, now: datetime,
                 created_by_id: int | None = None) -> tuple[WebhookEndpoint, str]:
    """A new active endpoint of ``survey`` and its secret (to be shown once); TranslatableError saying what is
    wrong. The address must pass :func:`webhooks.check_url` now (it is checked again on every POST). Flushes only."""
    chosen = [event for event in EVENTS if event in set(events)]
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise TranslatableError(N_("the events must be among %(events)s"), events=", ".join(EVENTS))
    if not chosen:
        raise TranslatableError(N_("choose at least one event"))
    refused = [event for event in chosen if event not in allowed_events(survey)]
    if refused:
        raise TranslatableError(N_("an anonymous survey sends no %(events)s: it would tell the receiver who "
                                   "answered what, or when"), events=", ".join(refused))
    if len(endpoints_of(survey)) >= MAX_ENDPOINTS:
        raise TranslatableError(N_("a survey has at most %(n)s webhook endpoints"), n=MAX_ENDPOINTS)
    url = (url or "").strip()
    webhooks.check_url(url, allow_loopback=allow_loopback())
    secret = webhooks.new_secret()
    endpoint = WebhookEndpoint(survey_id=survey.id, url=url, secret=secret, events=f" {' '.join(chosen)} ",
                               active=True, created_at=now, created_by_id=created_by_id)
    db.session.add(endpoint)
    db.session.flush()
    return endpoint, secret


def set_active(endpoint: WebhookEndpoint, active: bool) -> None:
    """Switch an endpoint on or off (off: no new event, and its waiting deliveries are given up). Flushes only."""
    endpoint.active = active
    db.session.flush()


def remove_endpoint(endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint and its delivery log. Flushes only."""
    db.session.execute(sa.delete(WebhookDelivery).filter_by(endpoint_id=endpoint.id)
                       .execution_options(synchronize_session=False))
    db.session.delete(endpoint)
    db.session.flush()
