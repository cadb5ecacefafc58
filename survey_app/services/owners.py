"""Who is responsible for a unit (``Unit.owners``), and whom an alert about a response goes to.

An alert goes to the owners of the respondent's unit, else of the nearest unit above it with owners, else to the
survey's creator. The case's account is the first of those addresses that is an active account allowed to see
the survey, else the survey's creator (docs/alerts.md).
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.messages import N_, Quoted, TranslatableError
from survey_app.models import Survey, Unit, User
from survey_app.services.accounts import may_see
from survey_app.services.participants import EMAIL, MAX_EMAIL

MAX_OWNERS = 20


def parse_owners(text: str | None) -> list[str]:
    """The addresses of an ``owner`` cell or field: separated by ``;`` (or ``,``), lower-cased, checked."""
    found = []
    for part in re.split(r"[;,；，\s]+", (text or "").strip()):
        if not part:
            continue
        email = part.lower()
        if len(email) > MAX_EMAIL or not EMAIL.match(email):
            raise TranslatableError(N_("%(email)s is not an email address"), email=Quoted(part[:80]))
        found.append(email)
    found = list(dict.fromkeys(found))
    if len(found) > MAX_OWNERS:
        raise TranslatableError(N_("at most %(n)s owners per unit"), n=MAX_OWNERS)
    return found


def set_unit_owners(survey: Survey, code: str, text: str) -> Unit:
    """Set the owners of the survey's unit ``code`` (allowed whenever: owners are not part of the frozen
    hierarchy). Flushes only."""
    unit = db.session.scalar(sa.select(Unit).filter_by(survey_id=survey.id, code=code))
    if unit is None:
        raise TranslatableError(N_("unit %(unit)s is not part of the survey"), unit=Quoted(code))
    owners = parse_owners(text)
    unit.owners = ";".join(owners) or None
    db.session.flush()
    return unit


def responsible(survey: Survey, unit_id: int | None) -> list[str]:
    """The addresses an alert about a response of ``unit_id`` goes to: the unit's owners, else the nearest unit
    above it with owners, else the survey's creator (none when it has none)."""
    seen: set[int] = set()
    while unit_id is not None and unit_id not in seen:
        seen.add(unit_id)
        unit = db.session.get(Unit, unit_id)
        if unit is None or unit.survey_id != survey.id:
            break
        if unit.owners:
            return parse_owners(unit.owners)
        unit_id = unit.parent_id
    creator = db.session.get(User, survey.created_by_id) if survey.created_by_id else None
    return [creator.email] if creator is not None and creator.active else []


def owner_account(survey: Survey, emails: list[str]) -> User | None:
    """The first of ``emails`` that is an active account allowed to see the survey, else its creator."""
    for email in emails:
        user = db.session.scalar(sa.select(User).filter_by(email=email))
        if user is not None and user.active and may_see(user, survey):
            return user
    creator = db.session.get(User, survey.created_by_id) if survey.created_by_id else None
    return creator if creator is not None and creator.active else None
