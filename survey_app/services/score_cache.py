"""The dashboard's CSI and NPS of a large survey, kept per app process and refreshed in batches.

Aggregating a million answer documents takes seconds on every view of the dashboard and every poll of it. A survey
of at least :data:`CACHED_FROM` responses keeps its scores in the app process: a view whose disclosure gate decided
the same as the cached one's (:meth:`Gate.fingerprint`, and the same number of responses shown) is served them as
they are; one that differs gets them as they are until they are :data:`REFRESH_SECONDS` old, then new ones. The
cached scores were shown when they were made, under an earlier verdict of the same gate, so serving them again
reveals nothing new: an anonymous survey's gate changes only when a release is cut.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from survey_app.models import Survey
from survey_app.models.types import utcnow
from survey_app.services.disclosure import Gate

#: surveys with fewer complete responses have their scores aggregated on each view (a few milliseconds)
CACHED_FROM = 50_000
#: how long scores are served while new answers arrive
REFRESH_SECONDS = 60
_KEY = "manyi.dashboard_scores"


@dataclass(frozen=True)
class _Entry:
    fingerprint: str
    made_at: datetime
    scores: dict[str, Any]


def cached_scores(survey: Survey, gate: Gate, compute: Callable[[Survey, Gate], dict[str, Any]], *,
                  now: datetime | None = None) -> dict[str, Any]:
    """``compute(survey, gate)``, or the survey's cached result of it by the rule in the module docstring."""
    if gate.total is None or gate.total < CACHED_FROM:
        return compute(survey, gate)
    now = now or utcnow()
    cache: dict[int, _Entry] = current_app.extensions.setdefault(_KEY, {})
    fingerprint = f"{gate.fingerprint()}:{gate.total}"  # the verdict, and how many responses it shows
    entry = cache.get(survey.id)
    if entry is None or (entry.fingerprint != fingerprint
                         and now - entry.made_at >= timedelta(seconds=REFRESH_SECONDS)):
        entry = cache[survey.id] = _Entry(fingerprint, now, compute(survey, gate))
    return {name: dict(value) if isinstance(value, dict) else value for name, value in entry.scores.items()}
