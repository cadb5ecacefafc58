"""What the console shows of the channels: deliveries by channel and status, and the short text of a message."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, MailMessage, Survey
from survey_app.services.channels.texts import ShortText, short_text
from survey_app.services.message_values import MessageValues


def counts_by_channel(survey: Survey) -> dict[str, dict[str, int]]:
    """Messages by channel, then by status."""
    counts: dict[str, dict[str, int]] = {}
    for channel, status, n in db.session.execute(
            sa.select(MailMessage.channel, MailMessage.status, sa.func.count()).where(
                MailMessage.survey_id == survey.id).group_by(MailMessage.channel, MailMessage.status)):
        counts.setdefault(channel, {})[status] = n
    return counts


def short_preview(survey: Survey, kind: str, lang: str) -> ShortText | None:
    """The ``kind`` short text as the survey's first participant gets it, written in ``lang``."""
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.survey_id == survey.id,
                                                               Invitation.email.is_not(None))
                                   .order_by(Invitation.id).limit(1))
    if invitation is None:
        return None
    return short_text(kind, lang, survey=survey.title_in(lang), values=MessageValues(survey)(invitation, lang))
