"""Running the analysis engine on a survey in the database, with the model its instrument defines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import sqlalchemy as sa

from analysis.confidentiality import suppress_groups
from analysis.engine import run_analysis
from analysis.frames import responses_frame
from analysis.model import ModelSpec
from survey_app.extensions import db
from survey_app.models import Invitation, Response, Survey, Unit
from survey_app.services.surveys import instrument_of


def unit_and_descendants(survey: Survey, code: str) -> list[int]:
    """Ids of unit ``code`` and every unit below it in the survey's frozen hierarchy."""
    units = db.session.execute(sa.select(Unit.id, Unit.code, Unit.parent_id).filter_by(survey_id=survey.id)).all()
    by_code = {u.code: u.id for u in units}
    if code not in by_code:
        raise ValueError(f"unit {code!r} is not part of survey {survey.slug!r}")
    children: dict[int | None, list[int]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit.id)
    found, todo = [], [by_code[code]]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


#: the responses assigned to a unit itself (not to any unit below it): never reported, but part of every sum
OWN = "\x00own"


def hidden_units(survey: Survey) -> dict[str, str]:
    """Units whose report would single out fewer than k people by subtraction; code -> reason.

    A unit's report covers it and every unit below it. Reports of a parent and of its children could be
    subtracted (parent minus the shown children = the rest), and so could the whole survey and its top-level
    units. So at every level of the frozen hierarchy the children (with the parent's own responses as one more,
    never shown, group) get the minimum group size with complementary suppression (SCIENCE §7). Everything below
    a hidden unit is hidden too: its shown parts would add up to it again.
    """
    return hierarchy_suppression(survey)[0]


def hierarchy_suppression(survey: Survey) -> tuple[dict[str, str], set[int]]:
    """The confidentiality verdict on the unit hierarchy (see ``hidden_units``): (hidden unit codes -> reason,
    ids of the units whose own responses - not their children's - are hidden)."""
    rows = db.session.execute(sa.select(Unit.id, Unit.code, Unit.parent_id).filter_by(survey_id=survey.id)).all()
    direct = dict(db.session.execute(
        sa.select(Response.unit_id, sa.func.count()).where(Response.survey_id == survey.id,
                                                           Response.status == "complete").group_by(Response.unit_id)
    ).all())
    ids = {row.id for row in rows}
    children: dict[int | None, list] = {}
    for row in rows:
        children.setdefault(row.parent_id if row.parent_id in ids else None, []).append(row)
    subtree: dict[int, int] = {}

    def size(unit_id: int) -> int:
        if unit_id not in subtree:
            subtree[unit_id] = direct.get(unit_id, 0) + sum(size(child.id) for child in children.get(unit_id, []))
        return subtree[unit_id]

    hidden: dict[str, str] = {}
    hidden_own: set[int] = set()
    k = survey.min_group_size
    for parent_id, kids in children.items():
        own = sum(n for unit_id, n in direct.items() if unit_id not in ids) if parent_id is None \
            else direct.get(parent_id, 0)
        counts = {kid.code: size(kid.id) for kid in kids} | {OWN: own}
        for code, why in suppress_groups(counts, k=k).hidden.items():
            if code != OWN:
                hidden[code] = why
            elif parent_id is not None:
                hidden_own.add(parent_id)
    # top down: a hidden unit hides its whole subtree (and its own responses)
    todo = [(row, None) for row in children.get(None, [])]
    while todo:
        row, hidden_above = todo.pop()
        if hidden_above is not None:
            hidden[row.code] = f"inside hidden unit {hidden_above}"
        if row.code in hidden:
            hidden_own.add(row.id)
            hidden_above = hidden_above or row.code
        todo.extend((child, hidden_above) for child in children.get(row.id, []))
    return hidden, hidden_own


