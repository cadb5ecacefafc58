"""Answer blocks kept up to date in the background: an hourly scheduler job builds the blocks large surveys lack.

A block holds :data:`analysis.answer_blocks.BLOCK_ROWS` complete responses as typed columns. A report builds the
blocks its survey lacks before reading it; this job does it ahead of the report, an hour's new responses at a time,
so that no report pays for a million responses' blocks at once (a block of 25,000 takes a second or two to build).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from analysis import answer_blocks
from survey_app.extensions import db
from survey_app.models import Survey
from survey_app.scheduler.jobs import register, schedule

logger = logging.getLogger(__name__)

KIND = "answer_blocks"


def surveys_lacking_blocks() -> list[int]:
    """The surveys with at least a block's worth of complete responses that no block holds yet."""
    with db.engine.connect() as connection:
        return [survey_id for survey_id in db.session.scalars(sa.select(Survey.id).order_by(Survey.id))
                if answer_blocks.unblocked(connection, survey_id) >= answer_blocks.BLOCK_ROWS]


def build_missing_blocks(now: datetime) -> int:
    """Build the blocks every survey lacks; returns how many were built (one log line per survey)."""
    built = 0
    for survey_id in surveys_lacking_blocks():
        made = answer_blocks.build_blocks(db.engine, survey_id, now=now)
        if made:
            logger.info("answer blocks: survey %s: %s built", survey_id, made)
        built += made
    return built


@register(KIND)
def answer_blocks_job(payload: dict[str, Any], now: datetime) -> None:
    """The hourly ``answer_blocks`` job."""
    build_missing_blocks(now)


#: the hours this process has already looked for surveys lacking blocks (the look is a count over every response)
_LOOKED: set[str] = set()


def schedule_hourly(now: datetime) -> None:
    """Make this hour's job (its key names the hour: making it again does nothing) when some survey lacks blocks;
    a process looks once an hour."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    key = f"{KIND}:{hour.isoformat(timespec='minutes')}"
    if key in _LOOKED:
        return
    _LOOKED.add(key)
    if surveys_lacking_blocks():
        schedule(key, hour, KIND, {})
