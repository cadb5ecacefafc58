"""Sending right after the console queued, in a thread of the app process, so that a lone ``make run`` delivers
(to the outbox) without a scheduler or a cron job running ``flask mail send``."""

from __future__ import annotations

import logging
import threading

from flask import Flask

from survey_app.extensions import db
from survey_app.services.mail.delivery import send_queued

#: one sender per process: a second click while it runs adds rows the running loop picks up
_running = threading.Lock()
log = logging.getLogger(__name__)


def send_in_background(app: Flask) -> threading.Thread | None:
    """Start a thread that sends what is due; None when one is running already or this is switched off."""
    if not app.config["MAIL_SEND_IN_BACKGROUND"] or not _running.acquire(blocking=False):
        return None

    def run() -> None:
        try:
            with app.app_context():
                try:
                    result = send_queued()
                    log.info("mail sent in the background: %s", result)
                except Exception:
                    db.session.rollback()
                    log.exception("sending mail in the background failed; `flask mail send` tries again")
        finally:
            _running.release()

    thread = threading.Thread(target=run, name="mail-sender", daemon=True)
    thread.start()
    return thread
