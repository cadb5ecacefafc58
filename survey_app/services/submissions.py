"""Whole responses submitted in one request by other channels (kiosk, app, call centre), with idempotency keys.

A client sends every answer at once and may retry after a timeout: the ``Idempotency-Key`` it chose finds the
response the first attempt stored, so a retry never counts a respondent twice. Answers are checked page by page
with the same rules as the web form (:func:`survey_app.services.answers.check_items`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from instruments.flow import next_index, page_opens, visible_items
from instruments.schema import Instrument, Scale
from survey_app.extensions import db
from survey_app.models import Response, Survey
from survey_app.models.types import utcnow
from survey_app.services.alerts import queue_alert_check
from survey_app.services.answers import check_items
from survey_app.services.responses import answered_unit, timestamp
from survey_app.services.surveys import check_open, instrument_of
from survey_app.services.tokens import new_token, token_hash

#: channels an API client may name; "web" and "synthetic" belong to the app itself
API_CHANNELS = ("api", "kiosk", "app", "call_centre", "email", "sms", "paper")
#: 1-128 visible ASCII characters (no spaces), like the Idempotency-Key header draft's examples
IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,128}\Z")
BODY_FIELDS = ("answers", "language", "channel")

_PROBLEMS = {
    "not_a_choice": "is not one of the item's answer values",
    "one_answer_only": "takes one answer, not a list",
    "not_a_number": "needs a number",
    "too_long": "is longer than {max} characters",
    "required": "needs an answer",
    "wrong_type": "has a JSON value of the wrong type for its scale",
    "unknown_item": "is not an item of this survey",
    "control_character": "contains a control character (other than tab and newline)",
    "not_text": "contains an unpaired surrogate, which is not text",
}


class SubmissionInvalid(ValueError):
    """The body cannot be stored: ``errors`` maps item codes, ``fields`` body fields, to a problem key."""

    def __init__(self, errors: dict[str, str], fields: dict[str, str] | None = None,
                 details: dict[str, dict[str, Any]] | None = None) -> None:
        self.errors = errors
        self.fields = fields or {}
        self.details = details or {}
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [f"field {name!r}: {problem}" for name, problem in self.fields.items()]
        for code, problem in self.errors.items():
            params = self.details.get(code, {})
            if problem == "out_of_range":
                low, high = params.get("min"), params.get("max")
                text = (f"must be between {low} and {high}" if low is not None and high is not None
                        else f"must be at least {low}" if low is not None else f"must be at most {high}")
            else:
                text = _PROBLEMS.get(problem, problem).format(**params)
            parts.append(f"{code} {text}")
        count = len(self.errors) + len(self.fields)
        return f"{count} problem{'s' if count != 1 else ''} in the submission: " + "; ".join(parts) + "."


class IdempotencyConflict(Exception):
    """The Idempotency-Key was already used for a different submission."""


@dataclass(frozen=True)
class Submission:
    """A checked submission: the values to store (visible items only), language and channel."""

    answers: dict[str, Any] = field(default_factory=dict)
    language: str = "zh"
    channel: str = "api"


def _wrong_type(scale: Scale, value: Any) -> bool:
    """Whether a JSON value cannot be an answer on ``scale`` at all (objects, booleans, nested lists...)."""
    if value is None:
        return False
    if scale.kind == "text":
        return not isinstance(value, str)
    values = value if isinstance(value, list) else [value]
    # bool is an int subclass, but true/false is never a scale value
    return any(isinstance(v, bool) or not isinstance(v, str | int | float) for v in values)


def check_submission(survey: Survey, instrument: Instrument, body: Any, *, channel: str | None = None) -> Submission:
    """Validate a request body against the survey's instrument; raises SubmissionInvalid naming every problem.

    ``channel`` is a channel token's own channel: the body may leave it out or repeat it, nothing else.
    """
    if not isinstance(body, Mapping):
        raise SubmissionInvalid({}, {"body": "not_an_object"})
    fields = {name: "unknown_field" for name in body if name not in BODY_FIELDS}
    raw = body.get("answers")
    if raw is None:
        fields["answers"] = "required"
    elif not isinstance(raw, Mapping):
        fields["answers"] = "not_an_object"
    language = body.get("language", survey.languages[0])
    if not isinstance(language, str) or language not in survey.languages:
        fields["language"] = "not_offered"
    fixed = channel
    channel = body.get("channel", fixed or "api")
    if not isinstance(channel, str) or channel not in API_CHANNELS:
        fields["channel"] = "not_a_channel"
    elif fixed is not None and channel != fixed:
        fields["channel"] = "not_the_tokens_channel"
    if "answers" in fields:
        raise SubmissionInvalid({}, fields)

    known = {item.code: item for item in instrument.items}
    errors: dict[str, str] = {code: "unknown_item" for code in raw if code not in known}
    wrong = {code for code, value in raw.items()
             if code in known and _wrong_type(instrument.scale_of(known[code]), value)}
    usable = {code: value for code, value in raw.items() if code in known and code not in wrong}
    answers: dict[str, Any] = {}
    details: dict[str, dict[str, Any]] = {}
    # page by page along the way the answers take, as the web form does: a condition sees the answers of its own
    # and earlier pages; pages skipped are not asked, so their answers are neither checked nor stored
    index: int | None = 0
    while index is not None:
        page = instrument.pages[index]
        if not page_opens(page, answers):
            index = index + 1 if index + 1 < len(instrument.pages) else None
            continue
        values, page_errors = check_items(instrument, page.items, usable, answers)
        if not visible_items(page, {**answers, **values}):
            index = index + 1 if index + 1 < len(instrument.pages) else None
            continue
        answers.update(values)
        for code, error in page_errors.items():
            errors[code] = error.key
            if error.params:
                details[code] = error.params
        index = next_index(instrument, index, answers)
    for code in wrong:  # reported whether the item is shown or not: the client sent something unusable
        errors[code] = "wrong_type"
        details.pop(code, None)
    if errors or fields:
        ordered = {code: errors[code] for code in [*known, *raw] if code in errors}
        raise SubmissionInvalid(ordered, fields, details)
    return Submission(answers=answers, language=language, channel=channel)


def find_by_idempotency_key(survey: Survey, key: str) -> Response | None:
    """The response stored by an earlier request with this key."""
    return db.session.scalar(sa.select(Response).filter_by(survey_id=survey.id, idempotency_key=_key_hash(key)))


def _key_hash(key: str) -> str:
    # Stored as a hash: a client might put a customer or employee id in the key, and anonymous surveys keep none.
    return token_hash(key)


def _replay(existing: Response, survey: Survey, instrument: Instrument, body: Any,
            channel: str | None) -> Response:
    """The stored response if ``body`` asks for exactly what it holds; IdempotencyConflict otherwise."""
    try:
        submission = check_submission(survey, instrument, body, channel=channel)
    except SubmissionInvalid:
        raise IdempotencyConflict() from None
    same = (existing.answers == submission.answers and existing.language == submission.language
            and existing.channel == submission.channel)
    if not same:
        raise IdempotencyConflict()
    return existing


def submit_response(
    survey: Survey, body: Any, idempotency_key: str, *, now: datetime | None = None, channel: str | None = None
) -> tuple[Response, bool]:
    """Store one complete response from a request body; returns (response, created).

    A key seen before returns its response (created False) when the body is the same and raises
    IdempotencyConflict when it is not - even after the survey closed, so a late retry still learns its
    answers were kept. Otherwise raises SurveyUnavailable (closed, not open yet) or SubmissionInvalid.
    ``channel`` is a channel token's channel, which marks the response.
    """
    if not IDEMPOTENCY_KEY_PATTERN.match(idempotency_key):
        raise ValueError("an Idempotency-Key has 1 to 128 visible ASCII characters")
    instrument = instrument_of(survey)
    existing = find_by_idempotency_key(survey, idempotency_key)
    if existing is not None:
        return _replay(existing, survey, instrument, body, channel), False
    check_open(survey, now)
    submission = check_submission(survey, instrument, body, channel=channel)
    stamp = timestamp(survey)
    response = Response(
        survey_id=survey.id,
        # the web form's keys: never used by this channel, but unique and not null
        submission_key=secrets.token_hex(16),
        resume_hash=token_hash(new_token()),
        invitation_id=None,
        unit_id=answered_unit(db.session.connection(), survey.id, instrument, submission.answers, default=None),
        language=submission.language,
        status="complete",
        furthest_page=len(instrument.pages) - 1,
        answers=submission.answers,
        idempotency_key=_key_hash(idempotency_key),
        channel=submission.channel,
        started_at=stamp,
        updated_at=stamp,
        submitted_at=stamp,
    )
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        # the same key in a concurrent request that committed first: the unique constraint decided
        existing = find_by_idempotency_key(survey, idempotency_key)
        if existing is None:
            raise
        return _replay(existing, survey, instrument, body, channel), False
    queue_alert_check(db.session.connection(), survey, response.id, is_test=False, now=utcnow())
    return response, True

