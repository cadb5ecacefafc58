"""The console's own messages (a password reset link, an invitation to the console) and their sending: right away,
through ``SMTP_URL`` or into the outbox folder :data:`CONSOLE_FOLDER`, not through the survey mail's queue."""

from __future__ import annotations

import email.policy
import logging
import mailbox
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape
from pathlib import Path

from flask import Flask, current_app
from flask_babel import force_locale, gettext

from survey_app.extensions import db
from survey_app.services.mail.transport import transport_for

#: the outbox folder of the console's messages (``accounts`` is a reserved survey slug: no survey has this folder)
CONSOLE_FOLDER = "accounts"
#: the name of the threads :func:`send_in_background` starts
SENDER_THREAD = "account-mail"
#: a Maildir key starts with the delivery time: whole seconds, then "M" and the microseconds
DELIVERED = re.compile(r"(\d+)\.M(\d+)")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Paragraphs:
    """A message as paragraphs, one of which is the link (shown as it is in the text, as a link in the HTML)."""

    subject: str
    before: tuple[str, ...]
    link: str
    after: tuple[str, ...]


def reset_message(*, to: str, link: str, lang: str, minutes: int) -> EmailMessage:
    """The message with the link that sets a new password for the account ``to``, in ``lang``."""
    site = current_app.config["PUBLIC_BASE_URL"]
    with force_locale(lang):
        body = Paragraphs(
            gettext("Set a new password for the Manyi console"),
            (gettext("Somebody, probably you, asked to set a new password for the account %(email)s of the Manyi "
                     "survey console at %(site)s.", email=to, site=site),
             gettext("To choose a new password, open this link within %(minutes)s minutes:", minutes=minutes)),
            link,
            (gettext("The link works once. If you did not ask for a new password, ignore this message: your "
                     "password stays as it is."),))
    return _message(body, to=to, lang=lang)


def invitation_message(*, to: str, link: str, lang: str, role: str, inviter: str, expires: datetime) -> EmailMessage:
    """The invitation to the console for ``to`` (``role`` one of models.user.ROLES), in ``lang``."""
    site = current_app.config["PUBLIC_BASE_URL"]
    with force_locale(lang):
        body = Paragraphs(
            gettext("Invitation to the Manyi survey console"),
            (gettext("%(inviter)s invites you to the Manyi survey console at %(site)s, with the role %(role)s.",
                     inviter=inviter, site=site, role=gettext(role)),
             gettext("To make your account, choose your password at this link:")),
            link,
            (gettext("The link works once, until %(expires)s (UTC). If you did not expect this invitation, ignore "
                     "this message.", expires=expires.strftime("%Y-%m-%d %H:%M")),))
    return _message(body, to=to, lang=lang)


def _message(body: Paragraphs, *, to: str, lang: str) -> EmailMessage:
    """A multipart/alternative message (plain text and HTML) from ``body``."""
    sender = current_app.config["MAIL_FROM"]
    message = EmailMessage()
    message["Subject"] = body.subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(" >") or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n\n".join([*body.before, body.link, *body.after]) + "\n")
    paragraphs = [f"<p>{escape(part)}</p>" for part in body.before]
    paragraphs.append(f'<p><a href="{escape(body.link)}">{escape(body.link)}</a></p>')
    paragraphs += [f"<p>{escape(part)}</p>" for part in body.after]
    message.add_alternative(
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8"><title>{escape(body.subject)}'
        f'</title></head>\n<body>\n' + "\n".join(paragraphs) + "\n</body></html>\n", subtype="html")
    return message


def send_now(message: EmailMessage) -> None:
    """Deliver ``message`` now; DeliveryError when the mail server refuses it or cannot be reached, OSError when
    the outbox cannot be written, ValueError when ``SMTP_URL`` is malformed."""
    config = current_app.config
    transport = transport_for(config["SMTP_URL"], Path(config["MAIL_OUTBOX"]))
    try:
        transport.send(message, folder=CONSOLE_FOLDER)
    finally:
        transport.close()


def in_background(app: Flask, job: Callable[[], object]) -> threading.Thread:
    """Run ``job`` in the app's context in a thread of its own (named :data:`SENDER_THREAD`); a failure is logged,
    and what it wrote to the database is rolled back."""

    def run() -> None:
        with app.app_context():
            try:
                job()
            except Exception:
                db.session.rollback()
                log.exception("a console message could not be sent")

    thread = threading.Thread(target=run, name=SENDER_THREAD, daemon=True)
    thread.start()
    return thread


def console_url(endpoint: str, **values: str) -> str:
    """The public address of a console page (as a message carries it), also outside a request."""
    return current_app.config["PUBLIC_BASE_URL"] + current_app.url_map.bind("localhost").build(endpoint, values)


def outbox_folder_path() -> Path:
    """Where the console's messages land without ``SMTP_URL`` (a Maildir++ folder of the outbox)."""
    return Path(current_app.config["MAIL_OUTBOX"]) / f".{CONSOLE_FOLDER}"


def last_console_message(outbox: Path, *, to: str | None = None) -> EmailMessage | None:
    """The newest console message in the outbox (to ``to`` only, when given); None when there is none."""
    root = mailbox.Maildir(outbox, create=False) if outbox.is_dir() else None
    if root is None or CONSOLE_FOLDER not in root.list_folders():
        return None
    folder = root.get_folder(CONSOLE_FOLDER)
    # newest first by the delivery time in the key (the Date header has whole seconds only)
    for key in sorted(folder.iterkeys(), key=_delivered, reverse=True):
        with folder.get_file(key) as handle:
            message = email.message_from_binary_file(handle, policy=email.policy.default, _class=EmailMessage)
        if to is None or str(message["To"] or "").strip().lower() == to.strip().lower():
            return message
    return None


def _delivered(key: str) -> tuple[int, int, str]:
    found = DELIVERED.match(key)
    return (int(found[1]), int(found[2]), key) if found else (0, 0, key)
