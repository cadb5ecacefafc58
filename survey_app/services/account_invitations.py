"""Colleagues invited to the console by email: the account is made when they accept, with the password they choose
(so nobody else ever knows it, and an invitation never accepted leaves no account behind)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from survey_app.extensions import db
from survey_app.messages import N_, Listing, Quoted, Term, TranslatableError
from survey_app.models import AccountLink, User
from survey_app.models.types import as_utc, utcnow
from survey_app.models.user import ROLES
from survey_app.services.account_links import claim, find, issue
from survey_app.services.console_sessions import check_new_password
from survey_app.services.users import create_user

#: how long an invitation link works
INVITATION_LIFETIME = timedelta(days=7)


def invite(email: str, role: str, *, invited_by: User, now: datetime | None = None) -> tuple[AccountLink, str]:
    """An invitation for ``email`` to join as ``role``, with its token; refused for an address that has an account.
    Earlier invitations to the address keep working until :func:`replace_earlier` (once this one was sent)."""
    now = now or utcnow()
    email = email.strip().lower()
    if "@" not in email:
        raise TranslatableError(N_("%(email)s is not an email address"), email=Quoted(email))
    if role not in ROLES:
        raise TranslatableError(N_("role must be one of %(roles)s"), roles=Listing.of(map(Term, ROLES)))
    existing = db.session.scalar(sa.select(User).filter_by(email=email))
    if existing is not None and not existing.active:
        raise TranslatableError(N_("%(email)s already has an account, deactivated: reactivate it in the list of "
                                   "accounts instead of inviting"), email=email)
    if existing is not None:
        raise TranslatableError(N_("an account for %(email)s already exists"), email=email)
    return issue("invitation", email, lifetime=INVITATION_LIFETIME, now=now, role=role, invited_by_id=invited_by.id)


def replace_earlier(link: AccountLink) -> int:
    """Withdraw the other invitations to the address of ``link`` not accepted yet; returns how many."""
    return db.session.execute(sa.delete(AccountLink).where(
        AccountLink.kind == "invitation", AccountLink.email == link.email, AccountLink.used_at.is_(None),
        AccountLink.id != link.id)).rowcount


def pending_invitations(*, now: datetime | None = None) -> list[dict]:
    """Invitations not accepted yet, newest first: id, email, role, who sent it, when it expires and whether it has."""
    now = now or utcnow()
    inviter = aliased(User)
    rows = db.session.execute(
        sa.select(AccountLink, inviter.email).outerjoin(inviter, inviter.id == AccountLink.invited_by_id)
        .where(AccountLink.kind == "invitation", AccountLink.used_at.is_(None))
        .order_by(AccountLink.created_at.desc(), AccountLink.id.desc())).all()
    return [{"id": link.id, "email": link.email, "role": link.role, "invited_by": by or "",
             "expires_at": as_utc(link.expires_at), "expired": as_utc(link.expires_at) <= now} for link, by in rows]


def revoke_invitation(link_id: int) -> bool:
    """Withdraw an invitation not accepted yet (its link stops working); False when there is none."""
    return db.session.execute(sa.delete(AccountLink).where(
        AccountLink.id == link_id, AccountLink.kind == "invitation", AccountLink.used_at.is_(None))).rowcount == 1


def invitation_link(token: str, *, now: datetime | None = None) -> AccountLink:
    """The usable invitation with ``token``; LinkRefused says why it cannot be used."""
    return find("invitation", token, now=now or utcnow())


def accept_invitation(token: str, password: str, *, now: datetime | None = None) -> User:
    """Make the invited account with the password its holder chose; the invitation is used up. LinkRefused for a
    link that cannot be used; ValueError when the password is too short or the address has an account by now (the
    caller rolls back, so the link stays usable)."""
    now = now or utcnow()
    link = invitation_link(token, now=now)
    check_new_password(password)
    claim(link, now=now)
    user, _ = create_user(link.email, password, role=link.role or "manager")
    link.user_id = user.id
    db.session.flush()
    return user
