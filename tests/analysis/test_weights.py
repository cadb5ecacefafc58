"""Sampling weights in PLS, key drivers and NPS: integer weights equal repeated rows, weights of 1 change nothing,
and the weighted regression is statsmodels' WLS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.drivers import key_drivers
from analysis.jsonable import to_jsonable
from analysis.nps import nps
from analysis.pls import kish_n, pls_pm
from tests.analysis.conftest import ECSI_CONSTRUCTS

BLOCKS = {name: ECSI_CONSTRUCTS[name] for name in ("Image", "Expectation", "Value", "Satisfaction")}
ARROWS = {"Image": ["Satisfaction"], "Expectation": ["Satisfaction", "Value"], "Value": ["Satisfaction"]}
SCALES = {name: (1.0, 10.0) for name in BLOCKS}


@pytest.fixture(scope="module")
def counts(mobi: pd.DataFrame) -> np.ndarray:
    return np.random.default_rng(11).integers(1, 4, size=len(mobi))


def flat(value: object) -> list[float]:
    """Every number in a nested dict / list, in order (for comparing whole results)."""
    value = to_jsonable(value)
    if isinstance(value, dict):
        return [v for key in sorted(value) for v in flat(value[key])]
    if isinstance(value, list):
        return [v for item in value for v in flat(item)]
    return [value] if isinstance(value, float | int) and not isinstance(value, bool) else []


def repeated(df: pd.DataFrame, counts: np.ndarray) -> pd.DataFrame:
    return df.loc[df.index.repeat(counts)].reset_index(drop=True)


def test_pls_integer_weights_equal_repeated_rows(mobi: pd.DataFrame, counts: np.ndarray) -> None:
    weighted = pls_pm(mobi, BLOCKS, ARROWS, scales=SCALES, sample_weights=counts)
    copies = pls_pm(repeated(mobi, counts), BLOCKS, ARROWS, scales=SCALES)
    for field in ("paths", "weights", "loadings", "r2", "index", "alpha", "rho_c", "htmt"):
        assert flat(getattr(weighted, field)) == pytest.approx(flat(getattr(copies, field)), abs=1e-10), field
    assert weighted.n == len(mobi) and weighted.n_eff == pytest.approx(kish_n(counts))
    assert weighted.n_eff < copies.n_eff == counts.sum()


def test_pls_weights_of_one_reproduce_the_unweighted_model_and_bootstrap(mobi: pd.DataFrame) -> None:
    plain = pls_pm(mobi, BLOCKS, ARROWS, scales=SCALES, bootstrap=30, seed=5)
    ones = pls_pm(mobi, BLOCKS, ARROWS, scales=SCALES, bootstrap=30, seed=5, sample_weights=np.ones(len(mobi)))
    for field in ("paths", "weights", "index", "index_ci", "se", "ci"):
        assert flat(getattr(ones, field)) == pytest.approx(flat(getattr(plain, field)), abs=1e-10), field


def test_drivers_are_statsmodels_wls(mobi: pd.DataFrame, counts: np.ndarray) -> None:
    predictors = ["IMAG1", "CUEX1", "PERV1"]
    weights = counts * 0.5
    result = key_drivers(mobi, outcome="CUSA1", predictors=predictors, bootstrap=0, weights=weights)
    wls = sm.WLS(mobi["CUSA1"], sm.add_constant(mobi[predictors]), weights=weights).fit()
    assert [result.ols.coef[name] for name in predictors] == pytest.approx(wls.params[predictors].tolist())
    assert [result.ols.se[name] for name in predictors] == pytest.approx(wls.bse[predictors].tolist())
    assert result.ols.r2 == pytest.approx(wls.rsquared)


def test_drivers_integer_weights_equal_repeated_rows_and_ones_change_nothing(mobi: pd.DataFrame,
                                                                            counts: np.ndarray) -> None:
    predictors = ["IMAG1", "CUEX1", "PERV1"]
    weighted = key_drivers(mobi, outcome="CUSA1", predictors=predictors, bootstrap=0, weights=counts)
    copies = key_drivers(repeated(mobi, counts), outcome="CUSA1", predictors=predictors, bootstrap=0)
    assert weighted.shapley == pytest.approx(copies.shapley, abs=1e-12)
    assert weighted.relative_weights == pytest.approx(copies.relative_weights, abs=1e-12)
    assert weighted.ols.coef == pytest.approx(copies.ols.coef, abs=1e-10)
    plain = key_drivers(mobi, outcome="CUSA1", predictors=predictors, bootstrap=20, seed=2)
    ones = key_drivers(mobi, outcome="CUSA1", predictors=predictors, bootstrap=20, seed=2,
                       weights=np.ones(len(mobi)))
    assert flat(ones.shapley_ci) == pytest.approx(flat(plain.shapley_ci), abs=1e-12)
    assert ones.ols.se == pytest.approx(plain.ols.se, abs=1e-12)
    assert flat(ones.ipa) == pytest.approx(flat(plain.ipa), abs=1e-12)


def test_nps_weighted_shares_and_effective_n() -> None:
    answers = pd.Series([10, 9, 8, 7, 3, 0, 10, 6], name="recommend")
    copies = pd.Series(np.repeat(answers.to_numpy(), [3, 1, 2, 1, 1, 2, 1, 1]), name="recommend")
    weights = pd.Series([3, 1, 2, 1, 1, 2, 1, 1], dtype=float)
    weighted = nps(answers, weights=weights)
    assert weighted.score == pytest.approx(nps(copies).score)
    assert weighted.n_eff == pytest.approx(weights.sum() ** 2 / (weights**2).sum())
    # the interval is the unweighted formula at n_eff: wider than the repeated rows pretend
    half = 1.959963984540054 * np.sqrt((weighted.promoters + weighted.detractors
                                        - (weighted.promoters - weighted.detractors) ** 2) / weighted.n_eff)
    assert weighted.ci_wald == pytest.approx([max(-100, weighted.score - 100 * half),
                                              min(100, weighted.score + 100 * half)])
    plain = nps(answers)
    ones = nps(answers, weights=pd.Series(np.ones(len(answers))))
    assert flat(ones) == pytest.approx(flat(plain))
