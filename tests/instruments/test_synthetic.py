"""Synthetic responses: valid for every scale, deterministic, fast, with a recoverable planted structure."""

from __future__ import annotations

import re
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from instruments.registry import combine, get_instrument, validate_instrument
from instruments.schema import BUILTIN_SCALES, Instrument
from instruments.synthetic import PLANTED, kano_types, loyalty_curve, planted_items, synthetic_responses

SHIPPED = ("customer_satisfaction", "employee_satisfaction", "kano", "servqual")

#: Kano evaluation table (Berger et al. 1993; SCIENCE.md section 2): rows = functional answer, columns =
#: dysfunctional answer, answers 1 like, 2 must-be, 3 neutral, 4 live-with, 5 dislike.
KANO_TABLE = {
    1: "QAAAO",
    2: "RIIIM",
    3: "RIIIM",
    4: "RIIIM",
    5: "RRRRQ",
}


@pytest.fixture(scope="module")
def customer() -> Instrument:
    return get_instrument("customer_satisfaction")


@pytest.fixture(scope="module")
def customer_data(customer: Instrument) -> pd.DataFrame:
    return synthetic_responses(customer, 60_000, seed=11)


@pytest.fixture(scope="module")
def combined() -> Instrument:
    return combine([get_instrument(k) for k in ("customer_satisfaction", "kano", "servqual")], id="all")


@pytest.fixture(scope="module")
def combined_data(combined: Instrument) -> pd.DataFrame:
    return synthetic_responses(combined, 20_000, seed=4)


def assert_valid(instrument: Instrument, frame: pd.DataFrame) -> None:
    """Every value is a valid answer to its item; required, unconditional items are always answered."""
    assert list(frame.columns) == [item.code for item in instrument.items]
    for item in instrument.items:
        scale = instrument.scale_of(item)
        column = frame[item.code]
        answered = column[column.notna()]
        if item.required and item.show_if is None:
            assert len(answered) == len(column), item.code
        if scale.kind in ("likert", "rating", "nps"):
            assert set(answered.unique()) <= set(scale.points()), item.code
            assert all(isinstance(v, int | np.integer) for v in answered.iloc[:50]), item.code
        elif scale.kind == "single":
            assert set(answered.unique()) <= set(scale.values()), item.code
        elif scale.kind == "multiple":
            allowed = set(scale.values())
            assert all(isinstance(v, list) and v and set(v) <= allowed for v in answered), item.code
        elif scale.kind == "numeric":
            assert all(isinstance(v, int | np.integer) for v in answered.iloc[:50]), item.code
            if scale.min is not None:
                assert (answered >= scale.min).all(), item.code
            if scale.max is not None:
                assert (answered <= scale.max).all(), item.code
        else:
            assert all(isinstance(v, str) and 0 < len(v) <= scale.max_length for v in answered), item.code


# -- validity, determinism, speed ----------------------------------------------------------------------------
@pytest.mark.parametrize("key", SHIPPED)
def test_every_shipped_instrument_gets_valid_answers(key):
    instrument = get_instrument(key)
    assert_valid(instrument, synthetic_responses(instrument, 3_000, seed=1))


def test_combined_instrument_gets_valid_answers(combined, combined_data):
    assert_valid(combined, combined_data)


def test_any_instrument_gets_valid_answers_and_respects_conditions(small):
    instrument = validate_instrument(small, source="small")
    frame = synthetic_responses(instrument, 5_000, seed=2)
    assert_valid(instrument, frame)
    problem_text_shown = frame["PROBLEM_TEXT"].notna()
    assert not (problem_text_shown & (frame["PROBLEM"] != 1)).any()
    has_web = frame["CHANNELS"].map(lambda v: v is not None and "web" in v)
    assert (frame["WEB_OK"].notna() == has_web).all()
    assert (frame["NORTH_OK"].notna() == (frame["UNIT"] == "north")).all()
    assert frame["CHANNELS"].isna().mean() == pytest.approx(PLANTED["blank_rate"], abs=0.015)
    assert frame["COUNT"].min() >= 0