def analyze_survey(
    survey: Survey, *, by: str | None = None, unit: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The RESULT dict of ``python -m analysis`` for a survey's complete responses (no hand-written model).

    ``unit`` restricts the analysis to a unit and the units below it; fewer responses than the survey's minimum
    group size is refused, so no report can describe a group small enough to single people out.
    """
    instrument = instrument_of(survey)
    spec = ModelSpec.from_dict(instrument.model_spec(), source=f"instrument {instrument.id}")
    # with earlier waves in the series, their answers too: the result then has trends (the rest is this wave's)
    history = _series_frame(survey, unit)
    frame = history[(history[WAVE_COLUMN] == survey.wave).to_numpy()]
    if unit is not None and len(frame) < survey.min_group_size:
        raise ValueError(f"unit {unit!r} has fewer than {survey.min_group_size} responses; no report is made for "
                         "so small a group")
    # the hierarchy's verdict, worked out once: it refuses a unit report here and hides unit groups below
    hierarchy = hierarchy_suppression(survey) if unit is not None else None
    if hierarchy is not None and unit in hierarchy[0]:
        raise ValueError(f"a report for unit {unit!r} could be subtracted from the report of the unit above it (or "
                         f"the whole survey) to single out fewer than {survey.min_group_size} people; no report is "
                         "made for it")
    if by is not None and by not in frame.columns:
        raise ValueError(f"--by {by!r} is not an item of survey {survey.slug!r}")
    numeric = [item.code for item in instrument.items if instrument.scale_of(item).is_numeric()]
    # the relationship stage is a coded choice, read as it is by the satisfaction-trap diagnosis
    extra = [spec.trap["stage"]] if "stage" in spec.trap else []
    keep = [code for code in [*numeric, *extra] if code in frame.columns]
    if by is not None and by not in keep:
        keep.append(by)
    return _run_with_waves_and_units(survey, spec, history, keep, by=by, progress=progress, hierarchy=hierarchy)


def survey_report(survey: Survey, *, lang: str, unit: str | None = None, fmt: str = "pdf",
                  progress: Callable[[str], None] | None = None) -> bytes | str:
    """The survey's report as PDF bytes or HTML text, in ``lang``, for the whole survey or one unit.

    ``progress`` hears each analysis step's message and then :data:`RENDERING` before the document is drawn.
    """
    from reports.render import render_html, render_pdf

    result = analyze_survey(survey, unit=unit, progress=progress)
    if progress is not None:
        progress(RENDERING)
    instrument = instrument_of(survey)
    labels = {name: construct.label.get(lang) for name, construct in instrument.constructs.items()}
    labels.update({item.code: item.text.get(lang) for item in instrument.items})
    invited = db.session.scalar(sa.select(sa.func.count(Invitation.id)).filter_by(survey_id=survey.id)) or None
    title = survey.title_in(lang) + (f" · {unit}" if unit else "")
    meta = {"labels": labels, "survey": survey.title_in(lang), "invited": None if unit else invited}
    if fmt == "html":
        return render_html(result, lang=lang, title=title, meta=meta)
    return render_pdf(result, lang=lang, title=title, meta=meta)


#: The last step :func:`survey_report` announces: the analysis is done, the document is being drawn.
RENDERING = "Rendering the report"

#: Columns the service adds to the answers: the survey's wave in its series, and the respondent's unit name.
WAVE_COLUMN = "wave"
UNIT_COLUMN = "unit"


def series_waves(survey: Survey) -> list[Survey]:
    """The survey and the earlier waves of its series, oldest first (just the survey when it has no series)."""
    if survey.series is None:
        return [survey]
    earlier = db.session.scalars(
        sa.select(Survey).where(Survey.series == survey.series, Survey.wave < survey.wave, Survey.id != survey.id)
        .order_by(Survey.wave)
    ).all()
    return [*earlier, survey]


def _series_frame(survey: Survey, unit: str | None) -> pd.DataFrame:
    """Complete responses of the survey and its earlier waves (only ``unit``'s subtree), with the wave column."""
    frames = []
    with db.engine.connect() as connection:
        for wave in series_waves(survey):
            if unit is not None and wave.id != survey.id and not _has_unit(wave, unit):
                continue  # the unit did not exist in that wave
            unit_ids = unit_and_descendants(wave, unit) if unit is not None else None
            frame = responses_frame(connection, wave.id, unit_ids=unit_ids)
            if wave.id != survey.id and not _releasable(wave, unit, len(frame)):
                continue  # that wave's figure for this group was never shown; a trend must not show it either
            frames.append(frame.assign(**{WAVE_COLUMN: wave.wave}))
    return pd.concat(frames) if len(frames) > 1 else frames[0]


def _releasable(survey: Survey, unit: str | None, n: int) -> bool:
    """Whether a report of ``unit`` (None: the whole survey) with ``n`` responses may be made for ``survey``."""
    if n < survey.min_group_size:
        return False
    return unit is None or unit not in hidden_units(survey)


def _has_unit(survey: Survey, code: str) -> bool:
    return db.session.scalar(sa.select(Unit.id).filter_by(survey_id=survey.id, code=code)) is not None


def _unit_names(response_ids: pd.Index, surveys: list[Survey]) -> pd.Series:
    """The name of each response's unit (None without one), by response id."""
    # by survey, not by a list of response ids (SQLite limits the number of bound parameters)
    names = dict(db.session.execute(
        sa.select(Response.id, Unit.name).join(Unit, Response.unit_id == Unit.id)
        .where(Response.survey_id.in_([s.id for s in surveys]))
    ).all())
    return pd.Series([names.get(i) for i in response_ids], index=response_ids, dtype=object)


def _hidden_unit_names(survey: Survey, hierarchy: tuple[dict[str, str], set[int]]) -> set[str]:
    """Names of the units whose figures may not be shown: their report is refused, or (for a parent) its own
    responses are hidden at its level (``hierarchy`` is :func:`hierarchy_suppression` of ``survey``)."""
    codes, hidden_own = hierarchy
    return set(db.session.scalars(sa.select(Unit.name).where(
        Unit.survey_id == survey.id, sa.or_(Unit.code.in_(list(codes)), Unit.id.in_(list(hidden_own))))).all())


def _hide_hierarchy(result: dict[str, Any], names: set[str]) -> dict[str, Any]:
    """Hide the unit-name groups a unit report may not show from the heatmap and the group comparison.

    The engine suppresses groups among themselves; a report of the parent unit could still be subtracted from a
    shown sibling (region minus Operations = Finance), so the hierarchy's verdict is applied on top.
    """
    heat = result.get("heatmap")
    if isinstance(heat, dict) and heat.get("by") == UNIT_COLUMN:
        for cell in heat.get("cells", []):
            if cell.get("group") in names and cell.get("shown"):
                for key, value in list(cell.items()):
                    if key not in ("group", "facet", "n") and isinstance(value, float | int) \
                            and not isinstance(value, bool):
                        cell[key] = None
                cell.update(shown=False, significant=False, reason="complementary")  # would reveal another group
    groups = result.get("groups")
    if isinstance(groups, dict) and groups.get("by") == UNIT_COLUMN and isinstance(groups.get("suppression"), dict):
        suppression = groups["suppression"]
        for name in [level for level in suppression.get("shown", []) if level in names]:
            suppression["shown"].remove(name)
            suppression.setdefault("hidden", {})[name] = "complementary"
    return result


def _run_with_waves_and_units(survey: Survey, spec: ModelSpec, history: pd.DataFrame, keep: list[str], *,
                              by: str | None, progress: Callable[[str], None] | None,
                              hierarchy: tuple[dict[str, str], set[int]] | None) -> dict[str, Any]:
    """The engine on this wave, with trends over the earlier waves and, for employee surveys, units.

    ``hierarchy`` is :func:`hierarchy_suppression` of ``survey`` when the caller has it already.
    """
    columns = list(keep)
    if by is None and spec.trap.get("population") == "employees" and UNIT_COLUMN not in history.columns:
        # employee surveys are broken down by unit: the heatmap (and groups) by unit name, at the survey's
        # minimum group size
        history = history.assign(**{UNIT_COLUMN: _unit_names(history.index, series_waves(survey))})
        if history[UNIT_COLUMN].notna().any():
            by = UNIT_COLUMN
            columns.append(by)
    if history[WAVE_COLUMN].nunique() < 2:
        result = run_analysis(history[columns], spec, by=by, progress=progress, min_group_size=survey.min_group_size)
    else:
        result = run_analysis(history[[*columns, WAVE_COLUMN]], spec, by=by, progress=progress, wave=WAVE_COLUMN,
                              current_wave=survey.wave, min_group_size=survey.min_group_size)
    if by != UNIT_COLUMN:
        return result
    return _hide_hierarchy(result, _hidden_unit_names(survey, hierarchy or hierarchy_suppression(survey)))
