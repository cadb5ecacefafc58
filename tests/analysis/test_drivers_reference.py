"""The key-driver analysis's fast paths against straightforward reference computations.

The OLS comes from the standardized cross-products instead of a fit on the rows; the subsample bootstrap gathers
blocks of resamples at once. Each must give what statsmodels' OLS / WLS and one gather per resample give.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from analysis import drivers
from analysis.drivers import key_drivers, ols_drivers


def _survey(n: int, p: int, seed: int) -> pd.DataFrame:
    """Whole-number answers 1-10 with a shared factor, the outcome a noisy sum of them."""
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=(n, 1))
    x = np.clip(np.round(6 + 1.5 * factor + 1.5 * rng.normal(size=(n, p))), 1, 10)
    y = np.clip(np.round(x @ rng.uniform(-0.2, 0.5, p) + rng.normal(0, 1.5 + 0.2 * x[:, 0], n)), 1, 10)
    return pd.DataFrame(x, columns=[f"q{j + 1}" for j in range(p)]).assign(overall=y)


def _reference(frame: pd.DataFrame, predictors: list[str], weights: np.ndarray | None):
    exog = sm.add_constant(frame[predictors])
    model = sm.OLS(frame["overall"], exog) if weights is None else sm.WLS(frame["overall"], exog, weights=weights)
    return model.fit()


@pytest.mark.parametrize(("n", "p", "weighted"), [(40, 1, False), (300, 4, False), (300, 4, True),
                                                   (2000, 7, False), (2000, 7, True), (25, 6, True)])
def test_ols_equals_statsmodels(n: int, p: int, weighted: bool) -> None:
    frame = _survey(n, p, seed=n + p)
    predictors = list(frame.columns[:-1])
    weights = np.random.default_rng(p).uniform(0.2, 3.0, n) if weighted else None
    res = key_drivers(frame, outcome="overall", predictors=predictors, bootstrap=0, weights=weights).ols
    fit = _reference(frame, predictors, weights)
    names = ["const", *predictors]
    assert list(res.coef) == names
    for ours, theirs in ((res.coef, fit.params), (res.se, fit.bse), (res.se_hc3, fit.HC3_se),
                         (res.p, fit.pvalues)):
        assert [ours[c] for c in names] == pytest.approx(theirs[names].tolist(), rel=1e-9, abs=1e-300)
    robust_t = (fit.params / fit.HC3_se)[names].to_numpy()
    assert [res.p_hc3[c] for c in names] == pytest.approx(2 * stats.t.sf(np.abs(robust_t), fit.df_resid), rel=1e-9)
    assert res.r2 == pytest.approx(fit.rsquared, rel=1e-12)
    assert res.adj_r2 == pytest.approx(fit.rsquared_adj, rel=1e-12)
    if not weighted:
        plain = ols_drivers(frame, outcome="overall", predictors=predictors)
        assert plain.se_hc3 == pytest.approx(res.se_hc3, rel=1e-12)
        assert plain.coef == pytest.approx(res.coef, rel=1e-12)


def _one_gather_per_resample(z: np.ndarray, n_boot: int, rng: np.random.Generator, subsample: int,
                             case_w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The former loop: one draw and one gather of the rows per resample."""
    n, k = z.shape
    upper = np.triu_indices(k)
    sums, products, totals = np.empty((n_boot, k)), np.empty((n_boot, len(upper[0]))), np.empty(n_boot)
    ones = np.ones(subsample)
    for b in range(n_boot):
        drawn = rng.integers(0, n, subsample)
        rows_b = z[drawn]
        w_b = ones if case_w is None else case_w[drawn]
        sums[b] = w_b @ rows_b
        products[b] = ((rows_b * w_b[:, None]).T @ rows_b)[upper]
        totals[b] = w_b.sum()
    return sums, products, totals


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("budget", [None, 3 * 8 * 5 * 50])
def test_subsample_bootstrap_equals_one_gather_per_resample(monkeypatch: pytest.MonkeyPatch, weighted: bool,
                                                           budget: int | None) -> None:
    """Blocks of resamples (several when the memory budget is small) give exactly the former correlations."""
    if budget is not None:
        monkeypatch.setattr(drivers, "_GATHER_BUDGET", budget)  # 3 resamples per block
    frame = _survey(500, 4, seed=1)
    x = frame.to_numpy(dtype=float)
    z = np.asfortranarray((x - x.mean(axis=0)) / x.std(axis=0, ddof=1))  # column-major, as key_drivers has it
    case_w = np.random.default_rng(2).uniform(0.5, 2.0, len(z)) if weighted else None
    corrs = drivers._bootstrap_corrs(z, 11, np.random.default_rng(9), 50, case_w)
    sums, products, totals = _one_gather_per_resample(z, 11, np.random.default_rng(9), 50, case_w)
    mean = sums / totals[:, None]
    upper = np.triu_indices(z.shape[1])
    cov = np.empty((11, 5, 5))
    centred = products / totals[:, None] - mean[:, upper[0]] * mean[:, upper[1]]
    cov[:, upper[0], upper[1]] = centred
    cov[:, upper[1], upper[0]] = centred
    scale = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    expected = cov / (scale[:, :, None] * scale[:, None, :])
    expected[:, np.arange(5), np.arange(5)] = 1.0
    assert np.array_equal(corrs, expected)


def test_weighted_key_drivers_with_subsample_is_reproducible() -> None:
    frame = _survey(3000, 3, seed=4)
    predictors = list(frame.columns[:-1])
    weights = np.random.default_rng(5).uniform(0.5, 2.0, len(frame))
    first = key_drivers(frame, outcome="overall", predictors=predictors, bootstrap=40, seed=6,
                        bootstrap_subsample=500, weights=weights)
    again = key_drivers(frame, outcome="overall", predictors=predictors, bootstrap=40, seed=6,
                        bootstrap_subsample=500, weights=weights)
    assert first.shapley_ci == again.shapley_ci
    assert all(lo <= first.shapley[c] <= hi for c, (lo, hi) in first.shapley_ci.items())