def test_hidden_and_blank_answers_are_none(customer, customer_data):
    complained = customer_data["COMPLAINED"]
    assert complained.isna().equals(customer_data["PROBLEM"] != 1)
    for code in ("RECOUT", "RECPROC", "RECINT"):
        assert customer_data[code].isna().equals(complained != 1)
        assert customer_data[code].dtype == object and customer_data[code][complained != 1].map(
            lambda v: v is None).all()
    assert customer_data["WALLET"].isna().mean() == pytest.approx(PLANTED["blank_rate"], abs=0.005)
    assert customer_data["CUSA1"].dtype == np.int64


def test_open_comments_are_short_and_in_both_languages(customer_data):
    comments = customer_data["COMMENT"].dropna()
    assert len(comments) / len(customer_data) == pytest.approx(PLANTED["comment_rate"], abs=0.01)
    assert comments.map(lambda text: bool(re.search(r"[\u4e00-\u9fff]", text))).any()
    assert comments.map(lambda text: text.isascii()).any()
    assert comments.map(len).max() < 60


def test_same_seed_same_data_other_seed_other_data(customer):
    first = synthetic_responses(customer, 2_000, seed=7)
    assert first.equals(synthetic_responses(customer, 2_000, seed=7))
    assert not first.equals(synthetic_responses(customer, 2_000, seed=8))


def test_zero_rows_and_bad_sizes(customer):
    empty = synthetic_responses(customer, 0)
    assert empty.shape == (0, len(customer.items))
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="n must be a whole number"):
            synthetic_responses(customer, bad)


def test_two_hundred_thousand_respondents_take_well_under_ten_seconds(customer):
    # 1,000,000 x 44 took about 3.5 s on 2 cores when this was written; 200,000 keeps the test light.
    start = time.perf_counter()
    frame = synthetic_responses(customer, 200_000, seed=3)
    assert time.perf_counter() - start < 10
    assert frame.shape == (200_000, 44)


# -- planted structure ---------------------------------------------------------------------------------------
def test_planted_items_of_the_customer_instrument(customer):
    assert planted_items(customer) == {"satisfaction": "CUSA1", "loyalty": "CUSL1", "basic": "PERQ1",
                                       "excitement": "PERQ5", "performance": "PERQ4"}
    assert planted_items(get_instrument("employee_satisfaction")) == {
        "satisfaction": "ESAT", "loyalty": "STAY1", "basic": "PAY1", "excitement": "REC1",
        "performance": "SUP1"}


def test_satisfaction_top_boxes_have_the_planted_shares(customer_data):
    shares = customer_data["CUSA1"].value_counts(normalize=True)
    assert shares[10] == pytest.approx(PLANTED["satisfaction_top"], abs=0.003)
    assert shares[9] == pytest.approx(PLANTED["satisfaction_second"], abs=0.003)


def test_loyalty_is_flat_across_the_zone_of_indifference_and_jumps_at_the_top(customer, customer_data):
    curve = loyalty_curve(customer.scale_of("CUSA1"))
    loyal = customer_data["CUSL1"] >= 9
    observed = loyal.groupby(customer_data["CUSA1"]).mean()
    plateau = PLANTED["loyalty_curve"]["plateau"]
    zone = [level for level, p in curve.items() if p == plateau]
    assert zone == [5, 6, 7, 8]
    for level in zone:
        assert observed[level] == pytest.approx(plateau, abs=0.02)
    assert observed[zone].max() - observed[zone].min() < 0.03
    assert observed[9] == pytest.approx(PLANTED["loyalty_curve"]["second"], abs=0.02)
    assert observed[10] == pytest.approx(PLANTED["loyalty_curve"]["top"], abs=0.02)
    assert observed[10] / observed[9] > 2
    # Adjacent steps inside the zone are not significant; the step into the top box is (two-proportion z).
    counts = customer_data["CUSA1"].value_counts()

    def z(a: int, b: int) -> float:
        pooled = (observed[a] * counts[a] + observed[b] * counts[b]) / (counts[a] + counts[b])
        spread = np.sqrt(pooled * (1 - pooled) * (1 / counts[a] + 1 / counts[b]))
        return abs(observed[b] - observed[a]) / spread

    assert max(z(a, a + 1) for a in zone[:-1]) < 2.6
    assert z(9, 10) > 10


