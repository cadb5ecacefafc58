"""Deleting a response, a survey with all its data, or an account, keeping every reference valid.

Rows are removed explicitly, each table's referencing rows first, by following the ``ON DELETE`` rule each foreign
key declares (``CASCADE``: delete them too; ``SET NULL``: clear the reference): the same result as the database's
own cascades (PostgreSQL always enforces them, SQLite with ``PRAGMA foreign_keys=ON``, which the app sets), without
relying on them, and a foreign key declared without a rule stops the deletion instead of failing half-way.
Histories kept append-only by the console (case and action histories) go with what they are the history of; the
audit log holds plain numbers, not foreign keys, and keeps its entries. Services flush only; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.messages import N_, TranslatableError
from survey_app.models import Response, Survey, User, WebhookDelivery
from survey_app.services.accounts import share_survey
from survey_app.services.derived import purge_derived


def _referencing(table: sa.Table) -> list[sa.ForeignKey]:
    """Every foreign key of the schema that points at ``table``."""
    return [fk for other in db.metadata.sorted_tables for fk in other.foreign_keys if fk.column.table is table]


def _execute(statement: sa.Executable) -> int:
    return db.session.execute(statement, execution_options={"synchronize_session": False}).rowcount


def remove_rows(table: sa.Table, where: sa.ColumnElement[bool]) -> int:
    """Delete ``table``'s rows that match ``where`` after applying each referencing foreign key's ON DELETE rule
    to the rows that point at them; returns the number of ``table``'s rows deleted."""
    for fk in _referencing(table):
        column, rule = fk.parent, (fk.ondelete or "").upper()
        targets = sa.select(fk.column).where(where)
        if column.table is table:  # a table that points at itself: take the rows by value, one level at a time
            targets = db.session.scalars(targets).all()
            if not targets:
                continue
        if rule == "SET NULL":
            _execute(sa.update(column.table).where(column.in_(targets)).values({column.name: None}))
        elif rule == "CASCADE":
            remove_rows(column.table, column.in_(targets))
        else:
            raise ValueError(f"{column.table.name}.{column.name} refers to {table.name} without an ON DELETE rule")
    return _execute(sa.delete(table).where(where))


@dataclass(frozen=True)
class ResponseDeleted:
    """What deleting a response removed besides it."""

    cases: int
    webhook_deliveries: int
    report_jobs: int


def _mentions(payload: dict[str, Any], response_id: int) -> bool:
    """Whether a webhook delivery's payload carries the response (response.completed) or a case of it."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict):  # not an event of ours (nothing of a response in it)
        return False
    response, case = data.get("response"), data.get("case")
    return ((isinstance(response, dict) and response.get("id") == response_id)
            or (isinstance(case, dict) and case.get("response_id") == response_id))


def delete_response(response: Response) -> ResponseDeleted:
    """Delete one response of an identified survey with its cases, the webhook deliveries that carried it and
    the survey's cached reports. An anonymous survey's responses cannot be singled out: TranslatableError."""
    survey = db.session.get(Survey, response.survey_id)
    if survey.anonymous:
        raise TranslatableError(N_("the responses of an anonymous survey cannot be found one by one: none can be "
                                   "deleted"))
    deliveries = [delivery.id for delivery in db.session.scalars(
        sa.select(WebhookDelivery).where(WebhookDelivery.survey_id == survey.id)) if _mentions(delivery.payload,
                                                                                               response.id)]
    sent = remove_rows(WebhookDelivery.__table__, WebhookDelivery.id.in_(deliveries)) if deliveries else 0
    from survey_app.models import AlertCase

    cases = db.session.scalar(sa.select(sa.func.count(AlertCase.id)).where(AlertCase.response_id == response.id))
    remove_rows(Response.__table__, Response.id == response.id)
    derived = purge_derived(survey)
    db.session.expire_all()
    return ResponseDeleted(cases=cases or 0, webhook_deliveries=sent, report_jobs=derived.report_jobs)


def delete_survey(survey: Survey) -> int:
    """Delete a survey with everything of it (responses, invitations, cases, mail, deliveries, jobs, reports,
    outbox files) and its recovery follow-up survey; returns the number of responses deleted."""
    from survey_app.scheduler.models import ScheduledJob

    responses = db.session.scalar(sa.select(sa.func.count(Response.id)).where(Response.survey_id == survey.id))
    for followup in db.session.scalars(sa.select(Survey).where(Survey.followup_of_id == survey.id)).all():
        responses += delete_survey(followup)
    purge_derived(survey)
    # its waiting jobs (reminders, invitations): their keys name the survey
    _execute(sa.delete(ScheduledJob).where(ScheduledJob.key.like(f"survey:{survey.id}:%")))
    db.session.expire_all()
    remove_rows(Survey.__table__, Survey.id == survey.id)
    db.session.flush()
    return responses or 0


def owned_counts() -> dict[int, int]:
    """How many surveys each account owns, by account id (accounts without any are left out)."""
    return dict(db.session.execute(sa.select(Survey.created_by_id, sa.func.count(Survey.id))
                                   .where(Survey.created_by_id.is_not(None)).group_by(Survey.created_by_id)).all())


def owned_surveys(user: User) -> list[Survey]:
    """The surveys the account created (it owns them)."""
    return list(db.session.scalars(sa.select(Survey).where(Survey.created_by_id == user.id).order_by(Survey.id)))


def delete_account(user: User, *, acting: User, successor: User | None = None) -> int:
    """Delete an account, handing its surveys to ``successor`` (who is given access to them); returns the number
    handed over. Refused (TranslatableError): one's own account, the last active administrator, and an account
    that owns surveys when no other active account takes them."""
    if user.id == acting.id:
        raise TranslatableError(N_("you cannot delete your own account"))
    if user.role == "admin" and user.active:
        admins = db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == "admin", User.active))
        if admins <= 1:
            raise TranslatableError(N_("the last administrator cannot be deleted"))
    owned = owned_surveys(user)
    if owned and (successor is None or successor.id == user.id or not successor.active):
        raise TranslatableError(N_("the account owns %(count)s surveys: choose an active account to take them over"),
                                count=len(owned))
    for survey in owned:
        survey.created_by_id = successor.id
        share_survey(survey, successor)
    db.session.flush()
    db.session.expire_all()
    remove_rows(User.__table__, User.id == user.id)
    db.session.flush()
    return len(owned)
