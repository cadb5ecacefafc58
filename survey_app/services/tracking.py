"""How far each invitee got - sent, opened, started, completed - for identified surveys; counts only for anonymous
ones.

*Opened* is the first visit of the person's own survey link (``Invitation.opened_at``, set by the survey page);
no tracking pixel is sent, so opening the message itself is never known. A mail scanner that follows links
counts as opening it.

An anonymous survey names nobody here: its counts are of invitations and messages (who was sent what, which tells
nothing about answers) and the complete responses as the disclosure gate shows them (released in batches of at
least k). It records no opening time at all (:func:`survey_app.services.invitations.mark_opened`), keeps no
started or completed mark per invitee that this module reads, and refuses the per-person table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from analysis.confidentiality import children_of
from survey_app.extensions import db
from survey_app.messages import N_, Quoted, TranslatableError
from survey_app.models import Invitation, MailMessage, Response, Survey, Unit
from survey_app.models.types import as_utc
from survey_app.services.disclosure import open_gate

#: an invitee's furthest step, in order: not mailed yet, mail sent, link opened, answers started, submitted
STATUSES = ("invited", "sent", "opened", "started", "completed")


@dataclass(frozen=True)
class InviteeStatus:
    """One invitee of an identified survey, the furthest step they reached and when each step happened."""

    email: str
    name: str
    ref: str
    unit: str
    #: one of :data:`STATUSES`
    status: str
    sent_at: datetime | None
    opened_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None


def invitee_statuses(survey: Survey, *, status: str | None = None,
                     unit: str | None = None) -> list[InviteeStatus]:
    """Each invitee of an identified survey with their status, optionally only one status and one unit (with
    the units below it); an anonymous survey raises :class:`TranslatableError`."""
    if survey.anonymous:
        raise TranslatableError(N_("an anonymous survey shows no invitee's progress, only counts"))
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}")
    sent = (sa.select(MailMessage.invitation_id, sa.func.min(MailMessage.sent_at).label("at"))
            .where(MailMessage.survey_id == survey.id, MailMessage.status == "sent")
            .group_by(MailMessage.invitation_id).subquery())
    started = (sa.select(Response.invitation_id, sa.func.min(Response.started_at).label("at"))
               .where(Response.survey_id == survey.id, Response.invitation_id.is_not(None),
                      Response.is_test.is_(sa.false()))
               .group_by(Response.invitation_id).subquery())
    query = (sa.select(Invitation.email, Invitation.name, Invitation.external_ref, Invitation.opened_at,
                       Invitation.used_at, Unit.code, sent.c.at.label("sent_at"), started.c.at.label("started_at"))
             .outerjoin(Unit, Unit.id == Invitation.unit_id)
             .outerjoin(sent, sent.c.invitation_id == Invitation.id)
             .outerjoin(started, started.c.invitation_id == Invitation.id)
             .where(Invitation.survey_id == survey.id).order_by(Invitation.id))
    if unit is not None:
        query = query.where(Invitation.unit_id.in_(_subtree(survey, unit)))
    rows = []
    for row in db.session.execute(query):
        reached = ("completed" if row.used_at is not None else "started" if row.started_at is not None
                   else "opened" if row.opened_at is not None else "sent" if row.sent_at is not None else "invited")
        if status is not None and reached != status:
            continue
        rows.append(InviteeStatus(row.email or "", row.name or "", row.external_ref or "", row.code or "", reached,
                                  *(None if at is None else as_utc(at)
                                    for at in (row.sent_at, row.opened_at, row.started_at, row.used_at))))
    return rows


def _subtree(survey: Survey, code: str) -> list[int]:
    """Ids of unit ``code`` and the units below it; ValueError for a unit the survey lacks."""
    units = db.session.execute(sa.select(Unit.id, Unit.code, Unit.parent_id).filter_by(survey_id=survey.id)).all()
    root = next((row.id for row in units if row.code == code), None)
    if root is None:
        raise TranslatableError(N_("unit %(unit)s is not part of survey %(survey)s"), unit=Quoted(code),
                                survey=Quoted(survey.slug))
    below = children_of({row.id: row.parent_id for row in units})
    found, todo = [], [root]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += below.get(current, [])
    return found


def status_counts(survey: Survey) -> dict[str, int]:
    """How many invitees of an identified survey reached each status (as their furthest step)."""
    counts = dict.fromkeys(STATUSES, 0)
    for invitee in invitee_statuses(survey):
        counts[invitee.status] += 1
    return counts


@dataclass(frozen=True)
class InviteeCounts:
    """Counts of a survey's invitees that name nobody and move with no single anonymous answer."""

    invited: int
    #: invitees whose invitation or a reminder was sent
    sent: int
    #: invitees with a message given up (a 5xx reply, too many attempts)
    failed: int
    unsubscribed: int
    #: complete responses as the disclosure gate shows them (None: fewer than k released so far)
    completed: int | None
    #: the survey's minimum group size
    k: int


def invitee_counts(survey: Survey) -> InviteeCounts:
    """The counts of the survey's invitees and its complete responses as the disclosure gate shows them (all an
    anonymous survey tells)."""
    def invitees(*conditions: sa.ColumnElement[bool]) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)
                                 .where(Invitation.survey_id == survey.id, *conditions)) or 0

    def mailed(state: str) -> int:
        return invitees(sa.exists(sa.select(MailMessage.id).where(MailMessage.invitation_id == Invitation.id,
                                                                   MailMessage.status == state)))

    gate = open_gate(survey)
    return InviteeCounts(invited=invitees(), sent=mailed("sent"), failed=mailed("failed"),
                           unsubscribed=invitees(Invitation.unsubscribed_at.is_not(None)),
                           completed=gate.total, k=gate.k)
