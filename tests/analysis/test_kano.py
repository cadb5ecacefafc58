"""Kano evaluation (analysis.kano)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.errors import AnalysisError
from analysis.kano import EVALUATION_TABLE, agreement, better_worse, fong_test, kano
from analysis.trap_attributes import penalty_reward
from instruments.registry import combine, get_instrument
from instruments.synthetic import kano_types, synthetic_responses


def test_better_worse_check_of_science_md():
    # SCIENCE.md §2 (Berger et al. 1993 coefficients): A/O/M/I = 45/30/10/15 -> Better .75, Worse -.40.
    better, worse = better_worse(45, 30, 10, 15)
    assert better == pytest.approx(0.75) and worse == pytest.approx(-0.40)


def test_fong_test_by_the_formula():
    # Fong (1996): |a - b| >= 1.65 sqrt((a + b)(2n - a - b) / 2n). a = 45, b = 30, n = 100:
    # 1.65 * sqrt(75 * 125 / 200) = 1.65 * 6.8465 = 11.297 <= 15, so the categories differ.
    difference, critical, significant = fong_test(45, 30, 100)
    assert difference == 15 and critical == pytest.approx(11.297, abs=5e-4) and significant
    assert not fong_test(45, 40, 100)[2]


def test_evaluation_table_and_tie_order():
    assert EVALUATION_TABLE[0] == ("Q", "A", "A", "A", "O")
    assert EVALUATION_TABLE[4] == ("R", "R", "R", "R", "Q")
    assert all(row == ("R", "I", "I", "I", "M") for row in EVALUATION_TABLE[1:4])
    # One answer pair each for M (3, 5) and O (1, 5): the tie goes to M (M > O > A > I).
    frame = pd.DataFrame({"F": [3, 1], "D": [5, 5]})
    result = kano(frame, [{"attribute": "x", "functional": "F", "dysfunctional": "D"}])
    entry = result.attributes["x"]
    assert entry["category"] == "M" and entry["second"] == "O" and entry["counts"]["M"] == 1
    assert not entry["fong_significant"] and any("not clearly apart" in w for w in result.warnings)


def test_planted_kano_categories_and_agreement_with_penalty_reward():
    instrument = combine([get_instrument(k) for k in ("customer_satisfaction", "kano")], id="both")
    frame = synthetic_responses(instrument, 3000, seed=4)
    spec = instrument.model_spec()
    result = kano(frame, spec["kano"])
    expected = {"basic": "M", "excitement": "A", "performance": "O", "other": "I"}
    for name, kind in kano_types(instrument).items():
        assert result.attributes[name]["category"] == expected[kind], name
        assert result.attributes[name]["fong_significant"]
        b, w = result.attributes[name]["better"], result.attributes[name]["worse"]
        assert 0 <= b <= 1 and -1 <= w <= 0
    assert result.attributes["reliability"]["worse"] < -0.6 < 0.6 < result.attributes["convenience"]["better"]
    classes = penalty_reward(frame, outcome="CUSA1", attributes=spec["attributes"], scales=(1, 10), bootstrap=0)
    items = {i.attribute: i.code for i in instrument.items if i.role == "attribute"}
    agree = agreement(result, classes.attributes, items)
    assert {name for name, v in agree.items() if v["agree"]} == {"reliability", "speed", "convenience"}
    assert all(v["agree"] is None for v in agree.values() if v["kano"] == "I")


def test_bad_codes_and_missing_keys_are_errors():
    frame = pd.DataFrame({"F": [1, 7], "D": [5, 5]})
    with pytest.raises(AnalysisError, match="codes 1-5"):
        kano(frame, [{"attribute": "x", "functional": "F", "dysfunctional": "D"}])
    with pytest.raises(AnalysisError, match="needs 'dysfunctional'"):
        kano(frame, [{"attribute": "x", "functional": "F"}])
    assert math.isnan(better_worse(0, 0, 0, 0)[0])
