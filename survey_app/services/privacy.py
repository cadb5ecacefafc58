"""A survey's privacy notice and, on identified surveys, the respondent's consent (docs/privacy.md).

The notice (purpose, controller, retention, contact) is shown in the respondent's language on the survey's first
page. On an identified survey the respondent must tick a consent box whose wording is part of the notice; the
response keeps that wording and the notice's version. Refusing stores no answer and no response: through a
personal link, the invitation is marked unsubscribed (no reminder follows), which is all that is kept of the
refusal. An anonymous survey shows the notice and stores no consent (a consent tied to a response would be an
identity beside it).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.messages import N_, Term, TranslatableError
from survey_app.models import Survey
from survey_app.services.surveys import SurveyRow

#: the parts of a notice, in the order the first page shows them; ``consent`` is the wording of the check box
FIELDS = ("purpose", "controller", "retention", "contact", "consent")
#: the parts every notice must have in each of the survey's languages
REQUIRED = ("purpose", "controller", "contact")
#: the survey languages as words of the console's vocabulary (for its messages)
LANGUAGE_WORDS = {"zh": N_("Chinese"), "en": N_("English")}
#: the longest text of a part (characters)
MAX_LENGTH = 2000


def notice_in(survey: Survey | SurveyRow, lang: str) -> dict[str, str] | None:
    """The notice in ``lang`` (else the survey's first language that has one); None when the survey has none."""
    notice = survey.privacy_notice or {}
    for code in (lang, *survey.languages, *notice):
        if notice.get(code):
            return notice[code]
    return None


def needs_consent(survey: Survey | SurveyRow) -> bool:
    """Whether a respondent must agree before answering: identified surveys that have a notice."""
    return not survey.anonymous and bool(survey.privacy_notice)


def consent_wording(survey: Survey | SurveyRow, lang: str) -> str | None:
    """The consent box's wording in ``lang``; None when the survey asks for no consent."""
    if not needs_consent(survey):
        return None
    notice = notice_in(survey, lang) or {}
    return notice.get("consent") or None


def set_notice(survey: Survey, notice: dict[str, dict[str, Any]] | None) -> bool:
    """Replace the survey's notice (None or all parts empty: no notice); a change counts a new version, so a
    response started afterwards records the wording it agreed to. True when something changed. Flushes only."""
    cleaned: dict[str, dict[str, str]] = {}
    for lang in survey.languages:
        parts = {name: str((notice or {}).get(lang, {}).get(name) or "").strip() for name in FIELDS}
        if any(len(text) > MAX_LENGTH for text in parts.values()):
            raise TranslatableError(N_("a part of the privacy notice is longer than %(n)s characters"), n=MAX_LENGTH)
        if any(parts.values()):
            cleaned[lang] = parts
    if cleaned:
        for lang in survey.languages:
            word = Term(LANGUAGE_WORDS.get(lang, lang))
            missing = [name for name in REQUIRED if not cleaned.get(lang, {}).get(name)]
            if missing:
                raise TranslatableError(N_("the privacy notice needs its purpose, controller and contact in every "
                                           "language of the survey (%(lang)s)"), lang=word)
            if not survey.anonymous and not cleaned[lang]["consent"]:
                raise TranslatableError(N_("an identified survey's notice needs the wording of the consent in "
                                           "every language (%(lang)s)"), lang=word)
    new = cleaned or None
    if new == survey.privacy_notice:
        return False
    survey.privacy_notice = new
    survey.privacy_version = (survey.privacy_version or 0) + 1
    db.session.flush()
    return True


def decline(connection: sa.Connection, invitation_id: int | None, now) -> None:
    """Record a refused consent: through a personal link, the invitation gets no more mail; else nothing."""
    from survey_app.models import Invitation

    if invitation_id is not None:
        table = Invitation.__table__
        connection.execute(sa.update(table).where(table.c.id == invitation_id, table.c.unsubscribed_at.is_(None))
                           .values(unsubscribed_at=now))
