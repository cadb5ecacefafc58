"""A queued message (a ``mail_message`` row of the webhook channel) as a signed POST to the survey's webhook.

The payload (docs/channels.md)::

    {"event": "message", "id": "msg_...", "survey": {"slug", "title"}, "kind": "invitation" | "reminder",
     "step": "" | "first" | ..., "recipient": {"ref", "email", "name", "unit", "unit_name", "language",
     "attributes"}, "text": the short text, "sms": {"encoding", "length", "parts"}, "link", "deadline"}

``id`` is the same on every retry of a message (and differs between installations: it is derived from the app's
secret key), so a receiver that has seen it can answer 2xx and send nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from survey_app.models import Invitation, MailMessage, Survey
from survey_app.services import webhooks
from survey_app.services.channels.settings import allow_loopback, channels_of
from survey_app.services.channels.texts import short_text
from survey_app.services.message_values import MessageValues, message_language
from survey_app.signing import derive_key, signature

#: what the key deriving webhook delivery ids is for (see ``signing.derive_key``)
ID_PURPOSE = b"manyi webhook delivery id"
#: the event name of an invitation or reminder
EVENT = "message"


def delivery_id(message_id: int) -> str:
    """The id of a message's webhook delivery, the same on every attempt."""
    return "msg_" + signature(derive_key(current_app.secret_key, ID_PURPOSE), f"mail_message:{message_id}".encode())


def payload(survey: Survey, invitation: Invitation, message: MailMessage,
            values: MessageValues | None = None) -> dict[str, Any]:
    """The JSON object posted for ``message``."""
    values = values or MessageValues(survey)
    lang = message_language(survey, invitation)
    filled = values(invitation, lang)
    title = survey.title_in(lang)
    text = short_text(message.kind, lang, survey=title, values=filled)
    return {
        "event": EVENT,
        "id": delivery_id(message.id),
        "survey": {"slug": survey.slug, "title": title},
        "kind": message.kind,
        "step": message.step,
        "recipient": {"ref": invitation.external_ref, "email": invitation.email, "name": invitation.name,
                      "unit": values.unit_code(invitation.unit_id), "unit_name": filled["unit"],
                      "language": lang, "attributes": invitation.attributes or {}},
        "text": text.text,
        "sms": {"encoding": text.encoding, "length": text.length, "parts": text.parts},
        "link": filled["link"],
        "deadline": filled["deadline"],
    }


def send_webhook(survey: Survey, invitation: Invitation, message: MailMessage, now: datetime) -> str:
    """POST ``message`` to the survey's webhook; returns its delivery id, else raises WebhookError (permanent for a
    webhook switched off, a refused address or a 4xx reply)."""
    settings = channels_of(survey)
    if settings is None or settings.channel == "email" or not settings.webhook_url or not settings.webhook_secret:
        raise webhooks.WebhookError("the survey no longer sends to a webhook", permanent=True)
    body = payload(survey, invitation, message)
    webhooks.post(settings.webhook_url, body, secret=settings.webhook_secret, delivery_id=body["id"],
                  timestamp=int(now.timestamp()), timeout=current_app.config["WEBHOOK_TIMEOUT"],
                  allow_loopback=allow_loopback())
    return body["id"]
