"""Live figures for the survey dashboard, all under the survey's minimum group size."""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

from analysis.confidentiality import suppress_groups
from analysis.errors import AnalysisError
from analysis.frames import responses_frame
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


def _scores(survey: Survey) -> dict[str, Any]:
    instrument = instrument_of(survey)
    spec = instrument.model_spec()
    outcomes = spec.get("outcomes", {})
    wanted = []
    satisfaction_items = spec.get("constructs", {}).get(outcomes.get("satisfaction", ""), [])
    wanted += satisfaction_items
    recommend = outcomes.get("recommend")
    if recommend:
        wanted.append(recommend)
    if not wanted:
        return {}
    with db.engine.connect() as connection:
        frame = responses_frame(connection, survey.id, columns=wanted)
    out: dict[str, Any] = {}
    if satisfaction_items:
        parts = []
        for code in satisfaction_items:
            low, high = instrument.scale_of(code).min, instrument.scale_of(code).max
            values = pd.to_numeric(frame[code], errors="coerce")
            parts.append(100 * (values - low) / (high - low))
        csi = pd.concat(parts, axis=1).mean(axis=1).dropna()
        if len(csi) >= survey.min_group_size:
            out["csi"] = {"score": round(float(csi.mean()), 1), "n": int(len(csi))}
    if recommend:
        values = pd.to_numeric(frame[recommend], errors="coerce").dropna()
        if len(values) >= survey.min_group_size:
            try:
                result = nps(values)
            except AnalysisError:
                result = None
            if result is not None:
                out["nps"] = {"score": round(result.score, 1), "ci": [round(c, 1) for c in result.ci],
                              "n": result.n}
    return out
