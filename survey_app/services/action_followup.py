"""The next wave's look back at the actions planned from the wave before it (analysis.actions on both waves).

Both waves' answers are read through their own disclosure gates; a unit either gate hides shows nothing
(``hidden_units``), and the units whose own answers may not form a group stay out of the DiD (``hidden_groups``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

from analysis.actions import evaluate_actions
from analysis.frames import responses_frame
from analysis.jsonable import to_jsonable
from analysis.model import ModelSpec
from instruments.schema import POINT_KINDS, Instrument
from survey_app.extensions import db
from survey_app.models import Response, Survey, Unit, User
from survey_app.services.actions import actions_of
from survey_app.services.disclosure import Gate, open_gate
from survey_app.services.surveys import instrument_of

#: the columns the follow-up adds to the answers
WAVE, UNIT = "__wave", "__unit"


def previous_wave(survey: Survey) -> Survey | None:
    """The wave just before ``survey`` in its series, if any."""
    if survey.series is None:
        return None
    return db.session.scalar(sa.select(Survey).where(Survey.series == survey.series, Survey.wave < survey.wave,
                                                     Survey.id != survey.id).order_by(Survey.wave.desc()).limit(1))


def _frame(survey: Survey, gate: Gate) -> pd.DataFrame:
    with db.engine.connect() as connection:
        frame = responses_frame(connection, survey.id, released_through=gate.release)
    codes = dict(db.session.execute(sa.select(Response.id, Unit.code).join(Unit, Response.unit_id == Unit.id)
                                    .where(Response.survey_id == survey.id)).all())
    return frame.assign(**{WAVE: survey.wave, UNIT: [codes.get(i) for i in frame.index]})


def _hidden(gate: Gate) -> tuple[set[str], set[str]]:
    """Codes of units whose figures may not be shown, and of units whose own answers may not form a group."""
    units = gate.units.values()
    return ({u.code for u in units if not gate.shows(u.code)},
            {u.code for u in units if u.id in gate.verdict.hidden or u.id in gate.verdict.hidden_own})


def _item_scales(instrument: Instrument, spec: ModelSpec, columns: list[str]) -> dict[str, tuple[float, float]]:
    """Each item's answer range: the model's scale for it, else its questionnaire scale's points."""
    out = {}
    for item in instrument.items:
        if item.code not in columns:
            continue
        scale = instrument.scale_of(item)
        if spec.scale_of(item.code) is not None:
            out[item.code] = spec.scale_of(item.code).as_tuple()
        elif scale.kind in POINT_KINDS and scale.min is not None and scale.max is not None:
            out[item.code] = (float(scale.min), float(scale.max))
    return out


def _drivers(spec: ModelSpec, columns: list[str], ranges: dict[str, tuple[float, float]]
             ) -> tuple[dict[str, list[str]], dict[str, tuple[float, float]]]:
    """Each construct's and item's columns, and their 0-100 scale where all items share one."""
    drivers = {name: list(items) for name, items in spec.constructs.items()}
    drivers.update({c: [c] for c in columns if c not in drivers})
    scales: dict[str, tuple[float, float]] = {}
    for name, items in drivers.items():
        found = {ranges.get(item) for item in items}
        if len(found) == 1 and None not in found:
            scales[name] = found.pop()
    return drivers, scales


def _cleaned(frame: pd.DataFrame, spec: ModelSpec, ranges: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Answers as numbers: missing-value codes and answers off the scale as NaN, reverse-keyed items turned."""
    out = frame.copy()
    codes = [c for c in spec.missing.codes if isinstance(c, int | float)]
    for column in ranges:
        values = pd.to_numeric(out[column], errors="coerce").astype(float)
        values = values.where(~values.isin(codes))
        low, high = ranges[column]
        values = values.where((values >= low) & (values <= high))
        if column in spec.reverse:
            values = low + high - values
        out[column] = values
    return out


def action_followup(survey: Survey, gate: Gate) -> dict[str, Any] | None:
    """The follow-up of the previous wave's actions as JSON-ready values, or None without such actions."""
    previous = previous_wave(survey)
    actions = actions_of(previous) if previous is not None else []
    if not actions:
        return None
    earlier_gate = open_gate(previous)
    instrument = instrument_of(survey)
    spec = ModelSpec.from_dict(instrument.model_spec(), source=f"instrument {instrument.id}")
    numeric = [item.code for item in instrument.items if instrument.scale_of(item).is_numeric()]
    both = pd.concat([_frame(previous, earlier_gate), _frame(survey, gate)])
    columns = [c for c in numeric if c in both.columns]
    ranges = _item_scales(instrument, spec, columns)
    drivers, scales = _drivers(spec, columns, ranges)
    both = _cleaned(both, spec, ranges)
    units = {u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.survey_id == previous.id))}
    owners = {u.id: u.email for u in db.session.scalars(sa.select(User).where(
        User.id.in_({a.owner_id for a in actions if a.owner_id})))}
    hidden = [_hidden(earlier_gate), _hidden(gate)]
    hidden_units = hidden[0][0] | hidden[1][0]
    subtrees: dict[str, set[str]] = {}
    for wave_gate in (earlier_gate, gate):
        by_id = {u.id: u.code for u in wave_gate.units.values()}
        for action in actions:
            code = units[action.unit_id].code if action.unit_id in units else None
            if code is not None and wave_gate.shows(code):
                subtrees.setdefault(code, set()).update(by_id[i] for i in wave_gate.subtree_ids(code))
    table = pd.DataFrame({"driver": [a.driver if a.driver in drivers else None for a in actions],
                          "unit": [units[a.unit_id].code if a.unit_id in units else None for a in actions],
                          "status": [a.status for a in actions]}, index=[a.id for a in actions])
    known = table[table["driver"].notna()]
    result = evaluate_actions(both, wave=WAVE, unit=UNIT, earlier=previous.wave, later=survey.wave,
                              drivers={name: [c for c in items if c in both.columns]
                                       for name, items in drivers.items() if name in set(known["driver"])},
                              actions=known, scales=scales, subtrees=subtrees, min_group_size=gate.k,
                              hidden_units=hidden_units, hidden_groups=hidden[0][1] | hidden[1][1])
    out = to_jsonable(result)
    out["actions"] = [{"id": a.id, "title": a.title, "driver": a.driver,
                       "unit": units[a.unit_id].code if a.unit_id in units else None,
                       "owner": owners.get(a.owner_id), "status": a.status,
                       "due_on": a.due_on.isoformat() if a.due_on else None} for a in actions]
    out["unit_names"] = {u.code: u.name for u in units.values()}
    out["earlier_slug"] = previous.slug
    return out


