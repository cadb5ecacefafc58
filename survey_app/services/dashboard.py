"""Live figures for the survey dashboard, all under the survey's minimum group size."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from analysis.confidentiality import NO_UNIT, subtree_counts
from analysis.errors import AnalysisError
from analysis.nps import nps
from analysis.text import CommentResult, comment_analysis
from survey_app.extensions import db
from survey_app.models import Invitation, Response, Survey
from survey_app.services.analysis import comment_terms, open_questions
from survey_app.services.disclosure import Gate, UnitNode, open_gate
from survey_app.services.score_cache import cached_scores
from survey_app.services.surveys import instrument_of


def _invited_by_unit(survey: Survey) -> dict[int | None, int]:
    return dict(db.session.execute(
        sa.select(Invitation.unit_id, sa.func.count()).where(Invitation.survey_id == survey.id)
        .group_by(Invitation.unit_id)).all())


def _depth_first(gate: Gate) -> list[tuple[UnitNode, int]]:
    """The survey's units, each followed by the units below it (by code), with their depth."""
    children: dict[int | None, list[UnitNode]] = {}
    for unit in gate.units.values():
        parent = unit.parent_id if unit.parent_id in gate.units else None
        children.setdefault(parent, []).append(unit)
    ordered: list[tuple[UnitNode, int]] = []
    todo = [(unit, 0) for unit in sorted(children.get(None, []), key=lambda u: u.code, reverse=True)]
    while todo:
        unit, depth = todo.pop()
        ordered.append((unit, depth))
        todo += [(child, depth + 1) for child in sorted(children.get(unit.id, []), key=lambda u: u.code,
                                                            reverse=True)]
    return ordered


def dashboard_data(survey: Survey, *, now: datetime | None = None) -> dict[str, Any]:
    """Responses and response rate by unit (each unit with the units below it), CSI and NPS so far: only what
    the disclosure gate lets out, hidden where fewer than k people stand behind a figure. A large survey's CSI and
    NPS are refreshed in batches (:mod:`survey_app.services.score_cache`; ``now`` is the time of the view)."""
    gate = open_gate(survey)
    invited_direct = _invited_by_unit(survey)
    parents = {unit.id: unit.parent_id for unit in gate.units.values()}
    invited = subtree_counts(parents, invited_direct)
    units = []
    ordered = _depth_first(gate)
    for unit, depth in ordered:
        n = gate.subtree_count(unit.code)
        units.append({
            "unit": unit.code,
            "name": unit.name,
            "depth": depth,
            "responses": n,
            "invited": invited.get(unit.id) or None,
            # the rate of a hidden unit would give its count away (30 % of 10 invited is 3 people)
            "rate": round(100 * n / invited[unit.id], 1) if n is not None and invited.get(unit.id) else None,
            "suppressed": n is None,
            #: why it is hidden: a reason of analysis.confidentiality.HierarchyVerdict, or "own"
            "reason": gate.hidden_units().get(unit.code) if n is None else None,
        })
    without_unit = gate.verdict.total - sum(gate.verdict.subtree.get(u.id, 0) for u, depth in ordered if depth == 0)
    if without_unit or invited_direct.get(None):
        shown = NO_UNIT not in gate.verdict.hidden_own
        units.append({"unit": "(none)", "name": "(none)", "depth": 0, "responses": without_unit if shown else None,
                      "invited": invited_direct.get(None) or None, "rate": None, "suppressed": not shown,
                      "reason": None if shown else "own"})
    data: dict[str, Any] = {
        "min_group_size": gate.k,
        "anonymous": gate.anonymous,
        "responses": gate.total,
        # an anonymous survey's count of people answering right now would tell when each of them submits
        "in_progress": None if gate.anonymous else _in_progress(survey),
        "held_back": gate.held_back,
        "invited": sum(invited_direct.values()) or None,
        "units": units,
        "csi": None,
        "nps": None,
    }
    if gate.total is not None and gate.total >= gate.k:
        data.update(cached_scores(survey, gate, _scores, now=now))
    return data


def _in_progress(survey: Survey) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Response).filter_by(
        survey_id=survey.id, status="in_progress", is_test=False)) or 0


def _answer(code: str):
    """One numeric answer out of the JSON document, in SQL (SQLite json_extract, PostgreSQL ->> and a cast)."""
    return Response.answers[code].as_float()


def _scores(survey: Survey, gate: Gate) -> dict[str, Any]:
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
    complete = gate.where()
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
        if n >= gate.k:
            out["csi"] = {"score": round(float(mean), 1), "n": int(n)}
    if recommend:
        value = _answer(recommend)
        counts = db.session.execute(
            sa.select(value, sa.func.count()).where(*complete, value.is_not(None)).group_by(value)).all()
        values = pd.Series(np.repeat([v for v, _ in counts], [c for _, c in counts]), dtype=float)
        if len(values) >= gate.k:
            try:
                result = nps(values)
            except AnalysisError:
                result = None
            if result is not None:
                out["nps"] = {"score": round(result.score, 1), "ci": [round(c, 1) for c in result.ci],
                              "n": result.n}
    return out


#: The dashboard themes at most this many comments per open question (a seeded random sample beyond), so that the
#: page stays quick; the report themes all of them.
DASHBOARD_COMMENTS = 2000


def comment_themes(survey: Survey, lang: str) -> list[dict[str, Any]]:
    """Themes and tone of each open question's comments, read through the disclosure gate (anonymous surveys:
    released answers only) and shown only for groups of at least k commenters. No quotes: the dashboard shows
    what people write about, the report shows what they wrote."""
    gate = open_gate(survey)
    if gate.total is None or gate.total < gate.k:
        return []
    instrument = instrument_of(survey)
    terms = tuple(comment_terms(instrument, gate))
    panels = []
    for item in (instrument.item(code) for code in open_questions(instrument)):
        value = Response.answers[item.code].as_string()
        answers = db.session.scalars(sa.select(value).where(*gate.where(), value.is_not(None))).all()
        comments = pd.Series([text for text in answers if text and text.strip()], dtype=object, name=item.code)
        n = len(comments)
        if n > DASHBOARD_COMMENTS:
            comments = comments.sample(DASHBOARD_COMMENTS, random_state=1).reset_index(drop=True)
        result = _themes(item.code, tuple(comments), gate.k, terms)
        panels.append({
            "code": item.code, "question": item.text.get(lang), "n": n if n >= gate.k else None,
            "sampled": len(comments) if n > DASHBOARD_COMMENTS else None,
            "sentiment": None if result.sentiment is None else {
                label: round(100 * block["share"]) for label, block in result.sentiment.items()},
            "themes": [{"terms": theme["terms"], "share": round(100 * theme["share"]),
                        "positive": round(100 * theme["sentiment"]["positive"]),
                        "negative": round(100 * theme["sentiment"]["negative"])} for theme in result.themes],
            "hidden_themes": len(result.hidden_themes),
        })
    return panels


@lru_cache(maxsize=32)
def _themes(code: str, comments: tuple[str, ...], k: int, terms: tuple[str, ...]) -> CommentResult:
    """The themes of these comments, computed once per process for the same comments (a page load refits
    nothing until a comment is added or released)."""
    return comment_analysis(pd.Series(comments, dtype=object, name=code), k=k, terms=list(terms), quotes=0)

