"""Personal invitation links: one token, one response.

A token is stored only as its hash. On an identified survey the token is derived from the invitation's id with
a key of the app's secret (HMAC, :func:`invitation_token`), so its owner can download the links again; on an
anonymous survey it is random and shown once: the reference it was sent to is not stored, so no later list could
pair a link with its person again, and the owner keeps the only such list (the file downloaded when the links
were made).
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from flask import current_app

from survey_app.extensions import db
from survey_app.messages import N_, Quoted, TranslatableError
from survey_app.models import Invitation, Survey, Unit
from survey_app.models.types import utcnow
from survey_app.services.surveys import SurveyRow
from survey_app.services.tokens import new_token, token_hash
from survey_app.services.uploads import UploadError, read_csv_upload
from survey_app.signing import derive_key, signature


def create_invitations(
    survey: Survey, refs: list[str | None], *, unit_code: str | None = None, derived: bool = False
) -> list[tuple[Invitation, str]]:
    """Create one invitation per reference; returns (invitation, token) pairs - the token is shown only now.

    ``derived``: derive the token from the id on an anonymous survey too (invitations the service mails itself,
    see services.participants), so a reminder can carry the same link again.
    """
    unit_id = None
    if unit_code is not None:
        unit_id = db.session.scalar(sa.select(Unit.id).filter_by(survey_id=survey.id, code=unit_code))
        if unit_id is None:
            raise TranslatableError(N_("unit %(unit)s is not part of survey %(survey)s"), unit=Quoted(unit_code),
                                    survey=Quoted(survey.slug))
    created = []
    for ref in refs:
        token = new_token()  # an identified survey's is replaced by the derived one once the id is known
        invitation = Invitation(
            survey_id=survey.id,
            token_hash=token_hash(token),
            external_ref=None if survey.anonymous else ref,
            unit_id=unit_id,
        )
        db.session.add(invitation)
        created.append((invitation, token))
    db.session.flush()
    if derived or not survey.anonymous:
        created = [(invitation, invitation_token(invitation.id)) for invitation, _ in created]
        for invitation, token in created:
            invitation.token_hash = token_hash(token)
        db.session.flush()
    return created


#: what the key deriving an identified survey's invitation tokens is for (see ``signing.derive_key``)
TOKEN_PURPOSE = b"manyi invitation token"


def invitation_token(invitation_id: int, secret: str | bytes | None = None) -> str:
    """The token of an identified survey's invitation: an HMAC of its id under a key of the app's secret."""
    key = derive_key(secret if secret is not None else current_app.secret_key, TOKEN_PURPOSE)
    return signature(key, f"invitation:{invitation_id}".encode())


def personal_links(survey: Survey, base_url: str) -> list[dict[str, str]]:
    """Every personal link of an identified survey again (ref, unit, link); a link made before tokens were derived,
    or under a secret key no longer configured, cannot be made again and is left empty."""
    if survey.anonymous:
        raise TranslatableError(N_("an anonymous survey's personal links are shown once, when they are made"))
    keys = (current_app.secret_key, *(current_app.config.get("SECRET_KEY_FALLBACKS") or ()))
    rows = db.session.execute(
        sa.select(Invitation.id, Invitation.external_ref, Invitation.token_hash, Unit.code)
        .outerjoin(Unit, Unit.id == Invitation.unit_id).where(Invitation.survey_id == survey.id)
        .order_by(Invitation.id)).all()
    out = []
    for row in rows:
        token = next((t for secret in keys if hmac.compare_digest(
            token_hash(t := invitation_token(row.id, secret)), row.token_hash)), None)
        out.append({"ref": row.external_ref or "", "unit": row.code or "",
                    "link": f"{base_url}/s/{survey.slug}/{token}" if token else ""})
    return out


@dataclass(frozen=True)
class InvitationRow:
    """What the respondent pages need of an invitation, read on the page's own connection."""

    id: int
    survey_id: int
    unit_id: int | None
    used_at: datetime | None
    token_hash: str
    #: when the link was first opened (identified surveys; always None on anonymous ones)
    opened_at: datetime | None = None