def test_mercenary_share_and_trap_index_match_the_plan(customer_data):
    satisfied = customer_data["CUSA1"] >= 9
    loyal = customer_data["CUSL1"] >= 9
    assert (~loyal[satisfied]).mean() == pytest.approx(PLANTED["trap_index"], abs=0.015)
    assert (satisfied & ~loyal).mean() == pytest.approx(PLANTED["mercenary_share"], abs=0.006)
    # The planted numbers are consistent with each other.
    top, second = PLANTED["satisfaction_top"], PLANTED["satisfaction_second"]
    curve = PLANTED["loyalty_curve"]
    trap = (second * (1 - curve["second"]) + top * (1 - curve["top"])) / (top + second)
    assert trap == pytest.approx(PLANTED["trap_index"])
    assert PLANTED["mercenary_share"] == pytest.approx(trap * (top + second))


def _penalty_reward(frame: pd.DataFrame, outcome: str, attributes: list[str], low: int,
                    high: int) -> pd.DataFrame:
    """OLS of the outcome on low / high dummies of every attribute (middle boxes the reference)."""
    columns = {}
    for code in attributes:
        columns[f"{code}_low"] = (frame[code] <= low).astype(float)
        columns[f"{code}_high"] = (frame[code] >= high).astype(float)
    design = np.column_stack([np.ones(len(frame)), pd.DataFrame(columns).to_numpy()])
    beta = np.linalg.lstsq(design, frame[outcome].to_numpy(float), rcond=None)[0][1:]
    out = pd.DataFrame({"penalty": beta[0::2], "reward": beta[1::2]}, index=attributes)
    out["ia"] = (out.reward - out.penalty.abs()) / (out.reward + out.penalty.abs())
    return out


def test_basic_excitement_and_performance_attributes_are_recoverable(customer, customer_data):
    plan = planted_items(customer)
    result = _penalty_reward(customer_data, "CUSA1", customer.model_spec()["attributes"], low=5, high=9)
    basic, excitement, performance = (result.loc[plan[k]] for k in ("basic", "excitement", "performance"))
    assert basic.penalty < 0 < basic.reward and abs(basic.penalty) > 3 * basic.reward
    assert excitement.penalty < 0 < excitement.reward and excitement.reward > 2 * abs(excitement.penalty)
    assert abs(performance.ia) < 0.3
    assert basic.ia < -0.5 < performance.ia < 0 < 0.3 < excitement.ia
    assert result.ia.idxmin() == plan["basic"] and result.ia.idxmax() == plan["excitement"]


def test_planted_paths_have_positive_effects(customer, customer_data):
    spec = customer.model_spec()
    scores = pd.DataFrame({name: customer_data[codes].astype(float).mean(axis=1)
                           for name, codes in spec["constructs"].items()})
    scores = (scores - scores.mean()) / scores.std()
    for target, sources in spec["paths"].items():
        design = np.column_stack([np.ones(len(scores)), scores[sources].to_numpy()])
        beta = pd.Series(np.linalg.lstsq(design, scores[target].to_numpy(), rcond=None)[0][1:], index=sources)
        planted = PLANTED["paths"][target]
        for source in sources:
            if planted[source] >= 0.1:
                assert beta[source] > 0.05, (target, source, beta[source])
        assert beta.idxmax() == max(planted, key=lambda s: planted[s] if s in sources else -1)


