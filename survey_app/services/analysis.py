"""Running the analysis engine on a survey in the database, with the model its instrument defines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from analysis.answer_blocks import build_blocks
from analysis.confidentiality import suppress_groups
from analysis.engine import run_analysis
from analysis.frames import ATTRIBUTE_PREFIX, attributes_frame, response_units, responses_frame
from analysis.heatmap import NOT_STATED
from analysis.model import ModelSpec, TextSpec
from instruments.schema import Instrument
from survey_app.extensions import db
from survey_app.models import Invitation, Survey, Unit
from survey_app.services.disclosure import Gate, is_closed, open_gate
from survey_app.services.surveys import instrument_of
from survey_app.services.units import unit_names


def analyze_survey(
    survey: Survey, *, by: str | None = None, unit: str | None = None,
    progress: Callable[[str], None] | None = None, gate: Gate | None = None,
) -> dict[str, Any]:
    """The RESULT dict of ``python -m analysis`` for the survey's answers the disclosure gate lets out.

    ``unit`` restricts the analysis to a unit and the units below it; the gate refuses a unit whose figures may
    not be shown (too few answers, or it would single out fewer than k people by subtraction). ``gate`` is the
    survey's gate when the caller opened it already (a report job reads the release its cache key names).
    """
    gate = gate or open_gate(survey)
    instrument = instrument_of(survey)
    spec = ModelSpec.from_dict(instrument.model_spec(), source=f"instrument {instrument.id}")
    unit_ids = gate.unit_report(unit) if unit is not None else None
    if unit is None and (gate.total is None or gate.total < gate.k):
        raise ValueError(f"survey {survey.slug!r} has fewer than {gate.k} responses"
                         + (" released so far" if gate.anonymous else "") + "; no report is made for so small a group")
    attribute = by is not None and by.startswith(ATTRIBUTE_PREFIX)
    if attribute and survey.anonymous:
        raise ValueError(ANONYMOUS_ATTRIBUTES)
    if by is not None and survey.anonymous and not is_closed(survey):
        raise ValueError("an anonymous survey is broken down by an answer only once it has closed: while answers "
                         "still arrive, a group's figure could be read before and after one person joins it")
    # with earlier waves in the series, their answers too: the result then has trends (the rest is this wave's)
    history = _series_frame(survey, gate, unit, unit_ids, columns=analysed_codes(instrument, spec, by))
    if attribute:
        history = _with_attribute(history, by, survey)
    frame = history[(history[WAVE_COLUMN] == survey.wave).to_numpy()]
    if attribute and frame[by].notna().sum() == 0:
        raise ValueError(f"--by {by!r}: no response of survey {survey.slug!r} came by a personal link whose "
                         f"invitee has the attribute {by.removeprefix(ATTRIBUTE_PREFIX)!r} (a column of the "
                         "participants list)")
    if attribute:
        # groups the disclosure rule hides (fewer than k, or given away by a subtraction) are read as no group:
        # no figure, test or chart of the result can then show them
        history = _without_hidden_groups(history, frame[by], by, gate.k)
        frame = history[(history[WAVE_COLUMN] == survey.wave).to_numpy()]
    if by is not None and by not in frame.columns:
        raise ValueError(f"--by {by!r} is not an item of survey {survey.slug!r}")
    spec.text = _comment_spec(instrument, frame, gate)
    keep = [code for code in analysed_codes(instrument, spec, None) if code in frame.columns]
    if by is not None and by not in keep:
        keep.append(by)
    result = _run_with_waves_and_units(survey, spec, history, keep, by=by, progress=progress, gate=gate)
    return _hide_small_groups(result) if attribute else result


def analysed_codes(instrument: Instrument, spec: ModelSpec, by: str | None) -> list[str]:
    """The answers the analysis reads: the numeric items, the relationship stage (a coded choice the
    satisfaction-trap diagnosis reads as it is), the open questions the report themes and the item ``by`` names
    (not an attribute of the invitee)."""
    numeric = [item.code for item in instrument.items if instrument.scale_of(item).is_numeric()]
    extra = [spec.trap["stage"]] if "stage" in spec.trap else []
    grouped = [by] if by is not None and not by.startswith(ATTRIBUTE_PREFIX) else []
    return list(dict.fromkeys([*numeric, *extra, *open_questions(instrument), *grouped]))


def open_questions(instrument: Instrument) -> list[str]:
    """The codes of the open questions whose comments are themed (text answers in the ``open_text`` role)."""
    return [item.code for item in instrument.items
            if instrument.scale_of(item).kind == "text" and item.role == "open_text"]


#: why an anonymous survey has no breakdown by attribute (docs/analysis.md, "Breakdowns by invitee attribute")
ANONYMOUS_ATTRIBUTES = ("an anonymous survey is never broken down by an attribute of the participants list: "
                        "the attributes belong to named invitees, and its answers keep no link to them")


def _with_attribute(history: pd.DataFrame, by: str, survey: Survey) -> pd.DataFrame:
    """``history`` with the invitee attribute ``by`` of each response (NaN without one), from identified waves."""
    waves = [wave.id for wave in series_waves(survey) if not wave.anonymous]
    with db.engine.connect() as connection:
        attributes = attributes_frame(connection, waves)
    column = attributes[by] if by in attributes.columns else pd.Series(dtype=object, name=by)
    return history.assign(**{by: column.reindex(history.index).astype(object)})


def _without_hidden_groups(history: pd.DataFrame, groups: pd.Series, by: str, k: int) -> pd.DataFrame:
    """``history`` with the ``by`` value blanked where this wave's group of it may not be shown at ``k``."""
    counts = {str(level): int(n) for level, n in groups.value_counts().items()}
    if groups.isna().any():
        counts[NOT_STATED] = int(groups.isna().sum())
    hidden = set(suppress_groups(counts, k=k).hidden) - {NOT_STATED}
    return history.assign(**{by: history[by].where(~history[by].astype(str).isin(hidden))})


