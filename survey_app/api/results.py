"""Plain-dict views of surveys and their results for the API (nothing here changes data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from analysis.confidentiality import NO_UNIT
from survey_app.extensions import db
from survey_app.models import Response, Survey
from survey_app.models.types import as_utc
from survey_app.services.disclosure import Gate, open_gate
from survey_app.services.surveys import SurveyUnavailable, check_open, instrument_of


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


def survey_results(survey: Survey) -> dict[str, Any]:
    """Complete responses in total and by unit, and each numeric item's n and mean: what the disclosure gate lets
    out (:mod:`survey_app.services.disclosure`), with units it hides shown as suppressed."""
    gate = open_gate(survey)
    units = sorted(gate.units.values(), key=lambda u: u.id)
    rows: list[dict[str, Any]] = []
    for unit in units:
        n = gate.subtree_count(unit.code)
        rows.append({"code": unit.code, "name": unit.name, "n": n, "suppressed": n is None})
    top = sum(gate.verdict.subtree.get(unit.id, 0) for unit in units if unit.parent_id not in gate.units)
    if gate.verdict.total - top:
        shown = NO_UNIT not in gate.verdict.hidden_own
        rows.append({"code": None, "name": None, "n": gate.verdict.total - top if shown else None,
                     "suppressed": not shown})
    total_shown = gate.total is not None and (gate.total == 0 or gate.total >= gate.k)
    return {
        "survey": survey.slug,
        "min_group_size": gate.k,
        "n": gate.total if total_shown else None,
        "suppressed": not total_shown,
        "release": gate.release,
        "units": rows,
        "items": _item_means(survey, gate) if total_shown else _item_codes_hidden(survey),
    }


def _numeric_codes(survey: Survey) -> list[str]:
    instrument = instrument_of(survey)
    return [item.code for item in instrument.items if instrument.scale_of(item).is_numeric()]


def _item_codes_hidden(survey: Survey) -> list[dict[str, Any]]:
    return [{"code": code, "n": None, "mean": None, "suppressed": True} for code in _numeric_codes(survey)]


def _item_means(survey: Survey, gate: Gate) -> list[dict[str, Any]]:
    codes = _numeric_codes(survey)
    if not codes:
        return []
    # one aggregate query in the database (JSON_EXTRACT on SQLite, ->> on PostgreSQL), not a row per response
    columns = []
    for code in codes:
        value = Response.answers[code].as_float()
        columns += [sa.func.count(value), sa.func.avg(value)]
    figures = db.session.execute(sa.select(*columns).where(*gate.where())).one()
    out = []
    for i, code in enumerate(codes):
        n, mean = int(figures[2 * i]), figures[2 * i + 1]
        shown = n >= gate.k
        out.append({"code": code, "n": n if shown else None, "mean": float(mean) if shown else None,
                    "suppressed": not shown})
    return out

