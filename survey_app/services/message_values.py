"""The one place that decides a message's language and the values of its variables (``compose.VARIABLES``), for
every channel: the email, the short text of SMS, WeCom and DingTalk, the webhook and the export."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from survey_app.extensions import db
from survey_app.models import Invitation, Survey, Unit
from survey_app.services.invitations import invitation_token
from survey_app.services.units import unit_names

#: the languages messages are written in
LANGUAGES = ("zh", "en")


def message_language(survey: Survey, invitation: Invitation) -> str:
    """The invitee's language, else the survey's first language, else English."""
    if invitation.language in LANGUAGES:
        return invitation.language
    return survey.languages[0] if survey.languages[0] in LANGUAGES else "en"


def personal_link(survey: Survey, invitation_id: int) -> str:
    """The invitee's personal survey link (its token derived from the id: services.invitations)."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/s/{survey.slug}/{invitation_token(invitation_id)}"


def invitee_attributes(invitation: Invitation) -> dict[str, str]:
    """The invitee's attributes (further columns of the participants list) by lower-case name, for
    ``{{attribute:NAME}}`` in message texts; a missing value reads as empty."""
    return {str(k).lower(): "" if v is None else str(v) for k, v in (invitation.attributes or {}).items()}


class MessageValues:
    """The variables of one survey's messages; unit names are read once per language (exports read thousands)."""

    def __init__(self, survey: Survey) -> None:
        self.survey = survey
        self._codes: dict[int, str] | None = None
        self._names: dict[str, dict[str, str]] = {}

    def unit_code(self, unit_id: int | None) -> str | None:
        """The code of a unit of the survey."""
        if unit_id is None:
            return None
        if self._codes is None:
            self._codes = dict(db.session.execute(
                sa.select(Unit.id, Unit.code).filter_by(survey_id=self.survey.id)).all())
        return self._codes.get(unit_id)

    def __call__(self, invitation: Invitation, lang: str) -> dict[str, str | None]:
        """``name``, ``unit`` (its name in ``lang``), ``deadline`` (the closing date) and ``link``; None where the
        invitee or the survey has no value (the texts then read compose.MISSING or leave the part out)."""
        code = self.unit_code(invitation.unit_id)
        if code is not None and lang not in self._names:
            self._names[lang] = unit_names(self.survey, lang)
        return {
            "name": invitation.name,
            "unit": self._names[lang].get(code) if code is not None else None,
            "deadline": self.survey.closes_at.date().isoformat() if self.survey.closes_at else None,
            "link": personal_link(self.survey, invitation.id),
        }
