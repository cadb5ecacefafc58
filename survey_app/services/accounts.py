"""Logging in (with lock-out after repeated failures) and who may see which survey."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Survey, SurveyAccess, User
from survey_app.models.types import as_utc

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


def authenticate(email: str, password: str, *, now: datetime | None = None) -> User | None:
    """The account for these credentials, or None; the 5th failure in a row locks it for 15 minutes."""
    now = now or datetime.now(UTC)
    user = db.session.scalar(sa.select(User).filter_by(email=email.strip().lower()))
    if user is None or not user.active:
        return None
    if user.locked_until is not None and as_utc(user.locked_until) > now:
        return None
    if not user.check_password(password):
        _count_failure(user, now)
        return None
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
    return user


def _count_failure(user: User, now: datetime) -> None:
    """One more failed attempt, counted in one statement: attempts at the same moment (several app processes,
    threads) each add one, and the one that reaches the limit locks the account and starts the count again."""
    reached = User.failed_logins + 1 >= MAX_FAILED_LOGINS
    db.session.execute(
        sa.update(User).where(User.id == user.id).values(
            failed_logins=sa.case((reached, 0), else_=User.failed_logins + 1),
            locked_until=sa.case((reached, now + LOCKOUT), else_=User.locked_until),
        ).execution_options(synchronize_session=False))
    db.session.refresh(user, ["failed_logins", "locked_until"])


def visible_surveys_query(user: User) -> sa.Select:
    """Surveys ``user`` may see: every survey for admins, else those they created or that were shared."""
    query = sa.select(Survey).order_by(Survey.created_at.desc(), Survey.id.desc())
    if user.role == "admin":
        return query
    shared = sa.select(SurveyAccess.survey_id).filter_by(user_id=user.id)
    return query.where(sa.or_(Survey.created_by_id == user.id, Survey.id.in_(shared)))


def may_see(user: User, survey: Survey) -> bool:
    """Whether ``user`` may see ``survey`` (its answers, exports and reports)."""
    if user.role == "admin" or survey.created_by_id == user.id:
        return True
    return db.session.scalar(
        sa.select(SurveyAccess.id).filter_by(user_id=user.id, survey_id=survey.id)
    ) is not None


def may_manage(user: User, survey: Survey) -> bool:
    """Whether ``user`` may share ``survey`` and say where its participants' data is sent: its creator or an admin
    (an account the survey is shared with works on it but does not hand its data on)."""
    return user.role == "admin" or survey.created_by_id == user.id


def share_survey(survey: Survey, user: User) -> None:
    """Let ``user`` see ``survey``."""
    if not may_see(user, survey):
        db.session.add(SurveyAccess(survey_id=survey.id, user_id=user.id))
        db.session.flush()
