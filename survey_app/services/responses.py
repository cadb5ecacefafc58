"""Starting, saving and submitting responses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa

from instruments.flow import walk
from instruments.schema import Instrument
from survey_app.models import Invitation, Response, Survey, Unit
from survey_app.services.invitations import InvitationRow
from survey_app.services.surveys import (
    SLUG_PATTERN,
    SurveyRow,
    get_survey_with_instrument,
    survey_row,
    survey_row_columns,
)
from survey_app.services.tokens import new_token, token_hash


def timestamp(survey: Survey | SurveyRow) -> datetime:
    """Now in UTC; cut to the day for anonymous surveys, so no exact time can single anybody out."""
    now = datetime.now(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0) if survey.anonymous else now


@dataclass
class ResponseState:
    """One response as the respondent pages read and change it: a plain row, written back by ``write_response``.

    The pages use Core statements rather than ORM objects: loading, tracking and flushing a ``Response`` cost
    more than the rest of a page request together.
    """

    survey_id: int
    submission_key: str
    language: str
    status: str = "in_progress"
    furthest_page: int = 0
    answers: dict[str, Any] = field(default_factory=dict)
    unit_id: int | None = None
    invitation_id: int | None = None
    #: None until the response is stored
    id: int | None = None
    #: set for a new response only: the INSERT stores it
    resume_hash: str | None = None
    channel: str = "web"
    #: the order shuffled items and options were shown in (see ``Response.display_order``)
    display_order: dict[str, list[str]] | None = None
    #: made in the owner's preview: never in any result
    is_test: bool = False
    started_at: datetime | None = None
    updated_at: datetime | None = None
    submitted_at: datetime | None = None
    #: written by the INSERT only: the privacy notice's version and the consent wording agreed to
    consent_version: int | None = None
    consent_text: str | None = None


#: the columns a stored response is read back with (the rest are only ever written here)
_READ = ("id", "survey_id", "submission_key", "language", "status", "furthest_page", "answers", "unit_id",
         "invitation_id", "display_order", "is_test")
#: the columns a page, a step or a submission changes
_WRITE = ("answers", "furthest_page", "language", "unit_id", "status", "updated_at", "submitted_at", "invitation_id",
          "display_order")


@cache
def _select_where(*names: str) -> sa.Select:
    # built once per look-up: constructing a statement cost about as much as running it
    table = Response.__table__
    return sa.select(*(table.c[name] for name in _READ)).where(
        *(table.c[name] == sa.bindparam(name) for name in names))


def _find(connection: sa.Connection, **criteria: Any) -> ResponseState | None:
    row = connection.execute(_select_where(*criteria), criteria).first()
    return None if row is None else ResponseState(**row._mapping)


def find_survey_and_response(
    connection: sa.Connection, slug: str, resume_token: str | None,
) -> tuple[SurveyRow | None, Instrument | None, ResponseState | None]:
    """A respondent page's survey and instrument, with the survey's response saved under ``resume_token``
    (None when there is none), in one statement."""
    if not SLUG_PATTERN.match(slug):
        return None, None, None
    if not resume_token or len(resume_token) > 128:
        survey, instrument = get_survey_with_instrument(connection, slug)
        return survey, instrument, None
    dialect = connection.dialect.name
    row = connection.execute(
        _survey_with_response(dialect), {"slug": slug, "resume_hash": token_hash(resume_token)}).first()
    if row is None:
        return None, None, None
    split = len(survey_row_columns(dialect))
    survey, instrument = survey_row(connection, row[:split])
    stored = row[split:]
    response = None if stored[0] is None else ResponseState(**dict(zip(_READ, stored, strict=True)))
    return survey, instrument, response


@cache
def _survey_with_response(dialect: str) -> sa.Select:
    survey, response = Survey.__table__, Response.__table__
    joined = survey.outerjoin(response, sa.and_(response.c.survey_id == survey.c.id,
                                                response.c.resume_hash == sa.bindparam("resume_hash")))
    return (sa.select(*survey_row_columns(dialect), *(response.c[name] for name in _READ)).select_from(joined)
            .where(survey.c.slug == sa.bindparam("slug")))


#: what a first page's form key looks like (``secrets.token_hex`` makes ours); anything else is not one of ours
SUBMISSION_KEY = re.compile(r"[0-9A-Za-z_-]{1,64}")


def is_submission_key(key: str | None) -> bool:
    """Whether ``key`` (as posted) can be a submission key: letters, digits, ``-`` and ``_``, at most 64."""
    return bool(key) and SUBMISSION_KEY.fullmatch(key) is not None


def find_by_submission_key(connection: sa.Connection, survey: Survey | SurveyRow,
                           key: str | None) -> ResponseState | None:
    """The response a first page with this form key already created (a double post)."""
    if not is_submission_key(key):
        return None
    return _find(connection, survey_id=survey.id, submission_key=key)


def find_open_for_invitation(connection: sa.Connection, survey: Survey | SurveyRow,
                             invitation: InvitationRow) -> ResponseState | None:
    """An identified survey's unfinished response made through ``invitation``.

    Never on an anonymous survey: whoever holds the link (the survey's owner sent it) would see the answers so far.
    """
    if survey.anonymous:
        return None
    return _find(connection, survey_id=survey.id, invitation_id=invitation.id, status="in_progress")


def start_response(
    survey: Survey | SurveyRow, *, submission_key: str, language: str, invitation: InvitationRow | None = None,
    unit_id: int | None = None, channel: str = "web", is_test: bool = False,
    consent: tuple[int, str] | None = None,
) -> tuple[ResponseState, str]:
    """A new in-progress response, stored by the next ``write_response``; returns it with its resume token
    (shown to the respondent only). Its unit is the invitation's, else ``unit_id`` (a poster's signed unit link).
    ``is_test``: made in the owner's preview. ``consent``: the notice's version and the consent wording agreed to
    (identified surveys with a notice, services.privacy)."""
    resume_token = new_token()
    stamp = timestamp(survey)
    response = ResponseState(
        survey_id=survey.id,
        submission_key=submission_key,
        language=language,
        resume_hash=token_hash(resume_token),
        # on anonymous surveys too, but only until submission: ``submit`` marks the invitation used and forgets it
        invitation_id=None if invitation is None else invitation.id,
        unit_id=unit_id if invitation is None else invitation.unit_id,
        channel=channel,
        is_test=is_test,
        started_at=stamp,
        updated_at=stamp,
        consent_version=None if consent is None else consent[0],
        consent_text=None if consent is None else consent[1],
    )
    return response, resume_token


def save_page(
    connection: sa.Connection, response: ResponseState, survey: Survey | SurveyRow, instrument: Instrument,
    page_index: int, values: dict[str, Any], *, language: str, omit: frozenset[str] = frozenset(),
    shown_order: dict[str, list[str]] | None = None,
) -> None:
    """Replace the answers of one page (a re-posted page overwrites, never duplicates); stored by the next
    ``write_response`` together with the response's other changes (furthest page, submission).

    Answers that no longer count are dropped: those of pages the new answers skip and of items they hide
    (``instruments.flow.walk``), so going back and changing an answer leaves nothing stale behind. ``shown_order``
    is the order the page's shuffled items and options were shown in, kept with the response.
    """
    page_codes = {item.code for item in instrument.pages[page_index].items}
    answers = {code: value for code, value in response.answers.items() if code not in page_codes}
    answers.update(values)
    response.answers = walk(instrument, answers, omit).answers
    if shown_order:
        response.display_order = {**(response.display_order or {}), **shown_order}
    response.furthest_page = max(response.furthest_page, min(page_index + 1, len(instrument.pages) - 1))
    response.language = language
    response.updated_at = timestamp(survey)
    if not (survey.anonymous and response.invitation_id is not None):
        # an anonymous invitee's unit is the invitation's: an answer could claim any unit (and pad a small one)
        response.unit_id = answered_unit(connection, survey.id, instrument, values, default=response.unit_id)


def save_draft(
    connection: sa.Connection, response: ResponseState, survey: Survey | SurveyRow, instrument: Instrument,
    page_index: int, values: dict[str, Any], *, language: str, omit: frozenset[str] = frozenset(),
    shown_order: dict[str, list[str]] | None = None,
) -> None:
    """Keep the answers given so far on a page that was left without Next (Back, a language switch).

    Unlike ``save_page`` it opens no later page: the page's required answers are still missing, and only Next
    checks them.
    """
    furthest = response.furthest_page
    save_page(connection, response, survey, instrument, page_index, values, language=language, omit=omit,
              shown_order=shown_order)
    response.furthest_page = furthest


def answered_unit(connection: sa.Connection, survey_id: int, instrument: Instrument, answers: dict[str, Any],
                  *, default: int | None) -> int | None:
    """The id of the unit that ``answers`` name through the unit question (None for a code the survey lacks),
    or ``default`` when they do not answer it."""
    unit_id = default
    for item in instrument.items_by_role("unit"):
        if item.code in answers:
            unit_id = connection.execute(
                _unit_by_code(), {"survey_id": survey_id, "code": str(answers[item.code])}).scalar()
    return unit_id


def unit_name(connection: sa.Connection, unit_id: int, lang: str) -> str:
    """A unit's name in ``lang`` (its one name when it has none in that language)."""
    table = Unit.__table__
    row = connection.execute(sa.select(table.c.name, table.c.names).where(table.c.id == unit_id)).first()
    if row is None:
        return ""
    return (row.names or {}).get(lang) or row.name


