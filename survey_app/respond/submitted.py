"""What this browser has submitted, kept in its own session: Back after the thank-you page, or a link it finished
a response through, shows "already submitted" instead of the questionnaire.

Only the respondent's own browser holds these marks. An anonymous survey's used personal link must look unused to
anybody else who opens it (the survey's owner holds every link), so the mark is never read from the database.
"""

from __future__ import annotations

from flask import session

from survey_app.services.tokens import token_hash

SESSION_KEY = "submitted"
#: the mark of a response finished through the survey's open link
OPEN_LINK = "-"
#: marks kept per survey (personal links answered on this device); the oldest goes first
MAX_MARKS = 10


def _mark(token: str | None) -> str:
    # a personal link's mark is a short digest of its token, never the token itself
    return OPEN_LINK if token is None else token_hash(token)[:16]


def mark_submitted(slug: str, token: str | None) -> None:
    """Remember that this browser finished a response to ``slug`` through ``token`` (None: the open link)."""
    marks = session.get(SESSION_KEY, {})
    kept = [mark for mark in marks.get(slug, []) if mark != _mark(token)]
    session[SESSION_KEY] = {**marks, slug: [*kept, _mark(token)][-MAX_MARKS:]}


def submitted_here(slug: str, token: str | None) -> bool:
    """Whether this browser finished a response to ``slug`` through ``token`` (None: the open link)."""
    return _mark(token) in session.get(SESSION_KEY, {}).get(slug, [])


def forget_open_link(slug: str) -> None:
    """Let this browser answer the open link again (a shared device: the next person's response)."""
    marks = dict(session.get(SESSION_KEY, {}))
    kept = [mark for mark in marks.pop(slug, []) if mark != OPEN_LINK]
    session[SESSION_KEY] = {**marks, slug: kept} if kept else marks