def _hide_small_groups(result: dict[str, Any]) -> dict[str, Any]:
    """Blank every figure of the groups the group suppression hides (fewer than k, or one that a subtraction
    would give away): a breakdown by attribute shows only groups the disclosure rule lets out."""
    groups = result.get("groups")
    if not isinstance(groups, dict):
        return result
    hidden = (groups.get("suppression") or {}).get("hidden") or {}
    summary = groups.get("summary") or {}
    for level in hidden:
        if level in summary:
            summary[level] = _blank(summary[level])
    return result


def _comment_spec(instrument: Instrument, frame: pd.DataFrame, gate: Gate) -> TextSpec | None:
    """The open questions the report themes (``text:``), with the questionnaire's words kept whole by the
    segmenter: item texts in every language, construct names, unit names."""
    columns = [code for code in open_questions(instrument) if code in frame.columns]
    if not columns:
        return None
    return TextSpec(columns=columns, terms=comment_terms(instrument, gate))


def comment_terms(instrument: Instrument, gate: Gate) -> list[str]:
    """The questionnaire's own words, which the segmenter keeps whole in comments: item texts in every language,
    construct names, unit names."""
    terms = [text for item in instrument.items for text in item.text.model_dump().values() if isinstance(text, str)]
    terms += [label for construct in instrument.constructs.values()
              for label in construct.label.model_dump().values() if isinstance(label, str)]
    terms += [unit.name for unit in gate.units.values()]
    return list(dict.fromkeys(terms))


