"""Personal invitation links: one token, one response."""

from __future__ import annotations

import hmac

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, Survey, Unit
from survey_app.services.tokens import new_token, token_hash


def create_invitations(
    survey: Survey, refs: list[str | None], *, unit_code: str | None = None
) -> list[tuple[Invitation, str]]:
    """Create one invitation per reference; returns (invitation, token) pairs - the token is shown only now."""
    unit_id = None
    if unit_code is not None:
        unit_id = db.session.scalar(sa.select(Unit.id).filter_by(survey_id=survey.id, code=unit_code))
        if unit_id is None:
            raise ValueError(f"unit {unit_code!r} is not part of survey {survey.slug!r}")
    created = []
    for ref in refs:
        token = new_token()
        invitation = Invitation(
            survey_id=survey.id,
            token_hash=token_hash(token),
            external_ref=None if survey.anonymous else ref,
            unit_id=unit_id,
        )
        db.session.add(invitation)
        created.append((invitation, token))
    db.session.flush()
    return created


def find_invitation(survey: Survey, token: str) -> Invitation | None:
    """The survey's invitation for ``token``, or None (unknown token or another survey's)."""
    if not token or len(token) > 128:
        return None
    digest = token_hash(token)
    invitation = db.session.scalar(sa.select(Invitation).filter_by(token_hash=digest))
    if invitation is None or invitation.survey_id != survey.id:
        return None
    # the lookup is by hash; compare again in constant time so no timing tells how much of a hash matched
    return invitation if hmac.compare_digest(invitation.token_hash, digest) else None
