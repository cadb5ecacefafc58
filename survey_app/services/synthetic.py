"""Filling a survey with synthetic responses (planted structure) for demos, tests and benchmarks."""

from __future__ import annotations

import math
import secrets
from typing import Any

import numpy as np
import sqlalchemy as sa

from analysis.text.samples import demo_comment
from instruments.synthetic import comment_tone, population, synthetic_responses
from survey_app.extensions import db
from survey_app.models import Response, Survey, Unit
from survey_app.services.responses import timestamp
from survey_app.services.surveys import instrument_of
from survey_app.services.tokens import token_hash

BATCH = 5000


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _vary_comments(frame: Any, instrument: Any, seed: int) -> None:
    """Give the demo's positive and negative comments many wordings and themes (zh and en, a few traditional or
    mixed), so that the comment themes have something to find; the tone is kept, and the other answers are drawn
    as before (a generator of its own)."""
    rng = np.random.default_rng([seed, 22])
    kind = population(instrument)
    for item in instrument.items:
        if instrument.scale_of(item).kind != "text" or item.code not in frame.columns:
            continue
        limit = instrument.scale_of(item).max_length
        for row, text in frame[item.code].items():
            tone = comment_tone(text, kind) if isinstance(text, str) else None
            if tone in ("positive", "negative"):
                frame.at[row, item.code] = demo_comment(rng, tone, kind)[:limit]


def add_synthetic_responses(survey: Survey, n: int, *, seed: int = 0, contrasts: bool = False) -> int:
    """Insert ``n`` complete synthetic responses in batches; returns how many were added (``contrasts``: see
    :func:`instruments.synthetic.synthetic_responses`)."""
    if n < 0:
        raise ValueError("n must be at least 0")
    instrument = instrument_of(survey)
    frame = synthetic_responses(instrument, n, seed=seed, contrasts=contrasts)
    _vary_comments(frame, instrument, seed)
    unit_items = [item.code for item in instrument.items_by_role("unit")]
    unit_ids = dict(db.session.execute(sa.select(Unit.code, Unit.id).filter_by(survey_id=survey.id)).all())
    stamp = timestamp(survey)
    language = survey.languages[0]
    records = frame.to_dict(orient="records")
    for start in range(0, len(records), BATCH):
        rows = []
        for record in records[start:start + BATCH]:
            answers = {code: v for code, raw in record.items() if (v := _clean(raw)) is not None}
            unit_code = next((str(answers[c]) for c in unit_items if c in answers), None)
            key = secrets.token_hex(16)
            rows.append(
                {
                    "survey_id": survey.id,
                    "submission_key": key,
                    "resume_hash": token_hash(key),
                    "unit_id": unit_ids.get(unit_code),
                    "language": language,
                    "status": "complete",
                    "furthest_page": len(instrument.pages) - 1,
                    "answers": answers,
                    "channel": "synthetic",
                    "started_at": stamp,
                    "updated_at": stamp,
                    "submitted_at": stamp,
                }
            )
        db.session.execute(sa.insert(Response), rows)
    db.session.flush()
    return len(records)
