"""Cases: opened by an alert, owned, assigned, followed up to resolution, with an append-only history.

Who is responsible: the owners of the respondent's unit (``Unit.owners``), else of the nearest unit above it with
owners, else the survey's creator. The case's account is the first of those addresses that belongs to an active
account allowed to see the survey, else the survey's creator. Priority: the rule's, then the invitee's ``tier``
(platinum, gold, silver, bronze), then their lifetime ``value`` (docs/alerts.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.messages import N_, Quoted, TranslatableError
from survey_app.models import AlertCase, AlertRule, CaseEvent, Invitation, Response, Survey, Unit, User
from survey_app.models.alerts import CASE_STATUSES, PRIORITIES
from survey_app.models.types import as_utc
from survey_app.scheduler.jobs import cancel, register, schedule
from survey_app.services.accounts import may_see
from survey_app.services.case_events import announce
from survey_app.services.owners import owner_account, responsible
from survey_app.text_checks import checked_text

#: customer tiers, most valuable first (an invitee's ``tier`` attribute; anything else sorts after bronze)
TIERS = ("platinum", "gold", "silver", "bronze")
#: the invitee attributes read as the customer's lifetime value, first found wins
VALUE_ATTRIBUTES = ("value", "lifetime_value", "clv")
#: the scheduler's job kind of the overdue notice
OVERDUE_KIND = "case_overdue"
MAX_NOTE = 5000


# -- priority ---------------------------------------------------------------------------------------------------
def rank(priority: str, tier: str | None) -> int:
    """The case list's sort key: the rule's priority first, then the customer's tier (smaller comes first)."""
    tier_place = TIERS.index(tier) if tier in TIERS else len(TIERS)
    return PRIORITIES.index(priority) * (len(TIERS) + 1) + tier_place


def customer_of(response: Response) -> tuple[str | None, float | None]:
    """The invitee's tier and lifetime value from the participants upload (identified surveys only)."""
    if response.invitation_id is None:
        return None, None
    invitation = db.session.get(Invitation, response.invitation_id)
    attributes = {str(k).lower(): v for k, v in ((invitation.attributes if invitation else None) or {}).items()}
    tier = str(attributes.get("tier") or "").strip().lower() or None
    value = None
    for name in VALUE_ATTRIBUTES:
        try:
            value = float(str(attributes[name]).replace(",", ""))
            break
        except (KeyError, ValueError):
            continue
    return (tier[:32] if tier else None), value


# -- the life of a case ----------------------------------------------------------------------------------------
def _record(case: AlertCase, kind: str, now: datetime, *, user: User | None = None, old: str | None = None,
            new: str | None = None, note: str | None = None) -> CaseEvent:
    entry = CaseEvent(case_id=case.id, at=now, user_id=user.id if user else None, kind=kind, old=old, new=new,
                      note=note)
    db.session.add(entry)
    db.session.flush()
    announce(case, entry, now)
    return entry


def overdue_key(case_id: int) -> str:
    return f"case:{case_id}:overdue"


def open_case(survey: Survey, response: Response, rule: AlertRule, now: datetime) -> AlertCase | None:
    """The case of ``rule`` meeting ``response``; None when that rule opened one for it already. Flushes only."""
    if survey.anonymous:
        return None
    if db.session.scalar(sa.select(AlertCase.id).filter_by(rule_id=rule.id, response_id=response.id)) is not None:
        return None
    notified = responsible(survey, response.unit_id)
    owner = owner_account(survey, notified)
    tier, value = customer_of(response)
    case = AlertCase(survey_id=survey.id, response_id=response.id, rule_id=rule.id, rule_name=rule.name,
                     unit_id=response.unit_id, assignee_id=owner.id if owner else None, notified=notified,
                     priority=rule.priority, tier=tier, value=value, rank=rank(rule.priority, tier), status="new",
                     created_at=now, due_at=now + timedelta(hours=rule.sla_hours))
    db.session.add(case)
    db.session.flush()
    _record(case, "opened", now, new=rule.name)
    schedule(overdue_key(case.id), as_utc(case.due_at), OVERDUE_KIND, {"case_id": case.id})
    return case


