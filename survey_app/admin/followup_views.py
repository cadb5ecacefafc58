"""What the console's follow-up pages share - cases (admin.alerts) and action plans (admin.actions): the accounts a
thing may be given to, unit labels, times as shown, and applying one change recorded in a history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import flash, redirect
from flask_login import current_user

from survey_app.admin.messages import explain
from survey_app.admin.routes import _lang
from survey_app.extensions import db
from survey_app.models import Survey, SurveyAccess, User
from survey_app.models.types import as_utc, utcnow
from survey_app.services.units import unit_names


def when(moment: datetime | None) -> str:
    """A time as the console shows it (UTC, to the minute); empty for None."""
    return as_utc(moment).strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def assignable_accounts(survey: Survey) -> list[User]:
    """The active accounts allowed to see the survey (a case or an action may be given to them)."""
    shared = sa.select(SurveyAccess.user_id).filter_by(survey_id=survey.id)
    return list(db.session.scalars(sa.select(User).where(User.active.is_(True), sa.or_(
        User.role == "admin", User.id == survey.created_by_id, User.id.in_(shared))).order_by(User.email)))


def unit_labels(survey: Survey) -> dict[int, str]:
    """Each unit's name in the console's language, by id."""
    names = unit_names(survey, _lang())
    return {unit.id: names.get(unit.code, unit.code) for unit in survey.units}


def apply_change(found: Any, change: Callable[[Any, User, datetime], object], *, done: str, back: str) -> Any:
    """Apply ``change(found, account, now)`` (a service that records it in the history) and commit; a ValueError
    is shown and rolled back. Redirects to ``back`` either way."""
    try:
        change(found, current_user._get_current_object(), utcnow())
    except ValueError as exc:
        db.session.rollback()
        flash(explain(exc), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(back)
