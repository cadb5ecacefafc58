"""Names a survey knows - its invitees', its unit owners' and its console accounts' - for the redaction of
anonymous comments (:func:`analysis.redaction.redact`): "张伟 was rude" names a person without any title."""

from __future__ import annotations

import re

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, Survey, SurveyAccess, Unit, User

# An address's local part that reads as a name: two or more runs of letters joined by . _ or - ("zhang.wei").
_NAME_LIKE = re.compile(r"^[A-Za-z]{2,}(?:[._-][A-Za-z]{2,})+$")


def _from_address(address: str) -> list[str]:
    """The name an address spells ("li.na@x.cn" -> "li.na" and "li na"); none for "hr@x.cn"."""
    local = address.strip().split("@")[0]
    if not _NAME_LIKE.match(local):
        return []
    return [local, re.sub(r"[._-]", " ", local)]


def known_names(survey_id: int) -> tuple[str, ...]:
    """The invitees' names, and the names spelled by the addresses of unit owners and of the accounts that may
    see the survey (its creator, those it is shared with, administrators)."""
    names = set(db.session.scalars(sa.select(Invitation.name).where(Invitation.survey_id == survey_id,
                                                                     Invitation.name.is_not(None))))
    addresses = [a for owners in db.session.scalars(sa.select(Unit.owners).where(
        Unit.survey_id == survey_id, Unit.owners.is_not(None))) for a in owners.split(";")]
    creator = sa.select(Survey.created_by_id).where(Survey.id == survey_id).scalar_subquery()
    shared = sa.select(SurveyAccess.user_id).where(SurveyAccess.survey_id == survey_id)
    addresses += db.session.scalars(sa.select(User.email).where(
        sa.or_(User.role == "admin", User.id == creator, User.id.in_(shared))))
    for address in addresses:
        names.update(_from_address(address))
    return tuple(sorted(name.strip() for name in names if name and name.strip()))