def test_problems_complaints_and_units(customer_data):
    problem = customer_data["PROBLEM"]
    dissatisfied, satisfied = customer_data["CUSA1"] <= 6, customer_data["CUSA1"] >= 9
    assert problem[dissatisfied].mean() > 2 * problem[satisfied].mean()
    complained = customer_data.loc[problem == 1, "COMPLAINED"].astype(int)
    assert complained.mean() == pytest.approx(PLANTED["complaint_rate"], abs=0.02)
    # Units differ in satisfaction (the planted unit effect), as linkage analyses need.
    groups = [group.to_numpy(float) for _, group in customer_data.groupby("UNIT")["CUSA1"]]
    assert len(groups) == 6 and stats.f_oneway(*groups).pvalue < 1e-6
    stage_loyalty = customer_data.groupby("STAGE")["CUSL1"].mean()
    assert list(stage_loyalty.sort_values().index) == ["decline", "exploration", "formation", "stability"]


def test_kano_answers_carry_the_planted_categories(combined, combined_data):
    types = kano_types(combined)
    assert types == {"reliability": "basic", "speed": "performance", "convenience": "excitement",
                     "staff_courtesy": "other", "staff_competence": "other", "clarity": "other"}
    expected_mode = {"basic": "M", "excitement": "A", "performance": "O", "other": "I"}
    for pair in combined.model_spec()["kano"]:
        functional, dysfunctional = combined_data[pair["functional"]], combined_data[pair["dysfunctional"]]
        category = pd.Series([KANO_TABLE[f][d - 1] for f, d in zip(functional, dysfunctional, strict=True)])
        shares = category.value_counts(normalize=True)
        kind = types[pair["attribute"]]
        assert shares.idxmax() == expected_mode[kind]
        for name, p in PLANTED["kano"][kind].items():
            assert shares.get(name, 0.0) == pytest.approx(p, abs=0.02)


def test_servqual_gaps_are_negative_and_largest_for_reliability(combined, combined_data):
    gaps = {}
    for pair in combined.model_spec()["servqual"]:
        gap = (combined_data[pair["perception"]] - combined_data[pair["expectation"]]).mean()
        gaps.setdefault(pair["dimension"], []).append(gap)
    means = {dimension: np.mean(values) for dimension, values in gaps.items()}
    assert all(value < 0 for value in means.values())
    assert min(means, key=means.get) == "Reliability"


# -- any valid instrument ------------------------------------------------------------------------------------
_LABEL = {"zh": "标签", "en": "Label"}
_SCALES = {
    "likert4": {"kind": "likert", "min": 1, "max": 4},
    "likert2": {"kind": "likert", "min": 0, "max": 1},
    "wide": {"kind": "rating", "min": -5, "max": 20},
    "ints": {"kind": "single", "options": [{"value": v, "label": _LABEL} for v in (3, 1, 2)]},
    "one": {"kind": "single", "options": [{"value": "only", "label": _LABEL}]},
    "mixed": {"kind": "single", "options": [{"value": 1, "label": _LABEL}, {"value": "b", "label": _LABEL}]},
    "many": {"kind": "multiple", "options": [{"value": v, "label": _LABEL} for v in ("x", "y", "z")]},
    "bounded": {"kind": "numeric", "min": 10, "max": 12},
    "floor": {"kind": "numeric", "min": 3},
    "short": {"kind": "text", "max_length": 5},
}
_SCALE_NAMES = [*_SCALES, "likert5", "likert7", "rating10", "nps11", "yesno", "text", "numeric", "kano5"]
_ROLES = ["attribute", "satisfaction", "repurchase", "recommend", "enps", "intent_to_stay", "switching",
          "unit", "stage", "problem", "complaint", "bond", "value", "cost", "open_text", "share_of_wallet",
          "other"]


