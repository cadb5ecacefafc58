"""Invitations and reminders by email: composing, queueing, sending (SMTP or a local outbox), unsubscribing."""

from survey_app.services.mail.delivery import SendResult, queue_invitations, queue_reminders, send_queued
from survey_app.services.mail.unsubscribe import unsubscribe, unsubscribe_url, valid_unsubscribe

__all__ = ["SendResult", "queue_invitations", "queue_reminders", "send_queued", "unsubscribe", "unsubscribe_url",
           "valid_unsubscribe"]