def _blank(value: Any) -> Any:
    """``value`` with every number replaced by None (the keys kept, so readers find what they expect)."""
    if isinstance(value, dict):
        return {key: _blank(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_blank(inner) for inner in value]
    return None if isinstance(value, int | float) and not isinstance(value, bool) else value


def survey_report(survey: Survey, *, lang: str, unit: str | None = None, by: str | None = None, fmt: str = "pdf",
                  progress: Callable[[str], None] | None = None, gate: Gate | None = None) -> bytes | str:
    """The survey's report as PDF bytes or HTML text, in ``lang``, for the whole survey or one unit.

    ``by`` is the group comparison: None for the units, or ``attribute:<name>`` for an attribute of the participants
    list (identified surveys; :func:`analyze_survey` applies the disclosure rule to its groups). ``progress`` hears
    each analysis step's message and then :data:`RENDERING` before the document is drawn.
    """
    from reports.charts import warm_up
    from reports.render import render_html, render_pdf
    from survey_app.services.recovery import recovery_result  # it reads cases, built on this module's neighbours

    if fmt == "pdf":
        warm_up()  # the charts' drawing processes start while the analysis runs
    gate = gate or open_gate(survey)
    result = analyze_survey(survey, unit=unit, by=by, progress=progress, gate=gate)
    recovery = recovery_result(survey) if unit is None else None  # cases are the whole survey's
    if recovery is not None:
        result = {**result, "recovery": recovery.to_dict()}
    if unit is None:
        from survey_app.services.action_followup import action_followup  # it reads this module's neighbours

        result["action_followup"] = action_followup(survey, gate)
    if progress is not None:
        progress(RENDERING)
    instrument = instrument_of(survey)
    labels = {name: construct.label.get(lang) for name, construct in instrument.constructs.items()}
    labels.update({item.code: item.text.get(lang) for item in instrument.items})
    labels.update(unit_labels(survey, gate, lang))
    if by is not None and by.startswith(ATTRIBUTE_PREFIX):
        words = ATTRIBUTE_WORDS.get(lang, ATTRIBUTE_WORDS["en"])
        labels[by] = words.format(name=by.removeprefix(ATTRIBUTE_PREFIX))
    invited = db.session.scalar(sa.select(sa.func.count(Invitation.id)).filter_by(survey_id=survey.id)) or None
    title = survey.title_in(lang) + (f" · {unit}" if unit else "")
    meta = {"labels": labels, "unit_kinds": unit_kinds(gate, lang), "survey": survey.title_in(lang),
            "invited": None if unit else invited,
            "disclosure": {"anonymous": gate.anonymous, "k": gate.k, "release": gate.release,
                           "held_back": gate.held_back}}
    if fmt == "html":
        return render_html(result, lang=lang, title=title, meta=meta, redact=gate.comment)
    return render_pdf(result, lang=lang, title=title, meta=meta, redact=gate.comment)


#: What a report calls the survey's units, by the kind most of them are (Unit.kind), per language.
UNIT_WORDS = {
    "en": {"department": "department", "store": "store", "branch": "branch", "region": "region", "team": "team",
           "division": "division", "company": "company", "unit": "unit"},
    "zh": {"department": "部门", "store": "门店", "branch": "网点", "region": "地区", "team": "团队",
           "division": "事业部", "company": "公司", "unit": "单位"},
}


#: What a report calls a group comparison by an attribute of the participants list, per language
ATTRIBUTE_WORDS = {"en": "Attribute: {name}", "zh": "属性：{name}"}


def unit_labels(survey: Survey, gate: Gate, lang: str) -> dict[str, str]:
    """The report's words for the unit column and the units: the kind most units are, and each unit by its name in
    the report's language (:func:`survey_app.services.units.unit_names`)."""
    kinds = list(unit_kinds(gate, lang).values())
    words = UNIT_WORDS.get(lang, UNIT_WORDS["en"])
    labels = {UNIT_COLUMN: max(set(kinds), key=kinds.count) if kinds else words["unit"]}
    names = unit_names(survey, lang)
    labels.update({unit.name: names[unit.code] for unit in gate.units.values() if unit.code in names})
    return labels


def unit_kinds(gate: Gate, lang: str) -> dict[str, str]:
    """What each unit is (store, region, ...) in ``lang``, by the unit's name."""
    words = UNIT_WORDS.get(lang, UNIT_WORDS["en"])
    return {unit.name: words.get(unit.kind, words["unit"]) for unit in gate.units.values()}


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


def _series_frame(survey: Survey, gate: Gate, unit: str | None, unit_ids: list[int] | None, *,
                  columns: list[str]) -> pd.DataFrame:
    """The answers ``columns`` the gates let out, of the survey and its earlier waves (only ``unit``'s subtree),
    with the wave column. An earlier wave counts only where its own gate showed the group: a trend must not show a
    figure that wave never released. A column no response of a wave answers is left out of that wave's frame, as
    when every answer was read."""
    frames = []
    with db.engine.connect() as connection:
        for wave in series_waves(survey):
            wave_gate = gate if wave.id == survey.id else open_gate(wave)
            ids = unit_ids
            if wave.id != survey.id:
                shown = wave_gate.shows(unit) if unit is not None else wave_gate.total is not None
                if not shown:
                    continue  # that wave's figure for this group was never shown (or the unit did not exist)
                ids = wave_gate.subtree_ids(unit) if unit is not None else None
            if ids is None:  # a whole survey's read builds its missing blocks first; a unit report does not
                # wait for them (the hourly job builds them)
                build_blocks(db.engine, wave.id)
            frame = responses_frame(connection, wave.id, columns=columns, unit_ids=ids,
                                    released_through=wave_gate.release)
            frame = frame[[code for code in columns if frame[code].notna().any()]]
            if wave.id != survey.id and len(frame) < wave_gate.k:
                continue
            frames.append(frame.assign(**{WAVE_COLUMN: wave.wave}))
    return pd.concat(frames) if len(frames) > 1 else frames[0]


def _unit_names(response_ids: pd.Index, surveys: list[Survey]) -> pd.Series:
    """The name of each response's unit (None without one), by response id."""
    # the pairs of numbers without ORM rows (by the responses' ids for a unit report, by survey otherwise), then
    # the few units' names
    with db.engine.connect() as connection:
        units = response_units(connection, [s.id for s in surveys], response_ids)
    names = dict(db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.id.in_(units.unique().tolist()))).all())
    codes, ids = pd.factorize(units.reindex(response_ids))  # each unit's name looked up once; no unit: code -1
    by_code = np.array([None, *(names.get(unit) for unit in ids)], dtype=object)
    return pd.Series(by_code[codes + 1], index=response_ids, dtype=object)


