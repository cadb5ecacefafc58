"""The signed one-click unsubscribe link (RFC 8058) and what it does."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from survey_app.extensions import db
from survey_app.models import Invitation, MailMessage
from survey_app.models.types import utcnow
from survey_app.signing import derive_key, signature, signed_by

#: what the key signing unsubscribe links is for (see ``signing.derive_key``)
PURPOSE = b"manyi unsubscribe"


def _message(invitation_id: int) -> bytes:
    return f"unsubscribe:{invitation_id}".encode()


def unsubscribe_url(invitation_id: int) -> str:
    """The invitee's unsubscribe link: their invitation's id and its signature (no login needed)."""
    sig = signature(derive_key(current_app.secret_key, PURPOSE), _message(invitation_id))
    return f"{current_app.config['PUBLIC_BASE_URL']}/unsubscribe/{invitation_id}/{sig}"


def valid_unsubscribe(invitation_id: int, sig: str) -> bool:
    """Whether ``sig`` signs ``invitation_id`` under the secret key or one of its fallbacks."""
    secrets = (current_app.secret_key, *(current_app.config.get("SECRET_KEY_FALLBACKS") or ()))
    return signed_by((derive_key(secret, PURPOSE) for secret in secrets), _message(invitation_id), sig)


def unsubscribe(invitation_id: int) -> bool:
    """No further mail for the invitation's survey: marks it and gives up its queued messages; False if unknown."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        return False
    if invitation.unsubscribed_at is None:
        invitation.unsubscribed_at = utcnow()
    db.session.execute(sa.update(MailMessage).where(MailMessage.invitation_id == invitation_id,
                                                    MailMessage.status == "queued")
                       .values(status="failed", last_error="unsubscribed"))
    db.session.flush()
    return True
