"""Action plans: actions planned from a wave's report, per driver and unit, followed to done (docs/actions.md).

Who may plan and change them: every account that may see the survey (its creator, accounts it is shared with,
administrators). An action's owner must be such an account too. Every change is written to the action's
append-only history and announced through :func:`survey_app.services.action_events.action_changed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.messages import N_, Quoted, TranslatableError
from survey_app.models import Action, ActionEvent, Survey, Unit, User
from survey_app.models.actions import ACTION_STATUSES
from survey_app.services.accounts import may_see
from survey_app.services.action_events import action_changed
from survey_app.services.surveys import instrument_of
from survey_app.text_checks import checked_text

MAX_TITLE = 200
MAX_NOTES = 5000
#: statuses of an action that is over: it is never overdue
CLOSED = ("done", "dropped")


def drivers_of(survey: Survey) -> list[str]:
    """The codes an action may name as its driver: the questionnaire's constructs, then its numeric items."""
    instrument = instrument_of(survey)
    items = [item.code for item in instrument.items if instrument.scale_of(item).is_numeric()]
    return [*instrument.constructs, *[code for code in items if code not in instrument.constructs]]


def _record(action: Action, kind: str, now: datetime, by: User | None, *, old: str | None = None,
            new: str | None = None, note: str | None = None) -> ActionEvent:
    entry = ActionEvent(action_id=action.id, at=now, user_id=by.id if by else None, kind=kind, old=old, new=new,
                        note=note)
    db.session.add(entry)
    action.updated_at = now
    db.session.flush()
    action_changed(action, now)
    return entry


def _owner(survey: Survey, owner: User | None) -> User:
    if owner is None:
        raise TranslatableError(N_("choose the action's owner from the list"))
    if not owner.active or not may_see(owner, survey):
        raise TranslatableError(N_("%(email)s may not see this survey: share it with them first"),
                                email=Quoted(owner.email))
    return owner


def _title(text: str) -> str:
    text = " ".join(checked_text(text or "", "title").split())
    if not text:
        raise TranslatableError(N_("give the action a title"))
    if len(text) > MAX_TITLE:
        raise TranslatableError(N_("a title has at most %(n)s characters"), n=MAX_TITLE)
    return text


def _notes(text: str) -> str:
    text = checked_text(text or "", "notes").strip()
    if len(text) > MAX_NOTES:
        raise TranslatableError(N_("notes have at most %(n)s characters"), n=MAX_NOTES)
    return text


def create_action(survey: Survey, *, driver: str, unit_code: str | None, title: str, owner: User | None,
                  due_on: date | None, notes: str, by: User, now: datetime) -> Action:
    """A new planned action of ``survey`` on ``driver`` in unit ``unit_code`` (None: the whole survey)."""
    if driver not in drivers_of(survey):
        raise TranslatableError(N_("%(driver)s is not a question or construct of this survey"),
                                driver=Quoted(driver))
    unit = None
    if unit_code:
        unit = db.session.scalar(sa.select(Unit).filter_by(survey_id=survey.id, code=unit_code))
        if unit is None:
            raise TranslatableError(N_("%(unit)s is not a unit of this survey"), unit=Quoted(unit_code))
    action = Action(survey_id=survey.id, unit_id=unit.id if unit else None, driver=driver, title=_title(title),
                    owner_id=_owner(survey, owner).id, due_on=due_on, status="planned", notes=_notes(notes),
                    created_at=now, created_by_id=by.id, updated_at=now)
    db.session.add(action)
    db.session.flush()
    _record(action, "created", now, by, new=action.title, note=action.notes or None)
    return action


def change_status(action: Action, status: str, by: User, now: datetime) -> ActionEvent:
    """Move the action to ``status`` (models.actions.ACTION_STATUSES)."""
    if status not in ACTION_STATUSES:
        raise TranslatableError(N_("the status must be one of %(statuses)s"), statuses=", ".join(ACTION_STATUSES))
    if status == action.status:
        raise TranslatableError(N_("the action is %(status)s already"), status=status)
    old, action.status = action.status, status
    return _record(action, "status", now, by, old=old, new=status)


def change_notes(action: Action, text: str, by: User, now: datetime) -> ActionEvent:
    """Replace the action's notes; the history keeps every version."""
    text = _notes(text)
    if text == action.notes:
        raise TranslatableError(N_("the notes are unchanged"))
    action.notes = text
    return _record(action, "note", now, by, note=text)


def is_overdue(action: Action, today: date) -> bool:
    """Whether the action is past its due date and neither done nor dropped."""
    return action.status not in CLOSED and action.due_on is not None and action.due_on < today


@dataclass(frozen=True)
class ActionFilter:
    """What the action plan lists: a unit code, a status, an owner id, only overdue ones."""

    unit: str | None = None
    status: str | None = None
    owner_id: int | None = None
    overdue: bool = False


def list_actions(survey: Survey, chosen: ActionFilter, today: date) -> list[Action]:
    """The survey's actions that ``chosen`` selects, by due date (none last), then as created."""
    query = sa.select(Action).where(Action.survey_id == survey.id)
    if chosen.status in ACTION_STATUSES:
        query = query.where(Action.status == chosen.status)
    if chosen.unit == "-":
        query = query.where(Action.unit_id.is_(None))
    elif chosen.unit:
        query = query.join(Unit, Unit.id == Action.unit_id).where(Unit.code == chosen.unit)
    if chosen.owner_id is not None:
        query = query.where(Action.owner_id == chosen.owner_id)
    if chosen.overdue:
        query = query.where(Action.status.not_in(CLOSED), Action.due_on < today)
    order = (sa.case((Action.due_on.is_(None), 1), else_=0), Action.due_on, Action.id)
    return list(db.session.scalars(query.order_by(*order)))


def history(action: Action) -> list[ActionEvent]:
    """The action's history in the order it was written."""
    return list(db.session.scalars(sa.select(ActionEvent).filter_by(action_id=action.id).order_by(ActionEvent.id)))


def actions_of(survey: Survey) -> list[Action]:
    """Every action planned from ``survey``, as created."""
    return list(db.session.scalars(sa.select(Action).filter_by(survey_id=survey.id).order_by(Action.id)))
