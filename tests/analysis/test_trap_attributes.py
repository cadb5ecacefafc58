"""Penalty-reward contrast analysis (analysis.trap_attributes)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.errors import AnalysisError
from analysis.trap_attributes import IA_THRESHOLD, penalty_reward
from instruments.registry import get_instrument
from instruments.synthetic import planted_items, synthetic_responses

ATTRIBUTES = [f"PERQ{k}" for k in range(1, 8)]


@pytest.fixture(scope="module")
def customer():
    return get_instrument("customer_satisfaction")


@pytest.fixture(scope="module")
def customer_data(customer) -> pd.DataFrame:
    return synthetic_responses(customer, 5000, seed=1)


def test_planted_basic_excitement_and_performance_attributes_are_recovered(customer, customer_data):
    plan = planted_items(customer)
    result = penalty_reward(customer_data, outcome="CUSA1", attributes=ATTRIBUTES, scales=(1, 10),
                            bootstrap=100, seed=3)
    got = result.attributes
    assert got[plan["basic"]]["class"] == "basic" and got[plan["basic"]]["class_confident"]
    assert got[plan["excitement"]]["class"] == "excitement" and got[plan["excitement"]]["class_confident"]
    assert got[plan["performance"]]["class"] == "performance"
    ia = {code: entry["impact_asymmetry"] for code, entry in got.items()}
    assert min(ia, key=ia.get) == plan["basic"] and max(ia, key=ia.get) == plan["excitement"]
    # The performance attribute has the largest impact range: it acts on both sides.
    assert max(got, key=lambda c: got[c]["impact_range"]) == plan["performance"]
    for entry in got.values():
        low, high = entry["ia_ci"]
        assert low <= entry["impact_asymmetry"] <= high
    assert result.definitions["PERQ1"] == "low <= 5, middle 6-8, high >= 9"
    assert f"IA < -{IA_THRESHOLD:g}" in result.definitions["class"]


def test_coefficients_equal_an_ols_on_the_dummies(customer_data):
    # R: lm(CUSA1 ~ low1 + high1 + ..., data); here statsmodels OLS on the same dummies.
    result = penalty_reward(customer_data, outcome="CUSA1", attributes=ATTRIBUTES[:3], scales=(1, 10),
                            bootstrap=0)
    design = pd.DataFrame({f"{c}_{k}": (customer_data[c] <= 5 if k == "low" else customer_data[c] >= 9)
                           .astype(float) for c in ATTRIBUTES[:3] for k in ("low", "high")})
    fit = sm.OLS(customer_data["CUSA1"].astype(float), sm.add_constant(design)).fit()
    for code in ATTRIBUTES[:3]:
        assert result.attributes[code]["penalty"] == pytest.approx(fit.params[f"{code}_low"])
        assert result.attributes[code]["reward"] == pytest.approx(fit.params[f"{code}_high"])
        assert result.attributes[code]["ia_ci"] is None
    assert result.r2 == pytest.approx(fit.rsquared)


def test_bootstrap_is_repeatable_with_a_seed(customer_data):
    a = penalty_reward(customer_data, outcome="CUSA1", attributes=ATTRIBUTES, bootstrap=30, seed=7)
    b = penalty_reward(customer_data, outcome="CUSA1", attributes=ATTRIBUTES, bootstrap=30, seed=7)
    assert a.attributes["PERQ1"]["ia_ci"] == b.attributes["PERQ1"]["ia_ci"]


def test_wrong_sign_is_flagged():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 11, 3000)
    # Satisfaction *falls* when the attribute is rated high: the reward has the wrong sign.
    y = 6 - 1.0 * (x >= 9) + rng.normal(0, 1, 3000)
    frame = pd.DataFrame({"Y": y, "X": x, "Z": rng.integers(1, 11, 3000)})
    result = penalty_reward(frame, outcome="Y", attributes=["X", "Z"], scales=(1, 10), bootstrap=0)
    assert "reward" in result.attributes["X"]["wrong_sign"]
    assert any("'X': the reward has the wrong sign" in w for w in result.warnings)


def test_constant_attribute_is_left_out_and_bad_boxes_are_errors():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"Y": rng.integers(1, 11, 300), "X": rng.integers(1, 11, 300), "C": 7})
    result = penalty_reward(frame, outcome="Y", attributes=["X", "C"], scales=(1, 10), bootstrap=0)
    assert "C" not in result.attributes and any("'C' has the same answer (7)" in w for w in result.warnings)
    with pytest.raises(AnalysisError, match="no middle reference"):
        penalty_reward(frame, outcome="Y", attributes=["X"], low_boxes=8, scales=(1, 10), bootstrap=0)
    with pytest.raises(AnalysisError, match="No attribute varies"):
        penalty_reward(frame, outcome="Y", attributes=["C"], bootstrap=0)
    with pytest.raises(AnalysisError, match="'Q' is not in the data"):
        penalty_reward(frame, outcome="Y", attributes=["Q"], bootstrap=0)
