"""Starting, saving and submitting responses."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa

from instruments.schema import Instrument
from survey_app.extensions import db
from survey_app.models import Invitation, Response, Survey, Unit
from survey_app.services.tokens import new_token, token_hash


def timestamp(survey: Survey) -> datetime:
    """Now in UTC; cut to the day for anonymous surveys, so no exact time can single anybody out."""
    now = datetime.now(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0) if survey.anonymous else now


def find_by_resume_token(survey: Survey, token: str | None) -> Response | None:
    """The survey's response saved under this resume token."""
    if not token or len(token) > 128:
        return None
    response = db.session.scalar(_by_resume_hash(), {"resume_hash": token_hash(token)})
    return response if response is not None and response.survey_id == survey.id else None


@cache
def _by_resume_hash() -> sa.Select:
    # built once: every respondent page after the first looks its response up this way
    return sa.select(Response).where(Response.resume_hash == sa.bindparam("resume_hash"))


def find_by_submission_key(survey: Survey, key: str | None) -> Response | None:
    """The response a first page with this form key already created (a double post)."""
    if not key:
        return None
    return db.session.scalar(sa.select(Response).filter_by(survey_id=survey.id, submission_key=key))


def find_open_for_invitation(survey: Survey, invitation: Invitation) -> Response | None:
    """An identified survey's unfinished response made through ``invitation``."""
    if survey.anonymous:
        return None
    return db.session.scalar(
        sa.select(Response).filter_by(survey_id=survey.id, invitation_id=invitation.id, status="in_progress")
    )


def start_response(
    survey: Survey, *, submission_key: str, language: str, invitation: Invitation | None = None,
    channel: str = "web", flush: bool = True,
) -> tuple[Response, str]:
    """Create an in-progress response; returns it with its resume token (shown to the respondent only).

    ``flush=False`` leaves the INSERT to the caller's next flush, so that it can carry the first page's answers.
    """
    resume_token = new_token()
    stamp = timestamp(survey)
    response = Response(
        survey_id=survey.id,
        submission_key=submission_key,
        resume_hash=token_hash(resume_token),
        invitation_id=None if (invitation is None or survey.anonymous) else invitation.id,
        unit_id=None if invitation is None else invitation.unit_id,
        language=language,
        channel=channel,
        started_at=stamp,
        updated_at=stamp,
        answers={},
        # set here rather than left to the column defaults, which only apply at the INSERT
        status="in_progress",
        furthest_page=0,
    )
    db.session.add(response)
    if flush:
        db.session.flush()
    return response, resume_token


def save_page(
    response: Response, survey: Survey, instrument: Instrument, page_index: int, values: dict[str, Any],
    *, language: str,
) -> None:
    """Replace the answers of one page (a re-posted page overwrites, never duplicates).

    Not flushed here: the caller's next flush or commit writes the page together with its other changes
    (furthest page, submission) in one statement.
    """
    page_codes = {item.code for item in instrument.pages[page_index].items}
    answers = {code: value for code, value in response.answers.items() if code not in page_codes}
    answers.update(values)
    response.answers = answers  # a new dict, so the JSON column is marked changed
    response.furthest_page = max(response.furthest_page, min(page_index + 1, len(instrument.pages) - 1))
    response.language = language
    response.updated_at = timestamp(survey)
    for item in instrument.items_by_role("unit"):
        if item.code in values:
            # no autoflush: the look-up does not depend on the response, whose changes go out in one UPDATE later
            with db.session.no_autoflush:
                response.unit_id = db.session.scalar(
                    sa.select(Unit.id).filter_by(survey_id=survey.id, code=str(values[item.code]))
                )


def submit(response: Response, survey: Survey, invitation: Invitation | None) -> None:
    """Mark the response complete and its invitation used."""
    response.status = "complete"
    response.submitted_at = timestamp(survey)
    if invitation is not None:
        # On anonymous surveys even the day would link the invitation (whose reference the sender knows) to the
        # response submitted that day in the same unit; the survey's own creation time only marks "used".
        invitation.used_at = survey.created_at if survey.anonymous else timestamp(survey)
    db.session.flush()