def assign(case: AlertCase, assignee: User, by: User, now: datetime) -> CaseEvent:
    """Give the case to ``assignee``, who must be an active account allowed to see its survey. Flushes only."""
    survey = db.session.get(Survey, case.survey_id)
    if not assignee.active or not may_see(assignee, survey):
        raise TranslatableError(N_("%(email)s may not see this survey: share it with them first"),
                                email=Quoted(assignee.email))
    old = db.session.get(User, case.assignee_id) if case.assignee_id else None
    case.assignee_id = assignee.id
    return _record(case, "assigned", now, user=by, old=old.email if old else None, new=assignee.email)


def change_status(case: AlertCase, status: str, by: User, now: datetime) -> CaseEvent:
    """Move the case to ``status``; resolving it cancels the overdue notice, reopening it schedules it again."""
    if status not in CASE_STATUSES:
        raise TranslatableError(N_("the status must be one of %(statuses)s"), statuses=", ".join(CASE_STATUSES))
    if status == case.status:
        raise TranslatableError(N_("the case is %(status)s already"), status=status)
    old, case.status = case.status, status
    if status == "resolved":
        case.resolved_at = now
        cancel(overdue_key(case.id))
    elif old == "resolved":
        case.resolved_at = None
        if case.overdue_notified_at is None:
            schedule(overdue_key(case.id), max(as_utc(case.due_at), now), OVERDUE_KIND, {"case_id": case.id})
    return _record(case, "status", now, user=by, old=old, new=status)


def add_note(case: AlertCase, text: str, by: User, now: datetime) -> CaseEvent:
    """Append a note to the case's history. Flushes only."""
    text = checked_text(text or "", "note").strip()
    if not text:
        raise TranslatableError(N_("write the note first"))
    if len(text) > MAX_NOTE:
        raise TranslatableError(N_("a note has at most %(n)s characters"), n=MAX_NOTE)
    return _record(case, "note", now, user=by, note=text)


def record_followup(case: AlertCase, by: User | None, now: datetime, address: str) -> CaseEvent:
    """Record that the recovery follow-up survey went to ``address`` (services.recovery). Flushes only."""
    return _record(case, "followup", now, user=by, new=address[:320])


def is_overdue(case: AlertCase, now: datetime) -> bool:
    return case.status != "resolved" and as_utc(case.due_at) <= now


@register(OVERDUE_KIND)
def run_overdue(payload: dict, now: datetime) -> None:
    """The overdue job: once per case, record that it is overdue (the subscribers then send the notice)."""
    case = db.session.get(AlertCase, int(payload["case_id"]))
    if case is None or case.overdue_notified_at is not None or not is_overdue(case, now):
        return
    case.overdue_notified_at = now
    _record(case, "overdue", now)


# -- listing -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseFilter:
    """What the case list shows: a status, a unit code, an assignee id, only overdue ones; sorted by priority or
    by due time."""

    status: str | None = None
    unit: str | None = None
    assignee_id: int | None = None
    overdue: bool = False
    sort: str = "priority"


SORTS = ("priority", "due")


def list_cases(survey: Survey, chosen: CaseFilter, now: datetime) -> list[AlertCase]:
    """The survey's cases that ``chosen`` selects, in its order."""
    query = sa.select(AlertCase).where(AlertCase.survey_id == survey.id)
    if chosen.status in CASE_STATUSES:
        query = query.where(AlertCase.status == chosen.status)
    if chosen.unit:
        query = query.join(Unit, Unit.id == AlertCase.unit_id).where(Unit.code == chosen.unit)
    if chosen.assignee_id is not None:
        query = query.where(AlertCase.assignee_id == chosen.assignee_id)
    if chosen.overdue:
        query = query.where(AlertCase.status != "resolved", AlertCase.due_at <= now)
    by_due = (AlertCase.due_at, AlertCase.id)
    by_priority = (AlertCase.rank, sa.case((AlertCase.value.is_(None), 1), else_=0), AlertCase.value.desc())
    order = (*by_due, *by_priority) if chosen.sort == "due" else (*by_priority, *by_due)
    return list(db.session.scalars(query.order_by(*order)))


def history(case: AlertCase) -> list[CaseEvent]:
    """The case's history in the order it was written."""
    return list(db.session.scalars(sa.select(CaseEvent).filter_by(case_id=case.id).order_by(CaseEvent.id)))
