"""The participants list: invitees with an email address, a name, a unit, a language and further attributes.

Each row becomes an invitation whose token is derived from its id (``invitations.invitation_token``), on anonymous
surveys too: the mail service must be able to write the link again for a reminder. An anonymous survey still
stores no link between an invitation and its response (``responses.submit`` forgets it), so knowing who was
invited tells nothing about who answered what.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.messages import N_, Quoted
from survey_app.models import Invitation, Survey, Unit
from survey_app.services.invitations import create_invitations
from survey_app.services.uploads import UploadError, read_table_upload

#: the columns the list knows; any other column is kept as an attribute of the invitee
KNOWN = ("email", "name", "unit", "language")
#: what an address must look like (as the console's account form checks it)
EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+\Z")
#: longest address (RFC 5321: 64 + 1 + 255)
MAX_EMAIL = 320
#: the languages messages are written in
MAIL_LANGUAGES = ("zh", "en")


def import_participants(survey: Survey, data: bytes) -> list[Invitation]:
    """One invitation per row of a CSV or Excel participants list; an address already invited is skipped."""
    rows = read_table_upload(data, required=("email",), optional=KNOWN[1:])
    units = dict(db.session.execute(sa.select(Unit.code, Unit.id).filter_by(survey_id=survey.id)).all())
    known = set(db.session.scalars(sa.select(sa.func.lower(Invitation.email)).where(
        Invitation.survey_id == survey.id, Invitation.email.is_not(None))))
    created = []
    for row in rows:
        email, line = row["email"], row["_line"]
        if len(email) > MAX_EMAIL or not EMAIL.match(email):
            raise UploadError(N_("line %(line)s: %(email)s is not an email address"), line=line, email=Quoted(email))
        unit = row.get("unit") or None
        if unit is not None and unit not in units:
            raise UploadError(N_("line %(line)s: unit %(unit)s is not part of survey %(survey)s"), line=line,
                              unit=Quoted(unit), survey=Quoted(survey.slug))
        language = (row.get("language") or "").lower() or None
        if language is not None and language not in MAIL_LANGUAGES:
            raise UploadError(N_("line %(line)s: the language %(language)s is not one of zh, en"), line=line,
                              language=Quoted(language))
        if email.lower() in known:
            continue
        known.add(email.lower())
        [(invitation, _)] = create_invitations(survey, [email[:200]], unit_code=unit, derived=True)
        invitation.email = email
        invitation.name = (row.get("name") or "")[:200] or None
        invitation.language = language
        invitation.attributes = {k: v for k, v in row.items() if k not in KNOWN and not k.startswith("_")} or None
        created.append(invitation)
    db.session.flush()
    return created
