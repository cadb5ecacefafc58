"""Plain-dict views of surveys and their results for the API (nothing here changes data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from analysis.confidentiality import Suppression, suppress_groups
from survey_app.extensions import db
from survey_app.models import Response, Survey
from survey_app.models.types import as_utc
from survey_app.services.surveys import SurveyUnavailable, check_open, instrument_of

#: group key of complete responses without a unit (no unit question, or an answer outside the unit list)
NO_UNIT = "\x00no-unit"


def iso_time(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC."""
    return None if moment is None else as_utc(moment).isoformat()


def _accepting(survey: Survey) -> bool:
    try:
        check_open(survey)
    except SurveyUnavailable:
        return False
    return True


def survey_summary(survey: Survey) -> dict[str, Any]:
    """What a client needs to pick a survey."""
    return {
        "slug": survey.slug,
        "title": dict(survey.title),
        "status": survey.status,
        "accepting_responses": _accepting(survey),
        "anonymous": survey.anonymous,
        "languages": list(survey.languages),
        "opens_at": iso_time(survey.opens_at),
        "closes_at": iso_time(survey.closes_at),
        "min_group_size": survey.min_group_size,
        "series": survey.series,
        "wave": survey.wave,
        "instrument_key": survey.instrument_key,
        "instrument_version": survey.instrument_version,
    }


def survey_detail(survey: Survey) -> dict[str, Any]:
    """The summary plus the frozen units and the instrument snapshot answers are checked against."""
    parents = {unit.id: unit.code for unit in survey.units}
    return {
        **survey_summary(survey),
        "units": [{"code": unit.code, "name": unit.name, "kind": unit.kind, "parent": parents.get(unit.parent_id)}
                  for unit in sorted(survey.units, key=lambda u: u.id)],
        "instrument": survey.instrument_snapshot,
    }


def _suppress(counts: dict[str, int], k: int) -> Suppression:
    if k < 2:  # a threshold of 1 hides nothing
        return Suppression(k=k, shown=dict(counts))
    return suppress_groups(counts, k=k)


def survey_results(survey: Survey) -> dict[str, Any]:
    """Complete responses in total and by unit, and each numeric item's n and mean, under the threshold.

    Units with fewer than ``min_group_size`` responses are suppressed, and more units when the hidden ones
    together could be recovered from the total by subtraction (:func:`analysis.confidentiality.suppress_groups`).
    The total and the item figures are shown only when at least ``min_group_size`` responses stand behind them.
    """
    k = survey.min_group_size
    complete = (Response.survey_id == survey.id, Response.status == "complete")
    by_unit = dict(db.session.execute(
        sa.select(Response.unit_id, sa.func.count()).where(*complete).group_by(Response.unit_id)
    ).all())
    units = sorted(survey.units, key=lambda u: u.id)
    counts = {unit.code: by_unit.get(unit.id, 0) for unit in units}
    unassigned = sum(n for unit_id, n in by_unit.items() if unit_id not in {u.id for u in units})
    if unassigned:
        counts[NO_UNIT] = unassigned
    suppression = _suppress(counts, k)
    total = sum(counts.values())
    total_shown = suppression.total_shown and (total == 0 or total >= k)

    rows = [{"code": unit.code, "name": unit.name} for unit in units]
    if unassigned:
        rows.append({"code": None, "name": None})
    for row in rows:
        key = NO_UNIT if row["code"] is None else row["code"]
        hidden = key in suppression.hidden
        row.update(n=None if hidden else counts[key], suppressed=hidden)

    return {
        "survey": survey.slug,
        "min_group_size": k,
        "n": total if total_shown else None,
        "suppressed": not total_shown,
        "units": rows,
        "items": _item_means(survey, k, complete) if total_shown else _item_codes_hidden(survey),
    }


def _numeric_codes(survey: Survey) -> list[str]:
    instrument = instrument_of(survey)
    return [item.code for item in instrument.items if instrument.scale_of(item).is_numeric()]


def _item_codes_hidden(survey: Survey) -> list[dict[str, Any]]:
    return [{"code": code, "n": None, "mean": None, "suppressed": True} for code in _numeric_codes(survey)]


def _item_means(survey: Survey, k: int, complete: tuple) -> list[dict[str, Any]]:
    codes = _numeric_codes(survey)
    if not codes:
        return []
    # one aggregate query in the database (JSON_EXTRACT on SQLite, ->> on PostgreSQL), not a row per response
    columns = []
    for code in codes:
        value = Response.answers[code].as_float()
        columns += [sa.func.count(value), sa.func.avg(value)]
    figures = db.session.execute(sa.select(*columns).where(*complete)).one()
    out = []
    for i, code in enumerate(codes):
        n, mean = int(figures[2 * i]), figures[2 * i + 1]
        shown = n >= k
        out.append({"code": code, "n": n if shown else None, "mean": float(mean) if shown else None,
                    "suppressed": not shown})
    return out

