"""SERVQUAL gaps on a hand example, on the planted synthetic SERVQUAL data, and the zone of tolerance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.errors import AnalysisError
from analysis.jsonable import to_jsonable
from analysis.servqual import servqual_gaps
from instruments.registry import get_instrument
from instruments.synthetic import synthetic_responses

HAND = pd.DataFrame({"E1": [7, 6, 7, 5], "P1": [5, 5, 6, 5],     # gaps -2 -1 -1 0 -> mean -1
                     "E2": [6, 6, 5, 7], "P2": [6, 4, 5, 3],     # gaps 0 -2 0 -4 -> mean -1.5
                     "E3": [4, 5, 6, 7], "P3": [5, 5, 6, 7]})    # gaps 1 0 0 0 -> mean 0.25
PAIRS = [{"attribute": "a", "dimension": "Reliability", "expectation": "E1", "perception": "P1"},
         {"attribute": "b", "dimension": "Reliability", "expectation": "E2", "perception": "P2"},
         {"attribute": "c", "dimension": "Empathy", "expectation": "E3", "perception": "P3"}]


def test_hand_example_items_dimensions_and_overall():
    result = servqual_gaps(HAND, PAIRS)
    assert result.items["gap"].tolist() == [-1.0, -1.5, 0.25]
    assert result.items["n"].tolist() == [4, 4, 4]
    # Reliability per respondent: mean of (-2, 0), (-1, -2), (-1, 0), (0, -4) = -1, -1.5, -0.5, -2 -> -1.25
    assert result.dimensions.loc["Reliability", "gap"] == pytest.approx(-1.25)
    assert result.dimensions.loc["Empathy", "gap"] == pytest.approx(0.25)
    # equal weights: overall = (-1.25 + 0.25) / 2
    assert result.overall_gap == pytest.approx(-0.5)
    assert result.weights == {"Reliability": 0.5, "Empathy": 0.5}
    # t interval of item a's gaps (-2, -1, -1, 0), as scipy's one-sample t-test gives it
    ci = stats.ttest_1samp([-2, -1, -1, 0], 0).confidence_interval(0.95)
    assert result.items.loc["a", ["ci_low", "ci_high"]].tolist() == pytest.approx([ci.low, ci.high])


def test_dimension_weights_move_the_overall_gap():
    result = servqual_gaps(HAND, PAIRS, weights={"Reliability": 75, "Empathy": 25})
    assert result.weights == {"Reliability": 0.75, "Empathy": 0.25}
    assert result.overall_gap == pytest.approx(0.75 * -1.25 + 0.25 * 0.25)
    low, high = result.overall_ci
    assert low < result.overall_gap < high


def test_missing_answers_are_left_out_per_item_and_reported_for_the_overall():
    df = HAND.astype(float)
    df.loc[0, "P3"] = np.nan
    result = servqual_gaps(df, PAIRS)
    assert result.items.loc["c", "n"] == 3 and result.items.loc["c", "gap"] == pytest.approx(0.0)
    assert result.overall_n == 3
    assert any("1 of 4 respondents" in w for w in result.warnings)


def test_planted_synthetic_data_every_gap_negative_and_reliability_largest():
    instrument = get_instrument("servqual")
    pairs = instrument.model_spec()["servqual"]
    df = synthetic_responses(instrument, 2000, seed=3)
    result = servqual_gaps(df, pairs)
    assert len(result.items) == 15
    assert (result.items["gap"] < 0).all() and (result.items["ci_high"] < 0).all()
    assert set(result.dimensions.index) == {"Tangibles", "Reliability", "Responsiveness", "Assurance", "Empathy"}
    assert result.dimensions["gap"].idxmin() == "Reliability"
    assert result.overall_gap < 0
    assert to_jsonable(result)["overall_n"] == 2000


def test_zone_of_tolerance_adequacy_and_superiority():
    df = pd.DataFrame({"A1": [4, 4, 5, 5], "D1": [6, 6, 7, 7], "P1": [5, 5, 6, 6],    # within
                       "A2": [5, 5, 5, 5], "D2": [6, 7, 6, 7], "P2": [3, 4, 4, 5],    # below
                       "A3": [3, 3, 3, 3], "D3": [5, 5, 5, 5], "P3": [6, 6, 7, 5]})   # above
    pairs = [{"attribute": f"x{i}", "dimension": "Reliability" if i < 3 else "Empathy", "expectation": None,
              "perception": f"P{i}", "adequate": f"A{i}", "desired": f"D{i}"} for i in (1, 2, 3)]
    result = servqual_gaps(df, pairs)
    items = result.items
    assert items["zone"].tolist() == ["within", "below", "above"]
    assert items["msa"].tolist() == pytest.approx([1.0, -1.0, 3.0])      # perception - adequate
    assert items["mss"].tolist() == pytest.approx([-1.0, -2.5, 1.0])     # perception - desired
    assert items["tolerance"].tolist() == pytest.approx([2.0, 1.5, 2.0])
    assert items["gap"].tolist() == pytest.approx([-1.0, -2.5, 1.0])     # gap against the desired level
    assert result.dimensions.loc["Reliability", "msa"] == pytest.approx(0.0)


def test_unusable_input_names_the_problem():
    with pytest.raises(AnalysisError, match="'ZZ'"):
        servqual_gaps(HAND, [{"attribute": "a", "dimension": None, "expectation": "ZZ", "perception": "P1"}])
    with pytest.raises(AnalysisError, match="no SERVQUAL pairs"):
        servqual_gaps(HAND, [])
    with pytest.raises(AnalysisError, match="Tangibles"):
        servqual_gaps(HAND, PAIRS, weights={"Reliability": 1, "Empathy": 1, "Tangibles": 1})
    with pytest.raises(AnalysisError, match="missing: Empathy"):
        servqual_gaps(HAND, PAIRS, weights={"Reliability": 1})
    with pytest.raises(AnalysisError, match="both an adequate and a desired"):
        servqual_gaps(HAND, [{"attribute": "a", "perception": "P1", "expectation": "E1", "adequate": "E2"}])
