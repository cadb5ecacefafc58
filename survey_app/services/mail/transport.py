"""Where messages go: an SMTP server named by ``SMTP_URL``, or a local Maildir outbox when there is none."""

from __future__ import annotations

import mailbox
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

#: seconds an SMTP conversation may stall
SMTP_TIMEOUT = 30
SCHEMES = ("smtp", "smtps")


class DeliveryError(Exception):
    """A message not delivered; ``permanent`` for a 5xx reply (give up), else worth trying again later."""

    def __init__(self, reply: str, *, permanent: bool) -> None:
        super().__init__(reply)
        self.reply = reply[:1000]
        self.permanent = permanent


class Transport(Protocol):
    def send(self, message: EmailMessage, *, folder: str) -> None:
        """Deliver ``message``; ``folder`` names the survey (the outbox keeps a folder per survey)."""

    def close(self) -> None:
        """End the connection, if any."""


class SmtpTransport:
    """smtp:// (STARTTLS when the server offers it) or smtps:// (TLS from the start), user:password login."""

    def __init__(self, url: str, *, context: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise ValueError(f"SMTP_URL must look like smtp://user:password@host:port (or smtps://), got scheme "
                             f"{parts.scheme!r}; one of {SCHEMES}")
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.tls else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password or "")
        self.context = context or ssl.create_default_context()
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self.tls:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT, context=self.context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)
        smtp.ehlo()
        if not self.tls and smtp.has_extn("starttls"):
            smtp.starttls(context=self.context)
            smtp.ehlo()
        if self.user:
            smtp.login(self.user, self.password)
        return smtp

    def send(self, message: EmailMessage, *, folder: str) -> None:
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise self._failed(code, reply) from None
        except smtplib.SMTPResponseException as exc:
            raise self._failed(exc.smtp_code, exc.smtp_error) from None
        except (smtplib.SMTPException, OSError) as exc:  # dropped connection, refused, timed out: try again later
            self.close()
            raise DeliveryError(f"connection failed: {exc or type(exc).__name__}", permanent=False) from None

    def _failed(self, code: int, reply: bytes | str) -> DeliveryError:
        # after a refusal the conversation may be in any state: start the next message on a new connection
        self.close()
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        return DeliveryError(f"{code} {text}", permanent=500 <= code < 600)

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


class MaildirTransport:
    """The local outbox: a Maildir with a folder per survey (``mailbox.Maildir``), shown in the console."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def send(self, message: EmailMessage, *, folder: str) -> None:
        outbox_folder(self.root, folder).add(message)

    def close(self) -> None:
        """Nothing to close: every message is its own file."""


def outbox_folder(root: Path, folder: str) -> mailbox.Maildir:
    """The Maildir++ folder ``.<folder>`` of the outbox at ``root``, made when missing. Made with ``exist_ok``:
    ``mailbox``'s own ``create``/``add_folder`` fail when two senders (threads, processes) make it at once."""
    path = root / f".{folder}"
    for box in (root, path):
        for part in ("tmp", "new", "cur"):
            (box / part).mkdir(mode=0o700, parents=True, exist_ok=True)
    (path / "maildirfolder").touch(exist_ok=True)  # marks a Maildir++ subfolder
    return mailbox.Maildir(path, create=False)


def transport_for(smtp_url: str | None, outbox: Path) -> Transport:
    """SMTP when ``smtp_url`` is set, else the Maildir outbox at ``outbox``."""
    return SmtpTransport(smtp_url) if smtp_url else MaildirTransport(outbox)
