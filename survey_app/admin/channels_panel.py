"""What the mail page's "Other channels" section shows (plain values): the channel setting, the webhook, the
deliveries by channel, the short text and its export."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app.models import Survey
from survey_app.services.accounts import may_manage
from survey_app.services.channels.settings import channels_of
from survey_app.services.channels.status import counts_by_channel, short_preview

#: the channel settings (models.channels.CHANNEL_SETTINGS)
SETTING_LABELS = {"email": _l("Email only"), "webhook": _l("Webhook only"), "both": _l("Email and webhook")}
#: the channels a message goes by (models.mail.MAIL_CHANNELS)
CHANNEL_LABELS = {"email": _l("Email"), "webhook": _l("Webhook")}
#: delivery statuses (the same words as the mail section's)
STATUS_LABELS = {"queued": _l("queued"), "sent": _l("sent"), "failed": _l("failed")}


def channel_panel(survey: Survey, kind: str, lang: str) -> dict[str, Any]:
    """The section's values; ``kind`` and ``lang`` choose the short text shown (as the mail preview's do)."""
    settings = channels_of(survey)
    counts = counts_by_channel(survey)
    shown = short_preview(survey, kind, lang)
    return {
        "setting": settings.channel if settings is not None else "email",
        #: only the survey's creator or an admin may say where participants' data is sent; others read it
        "editable": may_manage(current_user, survey),
        "settings": list(SETTING_LABELS.items()),
        "url": (settings.webhook_url if settings is not None else None) or "",
        "has_secret": bool(settings is not None and settings.webhook_secret),
        "counts": [(label, [(STATUS_LABELS[s], counts.get(channel, {}).get(s, 0)) for s in STATUS_LABELS])
                   for channel, label in CHANNEL_LABELS.items()],
        "short": shown and {"text": shown.text, "encoding": shown.encoding, "length": shown.length,
                            "parts": shown.parts},
        "export": {fmt: url_for("admin.channel_export", slug=survey.slug, fmt=fmt) for fmt in ("csv", "xlsx")},
    }
