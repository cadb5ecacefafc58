"""A survey's message channels: email, its webhook, or both; the webhook's address and signing secret."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from survey_app.extensions import db
from survey_app.messages import N_, TranslatableError
from survey_app.models import Survey, SurveyChannels
from survey_app.models.channels import CHANNEL_SETTINGS
from survey_app.models.types import utcnow
from survey_app.services import webhooks

#: what each setting sends through (models.mail.MAIL_CHANNELS)
SENDS = {"email": ("email",), "webhook": ("webhook",), "both": ("email", "webhook")}
#: the shortest and longest secret a person may give (a generated one is 49 characters)
SECRET_LENGTH = (24, 200)


def channels_of(survey: Survey) -> SurveyChannels | None:
    """The survey's channel settings (None: email only)."""
    return db.session.get(SurveyChannels, survey.id)


def sends_through(survey: Survey) -> tuple[str, ...]:
    """The channels a message of the survey is queued for: ``("email",)``, ``("webhook",)`` or both."""
    settings = channels_of(survey)
    return SENDS[settings.channel] if settings is not None else SENDS["email"]


def allow_loopback() -> bool:
    """Whether webhooks may go to this machine (tests, or WEBHOOK_ALLOW_LOOPBACK for a local receiver)."""
    return bool(current_app.testing or current_app.config.get("WEBHOOK_ALLOW_LOOPBACK"))


def save_channels(survey: Survey, *, channel: str, url: str, secret: str = "", new_secret: bool = False,
                  now: datetime | None = None) -> str | None:
    """Store the survey's channels; returns the secret when one was made now (to be shown once), else None.

    The webhook needs an address that :func:`webhooks.check_url` accepts whenever it is used. ``secret``, when
    given, replaces the current one (:data:`SECRET_LENGTH` characters); else one is made when there is none, or
    when ``new_secret`` asks for it. Flushes only.
    """
    if channel not in CHANNEL_SETTINGS:
        raise TranslatableError(N_("the channel must be one of email, webhook, both"))
    url = url.strip()
    if url or channel != "email":
        if not url:
            raise TranslatableError(N_("sending to a webhook needs its address"))
        # an address kept while email alone is used is checked again when the webhook is switched on
        webhooks.check_url(url, allow_loopback=allow_loopback(), resolve=channel != "email")
    secret = secret.strip()
    if secret and not (SECRET_LENGTH[0] <= len(secret) <= SECRET_LENGTH[1] and secret.isascii()
                       and secret.isprintable() and " " not in secret):
        raise TranslatableError(N_("a webhook secret has %(low)s to %(high)s letters, digits or ASCII signs, "
                                   "without spaces"),
                                low=SECRET_LENGTH[0], high=SECRET_LENGTH[1])
    settings = channels_of(survey) or SurveyChannels(survey_id=survey.id)
    made = webhooks.new_secret() if url and not secret and (new_secret or not settings.webhook_secret) else None
    settings.channel, settings.webhook_url, settings.updated_at = channel, url or None, now or utcnow()
    if secret or made:
        settings.webhook_secret = secret or made
    db.session.add(settings)
    db.session.flush()
    return made