@st.composite
def _instruments(draw: st.DrawFn) -> dict:
    items = []
    for k in range(draw(st.integers(1, 8))):
        scale = draw(st.sampled_from(_SCALE_NAMES))
        item = {"code": f"I{k}", "text": _LABEL, "scale": scale, "role": draw(st.sampled_from(_ROLES)),
                "construct": draw(st.sampled_from([None, "A", "B"])), "reverse": draw(st.booleans()),
                "required": draw(st.booleans())}
        earlier = [i for i in items if i["scale"] not in ("text", "short")]
        if earlier and draw(st.booleans()):
            target = draw(st.sampled_from(earlier))
            values = _answers(target["scale"])
            if values:
                item["show_if"] = {"item": target["code"], "in": [draw(st.sampled_from(values))]}
        items.append(item)
    return {"id": "random", "version": "1", "title": _LABEL, "scales": _SCALES,
            "constructs": {"A": {"label": _LABEL}, "B": {"label": _LABEL}},
            "paths": {"B": ["A"]} if draw(st.booleans()) else {},
            "pages": [{"id": "p", "title": _LABEL, "items": items}]}


def _answers(scale: str) -> list:
    definition = _SCALES.get(scale)
    if definition is None:
        return list(BUILTIN_SCALES[scale].values())
    if definition["kind"] in ("single", "multiple"):
        return [o["value"] for o in definition["options"]]
    if definition["kind"] in ("likert", "rating"):
        return list(range(definition["min"], definition["max"] + 1))
    return []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=_instruments(), n=st.integers(1, 60), seed=st.integers(0, 2**32 - 1))
def test_any_valid_instrument_gets_valid_synthetic_answers(document, n, seed):
    instrument = validate_instrument(document, source="random")
    frame = synthetic_responses(instrument, n, seed=seed)
    assert_valid(instrument, frame)
    for item in instrument.items:
        if item.show_if is not None:
            reference = frame[item.show_if.item]
            shown = reference.map(lambda v, allowed={str(v) for v in item.show_if.in_}: v is not None and (
                any(str(x) in allowed for x in v) if isinstance(v, list) else str(v) in allowed))
            assert not (frame[item.code].notna() & ~shown).any(), item.code


def test_demo_contrasts_plant_a_weaker_and_a_stronger_unit_and_unlike_performances(customer):
    """What a manager's report of the demo should find: the second store clearly below the rest on satisfaction,
    the third above, and drivers whose performance differs by more than noise."""
    frame = synthetic_responses(customer, 3000, seed=5, contrasts=True)
    unit = next(item.code for item in customer.items if item.role == "unit")
    options = customer.scale_of(unit).values()
    satisfaction = frame["CUSA1"].astype(float)
    by_unit = satisfaction.groupby(frame[unit]).mean()
    rest = satisfaction[~frame[unit].isin([options[1], options[2]])].mean()
    assert by_unit[options[1]] < rest - 0.5 and by_unit[options[2]] > rest + 0.3
    constructs = customer.construct_items()
    means = {name: frame[codes].astype(float).mean().mean() for name, codes in constructs.items() if codes}
    assert max(means.values()) - min(means.values()) > 1.0  # on 1-10 scales
    # and the items of one construct apart too: the attribute drivers' performances differ by more than noise
    quality = frame[constructs["Quality"]].astype(float)
    item_means = quality.mean()
    assert item_means.max() - item_means.min() > 1.0
    assert item_means.max() - item_means.min() > 10 * quality.std().max() / np.sqrt(len(frame))
    # without contrasts the planted structure is the documented one: every construct centred alike
    plain = synthetic_responses(customer, 3000, seed=5)
    plain_means = [plain[codes].astype(float).mean().mean() for name, codes in constructs.items()
                   if codes and name not in ("Complaints", "Loyalty")]
    assert max(plain_means) - min(plain_means) < 0.6