def _hide_hierarchy(result: dict[str, Any], gate: Gate) -> dict[str, Any]:
    """Hide the unit-name groups a unit report may not show from the heatmap, the group comparison and the comment
    themes by unit, and the rolled-up units whose subtree it may not show.

    The engine suppresses groups among themselves; a report of the parent unit could still be subtracted from a
    shown sibling (region minus Operations = Finance), so the hierarchy's verdict is applied on top.
    """
    names = gate.hidden_names()
    heat = result.get("heatmap")
    if isinstance(heat, dict) and heat.get("by") == UNIT_COLUMN:
        for cell in heat.get("cells", []):
            if cell.get("group") in names and cell.get("shown"):
                for key, value in list(cell.items()):
                    if key not in ("group", "facet", "n") and isinstance(value, float | int) \
                            and not isinstance(value, bool):
                        cell[key] = None
                cell.update(shown=False, significant=False, reason="complementary")  # would reveal another group
    for question in ((result.get("text") or {}).get("questions") or {}).values():
        units = (question.get("breakdowns") or {}).get("unit") if isinstance(question, dict) else None
        if isinstance(units, dict) and units.get("by") == UNIT_COLUMN:
            for name in [level for level in units.get("groups", {}) if level in names]:
                del units["groups"][name]
                units.setdefault("hidden", {})[name] = "complementary"
    groups = result.get("groups")
    if isinstance(groups, dict) and groups.get("by") == UNIT_COLUMN and isinstance(groups.get("suppression"), dict):
        _hide_levels(groups["suppression"], names)
        for tier in (groups.get("rollup") or {}).get("tiers") or []:
            _hide_levels(tier.get("suppression") or {}, gate.hidden_subtree_names())
    pls = result.get("pls")
    if isinstance(pls, dict) and isinstance(pls.get("mga"), dict) and pls["mga"].get("by") == UNIT_COLUMN:
        for part in (pls["mga"], pls.get("micom")):
            if isinstance(part, dict):
                _hide_pairs(part, names)
    result["warnings"] = _without_names(result.get("warnings") or [], names)
    return result


def _without_names(warnings: list[str], names: set[str]) -> list[str]:
    """The warnings that quote none of the units ``names`` (a hidden unit is not named, not even in a warning)."""
    return [warning for warning in warnings if not any(f"'{name}'" in warning for name in names)]


def _hide_pairs(part: dict[str, Any], names: set[str]) -> None:
    """Remove the groups ``names`` (and every pair naming one) from a multi-group result (``pls.mga``,
    ``pls.micom``): a unit the hierarchy hides is not compared with another either."""
    for key in ("groups", "left_out"):
        if isinstance(part.get(key), dict):
            part[key] = {group: value for group, value in part[key].items() if group not in names}
    for key in ("tests", "not_tested", "pairs", "significant"):
        if isinstance(part.get(key), list):
            part[key] = [entry for entry in part[key] if entry.get("a") not in names and entry.get("b") not in names]
    part["warnings"] = _without_names(part.get("warnings") or [], names)


def _hide_levels(suppression: dict[str, Any], names: set[str]) -> None:
    """Move the groups ``names`` from those shown to those hidden (they would reveal another group)."""
    for name in [level for level in suppression.get("shown", []) if level in names]:
        suppression["shown"].remove(name)
        suppression.setdefault("hidden", {})[name] = "complementary"


def _run_with_waves_and_units(survey: Survey, spec: ModelSpec, history: pd.DataFrame, keep: list[str], *,
                              by: str | None, progress: Callable[[str], None] | None, gate: Gate) -> dict[str, Any]:
    """The engine on this wave, with trends over the earlier waves and, when answers come from several units,
    the units compared."""
    columns = list(keep)
    if by is None and UNIT_COLUMN not in history.columns:
        # broken down by unit (departments, stores): KPIs by unit flagged against the rest, and the heatmap of
        # the employee report, at the survey's minimum group size
        history = history.assign(**{UNIT_COLUMN: _unit_names(history.index, series_waves(survey))})
        if history[UNIT_COLUMN].nunique() >= 2:
            by = UNIT_COLUMN
            columns.append(by)
    # an anonymous survey's report shows no cell of fewer than k people (one rule, the gate's)
    options = {"by": by, "progress": progress, "min_group_size": gate.k, "small_cells": gate.anonymous,
               "redact": gate.comment}
    parents = gate.parent_names()
    if by == UNIT_COLUMN and any(parent is not None for parent in parents.values()):
        options["parents"] = parents  # stores rolled up into regions
    if history[WAVE_COLUMN].nunique() < 2:
        result = run_analysis(history[columns], spec, **options)
    else:
        result = run_analysis(history[[*columns, WAVE_COLUMN]], spec, wave=WAVE_COLUMN, current_wave=survey.wave,
                              **options)
    if by != UNIT_COLUMN:
        return result
    return _hide_hierarchy(result, gate)
