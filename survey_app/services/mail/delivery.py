"""Queueing invitations and reminders, and sending what is queued (outside any request).

Queueing only adds rows (one per invitee and step: the unique constraint makes a second queueing, even a
concurrent one, add nothing). :func:`send_queued` is the job the CLI command and the scheduler run: it claims one
due message at a time and commits after each, so a run that dies loses at most the message it was sending.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from survey_app.extensions import db
from survey_app.messages import N_, TranslatableError
from survey_app.models import Invitation, MailMessage, Survey, Unit
from survey_app.models.types import utcnow
from survey_app.services.invitations import invitation_token
from survey_app.services.mail.compose import Composed, build_message, compose
from survey_app.services.mail.transport import DeliveryError, Transport, transport_for
from survey_app.services.mail.unsubscribe import unsubscribe_url
from survey_app.services.units import unit_names

#: a reminder step key: letters, digits and dashes ("after-7-days", "before-closing")
STEP_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def queue_invitations(survey: Survey, *, now: datetime | None = None) -> int:
    """Queue the invitation for every invitee with an address who has none yet and has not unsubscribed."""
    return _queue(survey, "invitation", "", sa.true(), now or utcnow())


def queue_reminders(survey: Survey, step: str, *, now: datetime | None = None) -> int:
    """Queue the reminder of ``step`` for invitees who were sent the invitation and have not completed.

    Each person gets each step once. An anonymous survey does not look at who completed (the outbox would tell
    it): its reminder goes to every invitee, and says to ignore it when answered already.
    """
    if not step or len(step) > 64 or not set(step) <= STEP_CHARS:
        raise TranslatableError(N_("the reminder step must be 1 to 64 lower-case letters, digits or dashes"))
    invited = sa.select(MailMessage.id).where(MailMessage.invitation_id == Invitation.id,
                                              MailMessage.kind == "invitation", MailMessage.status == "sent")
    condition = sa.exists(invited)
    if not survey.anonymous:
        condition = sa.and_(condition, Invitation.used_at.is_(None))
    return _queue(survey, "reminder", step, condition, now or utcnow())


def _queue(survey: Survey, kind: str, step: str, condition: sa.ColumnElement[bool], now: datetime) -> int:
    if survey.status in ("closed", "archived"):
        raise TranslatableError(N_("the survey is closed: no more messages are sent for it"))
    chosen = sa.select(
        sa.literal(survey.id), Invitation.id, sa.literal(kind), sa.literal(step), sa.literal("queued"),
        sa.literal(0), sa.literal(now, sa.DateTime(timezone=True)), sa.literal(now, sa.DateTime(timezone=True)),
    ).where(Invitation.survey_id == survey.id, Invitation.email.is_not(None), Invitation.unsubscribed_at.is_(None),
            condition)
    insert = (postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert)(
        MailMessage).from_select(["survey_id", "invitation_id", "kind", "step", "status", "attempts",
                                  "next_attempt_at", "created_at"], chosen)
    # a message queued already (by an earlier click, or another process right now) is left as it is
    added = db.session.scalars(insert.on_conflict_do_nothing(
        index_elements=["invitation_id", "kind", "step"]).returning(MailMessage.id)).all()
    db.session.flush()
    return len(added)


@dataclass(frozen=True)
class SendResult:
    """What one run of :func:`send_queued` did."""

    sent: int = 0
    #: temporary failures, tried again later
    deferred: int = 0
    #: given up (a 5xx reply, too many attempts, or unsubscribed meanwhile)
    failed: int = 0


def send_queued(*, now: Callable[[], datetime] = utcnow, sleep: Callable[[float], None] = time.sleep,
                transport: Transport | None = None, limit: int | None = None) -> SendResult:
    """Send every queued message that is due, at most ``MAIL_RATE`` a second; commits after each message."""
    config = current_app.config
    transport = transport or transport_for(config["SMTP_URL"], Path(config["MAIL_OUTBOX"]))
    counts = {"sent": 0, "deferred": 0, "failed": 0}
    started = now()  # a message deferred during this run is due again only after it
    try:
        while limit is None or sum(counts.values()) < limit:
            message = _claim(started)
            if message is None:
                break
            if sum(counts.values()):
                sleep(1 / config["MAIL_RATE"])
            counts[_deliver(message, transport, now())] += 1
            db.session.commit()
    finally:
        transport.close()
    return SendResult(**counts)


def _claim(due: datetime) -> MailMessage | None:
    """The next due message, locked so that a second sender (another process) takes another one."""
    return db.session.scalar(
        sa.select(MailMessage).where(MailMessage.status == "queued", MailMessage.next_attempt_at <= due)
        .order_by(MailMessage.next_attempt_at, MailMessage.id).limit(1).with_for_update(skip_locked=True))


def _deliver(message: MailMessage, transport: Transport, now: datetime) -> str:
    """Try to send ``message``; returns which count of :class:`SendResult` it adds to."""
    invitation = db.session.get(Invitation, message.invitation_id)
    survey = db.session.get(Survey, message.survey_id)
    refused = _refused(survey, invitation, message)
    if refused:
        message.status, message.last_error = "failed", refused
        return "failed"
    message.attempts += 1
    composed, email = message_for(survey, invitation, message.kind)
    unsubscribe = unsubscribe_url(invitation.id)
    config = current_app.config
    built = build_message(composed, sender=config["MAIL_FROM"], to=email, unsubscribe=unsubscribe,
                          domain=_domain(config["MAIL_FROM"]))
    try:
        transport.send(built, folder=survey.slug)
    except DeliveryError as exc:
        message.last_error = exc.reply
        if exc.permanent or message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
            message.status = "failed"
            return "failed"
        message.next_attempt_at = now + timedelta(seconds=config["MAIL_RETRY_SECONDS"] * 2 ** (message.attempts - 1))
        return "deferred"
    message.status, message.sent_at, message.message_id = "sent", now, built["Message-ID"]
    message.last_error = None
    return "sent"


def _refused(survey: Survey, invitation: Invitation, message: MailMessage) -> str | None:
    """Why a queued message must not go out any more, or None."""
    if invitation.unsubscribed_at is not None:
        return "unsubscribed"
    if survey.status in ("closed", "archived"):
        return "survey closed"
    if message.kind == "reminder" and not survey.anonymous and invitation.used_at is not None:
        return "answered already"
    return None


def message_for(survey: Survey, invitation: Invitation, kind: str) -> tuple[Composed, str]:
    """The ``kind`` message of ``invitation`` and the address it goes to."""
    lang = invitation.language if invitation.language in ("zh", "en") else (
        survey.languages[0] if survey.languages[0] in ("zh", "en") else "en")
    unit = db.session.scalar(sa.select(Unit.code).where(Unit.id == invitation.unit_id)) if invitation.unit_id else None
    base = current_app.config["PUBLIC_BASE_URL"]
    values = {
        "name": invitation.name,
        "unit": unit_names(survey, lang).get(unit) if unit else None,
        "deadline": survey.closes_at.date().isoformat() if survey.closes_at else None,
        "link": f"{base}/s/{survey.slug}/{invitation_token(invitation.id)}",
    }
    attributes = {str(k).lower(): "" if v is None else str(v) for k, v in (invitation.attributes or {}).items()}
    composed = compose(kind, lang, survey=survey.title_in(lang), values=values,
                       unsubscribe=unsubscribe_url(invitation.id), attributes=attributes)
    return composed, invitation.email or ""


def _domain(sender: str) -> str:
    """The domain of the sender's address, for Message-ID headers."""
    return sender.rsplit("@", 1)[-1].strip(" >") or "localhost"
