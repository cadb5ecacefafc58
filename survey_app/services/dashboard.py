"""Live figures for the survey dashboard, all under the survey's minimum group size."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from analysis.confidentiality import suppress_groups
from analysis.errors import AnalysisError
from analysis.nps import nps
from survey_app.extensions import db
from survey_app.models import Invitation, Response, Survey, Unit
from survey_app.services.surveys import instrument_of


def _counts_by_unit(survey: Survey, column, *conditions) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(sa.func.coalesce(Unit.code, ""), sa.func.count())
        .select_from(column.class_)
        .outerjoin(Unit, Unit.id == column.class_.unit_id)
        .where(column == survey.id, *conditions)
        .group_by(Unit.code)
    ).all()
    return {code or "(none)": n for code, n in rows}


def dashboard_data(survey: Survey) -> dict[str, Any]:
    """Responses and response rate by unit, CSI and NPS so far; hidden where fewer than k people stand behind."""
    k = survey.min_group_size
    complete = _counts_by_unit(survey, Response.survey_id, Response.status == "complete")
    invited = _counts_by_unit(survey, Invitation.survey_id)
    started = db.session.scalar(sa.select(sa.func.count()).select_from(Response).filter_by(
        survey_id=survey.id, status="in_progress")) or 0
    names = dict(db.session.execute(sa.select(Unit.code, Unit.name).filter_by(survey_id=survey.id)).all())
    suppression = suppress_groups(complete, k=k)
    units = []
    for code in sorted(set(complete) | set(invited)):
        shown = code not in suppression.hidden
        n = complete.get(code, 0)
        units.append({
            "unit": code,
            "name": names.get(code, code),
            "responses": n if shown else None,
            "invited": invited.get(code) or None,
            "rate": round(100 * n / invited[code], 1) if shown and invited.get(code) else None,
            "suppressed": not shown,
        })
    total = sum(complete.values())
    total_shown = suppression.total_shown and (total == 0 or total >= k)
    data: dict[str, Any] = {
        "min_group_size": k,
        "responses": total if total_shown else None,
        "in_progress": started,
        "invited": sum(invited.values()) or None,
        "units": units,
        "csi": None,
        "nps": None,
    }
    if total_shown and total >= k:
        data.update(_scores(survey))
    return data


def _answer(code: str):
    """One numeric answer out of the JSON document, in SQL (SQLite json_extract, PostgreSQL ->> and a cast)."""
    return Response.answers[code].as_float()


def _scores(survey: Survey) -> dict[str, Any]:
    """CSI and NPS aggregated in the database: a few rows come back, never one object per response.

    CSI: each respondent's mean of the satisfaction items rescaled to 0-100 (items left blank are skipped),
    averaged over respondents with at least one answer. NPS: the count of each 0-10 answer, from which
    :func:`analysis.nps.nps` computes the score and its interval exactly as from the raw answers.
    """
    instrument = instrument_of(survey)
    spec = instrument.model_spec()
    outcomes = spec.get("outcomes", {})
    satisfaction_items = spec.get("constructs", {}).get(outcomes.get("satisfaction", ""), [])
    recommend = outcomes.get("recommend")
    complete = (Response.survey_id == survey.id, Response.status == "complete")
    out: dict[str, Any] = {}
    if satisfaction_items:
        points = []
        answered = []
        for code in satisfaction_items:
            low, high = instrument.scale_of(code).min, instrument.scale_of(code).max
            value = _answer(code)
            points.append(sa.func.coalesce(100.0 * (value - low) / (high - low), 0.0))
            answered.append(sa.case((value.is_(None), 0), else_=1))
        per_respondent = (sum(points[1:], points[0]) / sa.func.nullif(sum(answered[1:], answered[0]), 0)
                          ).label("csi")
        rows = sa.select(per_respondent).where(*complete).subquery()
        mean, n = db.session.execute(sa.select(sa.func.avg(rows.c.csi), sa.func.count(rows.c.csi))).one()
        if n >= survey.min_group_size:
            out["csi"] = {"score": round(float(mean), 1), "n": int(n)}
    if recommend:
        value = _answer(recommend)
        counts = db.session.execute(
            sa.select(value, sa.func.count()).where(*complete, value.is_not(None)).group_by(value)).all()
        values = pd.Series(np.repeat([v for v, _ in counts], [c for _, c in counts]), dtype=float)
        if len(values) >= survey.min_group_size:
            try:
                result = nps(values)
            except AnalysisError:
                result = None
            if result is not None:
                out["nps"] = {"score": round(result.score, 1), "ci": [round(c, 1) for c in result.ci],
                              "n": result.n}
    return out
