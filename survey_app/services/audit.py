"""The audit log: one entry per audited action of the console, the API or the command line (docs/audit.md).

What is audited (``ACTIONS``): viewing a survey's dashboard, downloading an export or a report, creating or
changing a survey (settings, questionnaire, lifecycle), sharing it, creating or changing an account, creating or
revoking an API token, deleting data, serving a person's request (find, export, erase), and signing in to the
console. Each entry says when, which account, which survey and what in it; its ``detail`` holds counts and codes.

Nothing about the respondents of an anonymous survey is ever written: no response id, no invitation token, no
unit of a single response, no answer or comment text - only counts. :func:`record` refuses (ValueError) an entry
of an anonymous survey whose target or detail is anything but a short code or a number, so a caller cannot slip.

The entry is added to the request's transaction (flush only): committed with the action it records, rolled back
with it - an action that failed leaves no entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEntry, Survey, User
from survey_app.models.types import utcnow

#: every audited action, and what it means (the admin audit page names them in the console's language)
ACTIONS = (
    "account.signed_in",   # an account signed in to the console
    "dashboard.viewed",    # a survey's page with its live dashboard
    "export.downloaded",   # responses, personal links, reminder list, participants' status, sent mail
    "report.downloaded",   # a report as PDF or HTML
    "survey.created",      # a new survey or the next wave of one
    "survey.changed",      # settings, questionnaire, units, invitations, alerts, webhooks, mail, lifecycle
    "survey.shared",       # a survey shared with another account
    "account.changed",     # an account created, invited, deactivated or reactivated
    "token.created",       # an API token created
    "token.revoked",       # an API token revoked
    "data.deleted",        # responses, a draft survey, or anything else deleted
    "request.found",       # a person's request: their records looked up
    "request.exported",    # a person's request: their records exported
    "request.erased",      # a person's request: their records erased
)
#: entries on one page of the console's audit log; an export holds at most EXPORT_MAX
PAGE_SIZE, EXPORT_MAX = 50, 100_000
#: the clock of the audit log; tests replace it (``monkeypatch.setattr(audit, "clock", ...)``)
clock: Callable[[], datetime] = utcnow
#: what an anonymous survey's entries may hold as text: a short code (a format, a status, a kind), never free text
CODE = re.compile(r"[A-Za-z0-9_.:+-]{1,64}")
#: detail keys that would describe a respondent; refused on anonymous surveys whatever their value
RESPONDENT_KEYS = frozenset({"response", "response_id", "token", "invitation", "ref", "email", "answer", "comment",
                             "text", "unit_of_response"})


def record(action: str, *, account: User | None, survey: Survey | None = None, target: str | None = None,
           detail: dict[str, Any] | None = None) -> AuditEntry:
    """Add one audit entry to the current transaction (flush only) and return it."""
    if action not in ACTIONS:
        raise ValueError(f"audit action {action!r} is not one of {', '.join(ACTIONS)}")
    detail = dict(detail or {})
    for key, value in detail.items():
        if not isinstance(value, str | int | float | bool | type(None)):
            raise ValueError(f"audit detail {key!r} must be a number, a code or nothing, not {type(value).__name__}")
    if survey is not None and survey.anonymous:
        _check_anonymous(target, detail)
    entry = AuditEntry(at=clock(), account_id=None if account is None else account.id, action=action,
                       survey_id=None if survey is None else survey.id,
                       survey_slug=None if survey is None else survey.slug, target=target, detail=detail)
    db.session.add(entry)
    db.session.flush()
    return entry


def _check_anonymous(target: str | None, detail: dict[str, Any]) -> None:
    """Refuse anything of an anonymous survey's entry that could describe one respondent."""
    if target is not None and (not CODE.fullmatch(target) or target.partition(":")[0] in RESPONDENT_KEYS):
        raise ValueError("an anonymous survey's audit entry names its target by a short code, never a respondent")
    for key, value in detail.items():
        if key in RESPONDENT_KEYS:
            raise ValueError(f"an anonymous survey's audit entry holds nothing about respondents ({key!r})")
        if isinstance(value, str) and not CODE.fullmatch(value):
            raise ValueError(f"an anonymous survey's audit detail {key!r} holds counts and short codes only")


@dataclass(frozen=True)
class AuditFilter:
    """Which entries the audit page shows: by account, survey (link name), action and days (UTC, inclusive)."""

    account_id: int | None = None
    survey: str | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None

    def where(self) -> list[sa.ColumnElement[bool]]:
        """The filter as SQL conditions on :class:`AuditEntry`."""
        conditions = []
        if self.account_id is not None:
            conditions.append(AuditEntry.account_id == self.account_id)
        if self.survey:
            conditions.append(AuditEntry.survey_slug == self.survey)
        if self.action:
            conditions.append(AuditEntry.action == self.action)
        if self.since is not None:
            conditions.append(AuditEntry.at >= datetime.combine(self.since, time.min, UTC))
        if self.until is not None:
            conditions.append(AuditEntry.at < datetime.combine(self.until + timedelta(days=1), time.min, UTC))
        return conditions


def entries(chosen: AuditFilter, *, page: int = 1, per_page: int | None = None) -> tuple[list[AuditEntry], int]:
    """One page (``per_page``, default PAGE_SIZE) of the entries ``chosen`` picks, newest first, and how many there
    are in all."""
    per_page = per_page or PAGE_SIZE

    total = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(*chosen.where())) or 0
    rows = db.session.scalars(sa.select(AuditEntry).where(*chosen.where())
                              .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                              .offset((max(page, 1) - 1) * per_page).limit(per_page)).all()
    return list(rows), total
