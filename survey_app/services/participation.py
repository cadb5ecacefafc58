"""Who is answering a survey, for its owner: partial responses and where people stop, test responses, the
invitees' progress; and deleting the responses that are not results (tests and partial ones).

Anonymous surveys tell less, as the dashboard does: no invitee is named, and partial responses are counted only
once the survey is closed (a live count of people answering right now would tell when each of them submits).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, Response, Survey, Unit
from survey_app.services.disclosure import is_closed
from survey_app.services.lifecycle import check_writable
from survey_app.services.surveys import instrument_of

#: the responses the console may delete, by kind (complete real responses are results: never deleted here)
DELETABLE = ("test", "partial")


@dataclass(frozen=True)
class DropOff:
    """Partial responses that stopped after page ``page`` (1-based; its title in the console's language)."""

    page: int
    title: str
    count: int


@dataclass(frozen=True)
class Partials:
    """Partial (started, not submitted) real responses; None figures where they may not be shown."""

    count: int | None
    drop_off: list[DropOff]
    #: responses made in the owner's preview, complete or not
    tests: int


def partials(survey: Survey, lang: str) -> Partials:
    """Partial responses and how many stopped after each page; anonymous surveys only once closed."""
    tests = db.session.scalar(sa.select(sa.func.count()).select_from(Response)
                              .filter_by(survey_id=survey.id, is_test=True)) or 0
    if survey.anonymous and not is_closed(survey):
        return Partials(None, [], tests)
    by_page = dict(db.session.execute(
        sa.select(Response.furthest_page, sa.func.count()).filter_by(survey_id=survey.id, is_test=False,
                                                                      status="in_progress")
        .group_by(Response.furthest_page)).all())
    pages = instrument_of(survey).pages
    drop_off = []
    for furthest, count in sorted(by_page.items()):
        # a response whose furthest page is f (0-based) has saved the pages before it: it stopped after page f
        done = max(furthest, 1)
        drop_off.append(DropOff(done, pages[min(done, len(pages)) - 1].title.get(lang), count))
    return Partials(sum(by_page.values()), drop_off, tests)


def delete_responses(survey: Survey, kind: str) -> int:
    """Delete the survey's test responses or its partial real responses; returns how many."""
    if kind not in DELETABLE:
        raise ValueError(f"kind must be one of {DELETABLE}")
    check_writable(survey)
    condition = (Response.is_test.is_(sa.true()) if kind == "test"
                 else sa.and_(Response.is_test.is_(sa.false()), Response.status == "in_progress"))
    deleted = db.session.execute(sa.delete(Response).where(Response.survey_id == survey.id, condition)).rowcount
    db.session.flush()
    return deleted


@dataclass(frozen=True)
class Invitee:
    """An identified survey's invitee and how far they got."""

    ref: str
    unit: str
    #: invited | started | completed
    status: str


def invitees(survey: Survey) -> list[Invitee]:
    """Each invitee of an identified survey with their progress; ValueError for an anonymous survey."""
    if survey.anonymous:
        raise ValueError("an anonymous survey keeps no link between invitations and answers")
    started = set(db.session.scalars(sa.select(Response.invitation_id).where(
        Response.survey_id == survey.id, Response.invitation_id.is_not(None), Response.is_test.is_(sa.false()))))
    rows = db.session.execute(
        sa.select(Invitation.id, Invitation.external_ref, Unit.code, Invitation.used_at)
        .outerjoin(Unit, Unit.id == Invitation.unit_id).where(Invitation.survey_id == survey.id)
        .order_by(Invitation.id)).all()
    return [Invitee(ref or "", code or "", "completed" if used else "started" if id_ in started else "invited")
            for id_, ref, code, used in rows]


def invited_count(survey: Survey) -> int:
    """How many personal links the survey has (all an anonymous survey tells about its invitees)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)
                             .filter_by(survey_id=survey.id)) or 0