def find_invitation(connection: sa.Connection, survey: Survey | SurveyRow, token: str) -> InvitationRow | None:
    """The survey's invitation for ``token``, or None (unknown token or another survey's)."""
    if not token or len(token) > 128:
        return None
    digest = token_hash(token)
    row = connection.execute(_invitation_by_hash(), {"token_hash": digest}).first()
    if row is None or row.survey_id != survey.id:
        return None
    invitation = InvitationRow(*row)
    # the lookup is by hash; compare again in constant time so no timing tells how much of a hash matched
    return invitation if hmac.compare_digest(invitation.token_hash, digest) else None


def mark_opened(connection: sa.Connection, survey: Survey | SurveyRow, invitation: InvitationRow,
                now: datetime | None = None) -> bool:
    """Record the first time an identified survey's personal link is opened (its survey page, not a tracking
    pixel); True when this call recorded it. Never on an anonymous survey: when a link was opened, beside the
    batches its answers are released in, could tell who answered."""
    if survey.anonymous or invitation.opened_at is not None:
        return False
    return bool(connection.execute(_invitation_opened(), {"invitation_id": invitation.id,
                                                          "opened_at": now or utcnow()}).rowcount)


@cache
def _invitation_opened() -> sa.Update:
    table = Invitation.__table__
    return sa.update(table).where(table.c.id == sa.bindparam("invitation_id"), table.c.opened_at.is_(None)).values(
        opened_at=sa.bindparam("opened_at"))


def invitation_attributes(connection: sa.Connection, invitation_id: int) -> dict[str, str]:
    """An invitation's attributes from the participants list, by lower-case name (piped into texts, never stored
    with an answer)."""
    table = Invitation.__table__
    raw = connection.execute(sa.select(table.c.attributes).where(table.c.id == invitation_id)).scalar()
    if isinstance(raw, str):  # a driver that hands JSON back as text
        raw = json.loads(raw)
    return {str(name).lower(): "" if value is None else str(value) for name, value in (raw or {}).items()}


def has_invitations(connection: sa.Connection, survey_id: int) -> bool:
    """Whether the survey has personal invitations (an anonymous one then takes answers through them only)."""
    return connection.execute(_any_invitation(), {"survey_id": survey_id}).first() is not None


@cache
def _any_invitation() -> sa.Select:
    table = Invitation.__table__
    return sa.select(table.c.id).where(table.c.survey_id == sa.bindparam("survey_id")).limit(1)


@cache
def _invitation_by_hash() -> sa.Select:
    table = Invitation.__table__
    return sa.select(*(table.c[name] for name in InvitationRow.__dataclass_fields__)).where(
        table.c.token_hash == sa.bindparam("token_hash"))


def invitations_from_csv(survey: Survey, data: bytes, base_url: str) -> list[dict[str, str]]:
    """Create one invitation per CSV row (columns ref, unit); returns rows with each personal link.

    On anonymous surveys the reference is not stored: the returned list is the only place it meets its link.
    """
    rows = read_csv_upload(data, required=("ref",), optional=("unit",))
    units = dict(db.session.execute(sa.select(Unit.code, Unit.id).filter_by(survey_id=survey.id)).all())
    out = []
    for row in rows:
        unit = row.get("unit") or None
        if unit is not None and unit not in units:
            raise UploadError(N_("line %(line)s: unit %(unit)s is not part of survey %(survey)s"), line=row["_line"],
                              unit=Quoted(unit), survey=Quoted(survey.slug))
        [(_, token)] = create_invitations(survey, [row["ref"][:200]], unit_code=unit)
        out.append({"ref": row["ref"], "unit": unit or "", "link": f"{base_url}/s/{survey.slug}/{token}"})
    return out


def reminder_list(survey: Survey) -> list[dict[str, str]]:
    """Invitees of an identified survey who have not answered yet (anonymous surveys have no such list)."""
    if survey.anonymous:
        raise TranslatableError(N_("anonymous surveys keep no link between invitations and answers, so no reminder "
                                   "list"))
    rows = db.session.execute(
        sa.select(Invitation.external_ref, Unit.code, Invitation.created_at)
        .outerjoin(Unit, Unit.id == Invitation.unit_id)
        .where(Invitation.survey_id == survey.id, Invitation.used_at.is_(None))
        .order_by(Invitation.id)
    ).all()
    return [{"ref": ref or "", "unit": unit or "", "invited_on": created.date().isoformat()}
            for ref, unit, created in rows]
