"""A survey's lifecycle: draft -> open -> closed -> archived, what each status allows, and deleting a draft.

A survey made in the console starts as a draft: nobody can answer it (the respondent sees the "not open yet"
page) while its owner previews it. Launching opens it. A closed survey can be opened again; an archived one is
read-only for good (no status change, no upload, no revision, no deletion of responses) and is listed apart.
A survey that is open but whose opening time lies ahead shows as "scheduled".
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.messages import N_, Term, TranslatableError
from survey_app.models import Response, Survey
from survey_app.models.types import as_utc

#: action -> (the statuses it may start from, the status it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "launch": (("draft",), "open"),
    "reopen": (("closed",), "open"),
    "close": (("open",), "closed"),
    "archive": (("open", "closed"), "archived"),
}


def display_status(survey: Survey, now: datetime | None = None) -> str:
    """The status the console shows: the stored one, or "scheduled" for an open survey whose opening is ahead."""
    now = now or datetime.now(UTC)
    if survey.status == "open" and survey.opens_at is not None and as_utc(survey.opens_at) > now:
        return "scheduled"
    return survey.status


def actions(survey: Survey) -> list[str]:
    """The lifecycle actions the survey's status allows, in the order the console offers them."""
    return [action for action, (sources, _) in TRANSITIONS.items() if survey.status in sources]


def change_status(survey: Survey, action: str, now: datetime | None = None) -> Survey:
    """Apply a lifecycle ``action``; TranslatableError when the survey's status does not allow it. Opening a
    survey schedules its reminder steps (survey_app.scheduler.reminders)."""
    if action not in TRANSITIONS:
        raise ValueError(f"action must be one of {tuple(TRANSITIONS)}")
    sources, target = TRANSITIONS[action]
    if survey.status not in sources:
        check_writable(survey)
        raise TranslatableError(N_("a survey that is %(status)s cannot be changed that way"),
                                status=Term(survey.status))
    survey.status = target
    if target == "open":
        survey.closed_at = None
    elif survey.closed_at is None:  # closed, or archived while open: retention counts from here
        survey.closed_at = now or datetime.now(UTC)
    db.session.flush()
    if target == "open":
        from survey_app.scheduler.reminders import schedule_reminders

        schedule_reminders(survey, now or datetime.now(UTC))
    return survey


def check_writable(survey: Survey) -> None:
    """TranslatableError when the survey is archived (read-only)."""
    if survey.status == "archived":
        raise TranslatableError(N_("the survey is archived: it is read-only"))


def delete_draft(survey: Survey) -> None:
    """Delete a draft with everything made for it (test responses, units, invitations); an open, closed or
    archived survey is deleted only with all its data, from its privacy page (services.deletion.delete_survey)."""
    if survey.status != "draft":
        raise TranslatableError(N_("only a draft can be deleted; close or archive an open survey instead"))
    real = db.session.scalar(sa.select(Response.id).filter_by(survey_id=survey.id, is_test=False).limit(1))
    if real is not None:
        raise TranslatableError(N_("the survey has responses: it cannot be deleted"))
    from survey_app.services.deletion import delete_survey

    delete_survey(survey)
