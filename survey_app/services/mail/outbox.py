"""What the console shows of the mail: the delivery status per invitee, a preview, and the local outbox."""

from __future__ import annotations

import email.policy
import mailbox
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from survey_app.extensions import db
from survey_app.models import Invitation, MailMessage, Survey
from survey_app.services.mail.compose import Composed
from survey_app.services.mail.delivery import message_for
from survey_app.services.mail.transport import outbox_folder

#: newest outbox messages listed
OUTBOX_LIST = 50


def delivery_rows(survey: Survey) -> list[dict[str, str | int | None]]:
    """Each invitee with an address: their last email's kind, step, status, attempts and reply (never whether
    they answered: the console shows that only for identified surveys, elsewhere)."""
    last = (sa.select(MailMessage.invitation_id, sa.func.max(MailMessage.id).label("id"))
            .where(MailMessage.survey_id == survey.id, MailMessage.channel == "email")
            .group_by(MailMessage.invitation_id).subquery())
    rows = db.session.execute(
        sa.select(Invitation.email, Invitation.name, Invitation.unsubscribed_at, MailMessage.kind, MailMessage.step,
                  MailMessage.status, MailMessage.attempts, MailMessage.last_error)
        .outerjoin(last, last.c.invitation_id == Invitation.id).outerjoin(MailMessage, MailMessage.id == last.c.id)
        .where(Invitation.survey_id == survey.id, Invitation.email.is_not(None)).order_by(Invitation.id)).all()
    return [{"email": r.email, "name": r.name or "", "unsubscribed": r.unsubscribed_at is not None,
             "kind": r.kind, "step": r.step or "", "status": r.status, "attempts": r.attempts or 0,
             "error": r.last_error or ""} for r in rows]


def delivery_counts(survey: Survey) -> dict[str, int]:
    """Emails by status (the webhook's are counted in the channels section: services.channels.status)."""
    return dict(db.session.execute(sa.select(MailMessage.status, sa.func.count())
                                   .where(MailMessage.survey_id == survey.id, MailMessage.channel == "email")
                                   .group_by(MailMessage.status)).all())


def preview(survey: Survey, kind: str, lang: str) -> Composed | None:
    """The ``kind`` message as the survey's first invitee with an address gets it, written in ``lang``."""
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.survey_id == survey.id,
                                                               Invitation.email.is_not(None))
                                   .order_by(Invitation.id).limit(1))
    if invitation is None:
        return None
    shown = Invitation(id=invitation.id, email=invitation.email, name=invitation.name, unit_id=invitation.unit_id,
                       language=lang, attributes=invitation.attributes)
    return message_for(survey, shown, kind)[0]


def _folder(survey: Survey) -> mailbox.Maildir | None:
    root = Path(current_app.config["MAIL_OUTBOX"])
    if current_app.config["SMTP_URL"] or not root.is_dir():
        return None
    return outbox_folder(root, survey.slug)


def outbox(survey: Survey) -> list[dict[str, str]] | None:
    """The survey's newest messages in the local outbox (None when mail goes to an SMTP server)."""
    folder = _folder(survey)
    if folder is None:
        return None if current_app.config["SMTP_URL"] else []
    listed = []
    for key in folder.iterkeys():
        with folder.get_file(key) as handle:
            headers = email.message_from_binary_file(handle, policy=email.policy.default, _class=EmailMessage)
        listed.append({"key": key, "to": str(headers["To"] or ""), "subject": str(headers["Subject"] or ""),
                       "date": parsedate_to_datetime(headers["Date"]).isoformat(timespec="seconds")
                       if headers["Date"] else ""})
    listed.sort(key=lambda m: (m["date"], m["key"]), reverse=True)
    return listed[:OUTBOX_LIST]


def outbox_message(survey: Survey, key: str) -> dict[str, str] | None:
    """One message of the outbox: its headers and both parts; None when there is no such message."""
    folder = _folder(survey)
    if folder is None or "/" in key or key.startswith("."):
        return None
    try:
        with folder.get_file(key) as handle:
            message = email.message_from_binary_file(handle, policy=email.policy.default, _class=EmailMessage)
    except KeyError:
        return None
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    return {name.lower().replace("-", "_"): str(message[name] or "") for name in
            ("From", "To", "Subject", "Date", "List-Unsubscribe", "List-Unsubscribe-Post")} | {
        "text": text.get_content() if text else "", "html": html.get_content() if html else ""}