@cache
def _unit_by_code() -> sa.Select:
    table = Unit.__table__
    return sa.select(table.c.id).where(table.c.survey_id == sa.bindparam("survey_id"),
                                       table.c.code == sa.bindparam("code"))


def submit(connection: sa.Connection, response: ResponseState, survey: Survey | SurveyRow) -> bool:
    """Mark the response complete (stored by the next ``write_response``) and its invitation used (now, in the
    same transaction), whichever page or path completes it; False when the invitation was used already.

    A response made through an invitation that another response used first is not counted (the caller discards it
    with :func:`discard_response`): one invitation, one response. An anonymous survey's response forgets its
    invitation here, so no stored row links the two once the answers are complete.
    """
    if response.invitation_id is not None:
        # On anonymous surveys even the day would link the invitation (whose reference the sender knows) to the
        # response submitted that day in the same unit; the survey's own creation time only marks "used".
        used_at = survey.created_at if survey.anonymous else timestamp(survey)
        marked = connection.execute(_invitation_used(), {"invitation_id": response.invitation_id,
                                                         "used_at": used_at}).rowcount
        if not marked:
            return False
        if survey.anonymous:
            response.invitation_id = None
    response.status = "complete"
    response.submitted_at = timestamp(survey)
    return True


def discard_response(connection: sa.Connection, response: ResponseState) -> None:
    """Delete a response that will not be counted (a second response through one invitation)."""
    if response.id is not None:
        connection.execute(sa.delete(Response.__table__).where(Response.__table__.c.id == response.id))


@cache
def _invitation_used() -> sa.Update:
    table = Invitation.__table__
    return sa.update(table).where(table.c.id == sa.bindparam("invitation_id"), table.c.used_at.is_(None)).values(
        used_at=sa.bindparam("used_at"))


def write_response(connection: sa.Connection, response: ResponseState) -> None:
    """One INSERT for a new response (with its first answers), else one UPDATE of what pages change.

    A new response whose submission key is already stored raises IntegrityError (a double-posted first page).
    """
    if response.id is None:
        values = {name: getattr(response, name) for name in ResponseState.__dataclass_fields__ if name != "id"}
        response.id = connection.execute(_insert(), values).inserted_primary_key[0]
        response.resume_hash = None
    else:
        connection.execute(_update_by_id(), {"response_id": response.id,
                                             **{name: getattr(response, name) for name in _WRITE}})


@cache
def _insert() -> sa.Insert:
    return sa.insert(Response.__table__)


@cache
def _update_by_id() -> sa.Update:
    table = Response.__table__
    return sa.update(table).where(table.c.id == sa.bindparam("response_id"))
