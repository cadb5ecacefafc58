"""The satisfaction trap's fast paths against straightforward reference computations.

Penalty-reward sums over patterns of dummies instead of rows, the zone search computes its chi-square tests
directly, the segments count stages from one factorization: each must give what the former row-by-row code,
``scipy.stats.chi2_contingency`` and ``value_counts`` give.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from analysis import trap, trap_attributes, trap_segments
from analysis.trap_attributes import penalty_reward


def _ratings(n: int, attributes: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 11, (n, attributes)).astype(float)
    y = np.clip(np.round(6 - 1.2 * (x[:, 0] <= 5) + 0.8 * (x[:, -1] >= 9) + rng.normal(0, 1.5, n)), 1, 10)
    return pd.DataFrame(x, columns=[f"A{j}" for j in range(attributes)]).assign(overall=y)


def _rows_bootstrap(design: np.ndarray, y: np.ndarray, bootstrap: int, seed: int, beta: np.ndarray) -> np.ndarray:
    """The former bootstrap: draw, gather and solve one resample of rows at a time."""
    rng = np.random.default_rng(seed)
    n = design.shape[0]
    m = min(n, trap_attributes.TRAP_BOOTSTRAP_ROWS)
    scale = np.sqrt(m / n)
    out = np.empty((bootstrap, design.shape[1]))
    design32, y32 = design.astype(np.float32), y.astype(np.float32)
    for b in range(bootstrap):
        rows = rng.integers(0, n, size=m)
        x, t = design32[rows], y32[rows]
        gram = (x.T @ x).astype(np.float64)
        moment = (x.T @ t).astype(np.float64)
        empty = np.diag(gram) == 0
        if empty.any():
            coef = np.linalg.lstsq(gram, moment, rcond=None)[0]
            coef[empty] = np.nan
        else:
            try:
                coef = np.linalg.solve(gram, moment)
            except np.linalg.LinAlgError:
                coef = np.full(len(moment), np.nan)
        out[b] = beta + scale * (coef - beta)
    return out


def _dummies(frame: pd.DataFrame, attributes: list[str]) -> list[np.ndarray]:
    return [frame[c].to_numpy() <= 5 if kind == "low" else frame[c].to_numpy() >= 9
            for c in attributes for kind in ("low", "high")]


@pytest.mark.parametrize(("n", "attributes", "cap", "budget"), [
    (3000, 4, 10_000, None),   # every row drawn, by pattern
    (3000, 4, 800, None),      # subsamples of 800 rows, rescaled, by pattern
    (25, 6, 10_000, None),     # more patterns than rows: by rows; small resamples leave a dummy empty
    (2000, 3, 500, 2000),      # a tiny memory budget: by rows, in blocks of resamples
])
def test_bootstrap_equals_one_resample_of_rows_at_a_time(monkeypatch: pytest.MonkeyPatch, n: int, attributes: int,
                                                         cap: int, budget: int | None) -> None:
    monkeypatch.setattr(trap_attributes, "TRAP_BOOTSTRAP_ROWS", cap)
    if budget is not None:
        monkeypatch.setattr(trap_attributes, "_MEMORY_BUDGET", budget)
    frame = _ratings(n, attributes, seed=n)
    if n < 100:
        frame["A0"] = np.where(np.arange(n) < 2, 10.0, np.minimum(frame["A0"], 8.0))  # two respondents rate it high
    columns = _dummies(frame, list(frame.columns[:-1]))
    y = frame["overall"].to_numpy()
    rows = np.column_stack([np.ones(n), *columns]).astype(float)
    beta = np.linalg.lstsq(rows, y, rcond=None)[0]
    pattern, design = trap_attributes._patterns(columns) or (None, rows)
    assert np.array_equal(design if pattern is None else design[pattern], rows)
    assert (pattern is None) == (n < 100)  # 25 rows in nearly as many patterns: the rows themselves
    ours = trap_attributes._bootstrap(pattern, design, y, 37, 5, beta)
    expected = _rows_bootstrap(rows, y, 37, 5, beta)
    assert np.array_equal(np.isnan(ours), np.isnan(expected))
    assert np.array_equal(ours[~np.isnan(ours)], expected[~np.isnan(expected)])
    if n < 100:
        assert np.isnan(ours).any()  # the lstsq / singular branches were exercised


def test_patterns_number_rows_by_first_appearance_or_give_way_to_the_rows() -> None:
    rng = np.random.default_rng(3)
    columns = [rng.random(400) < 0.1 for _ in range(10)]
    pattern, design = trap_attributes._patterns(columns)
    assert np.array_equal(design[pattern], np.column_stack([np.ones(400), *columns]))
    assert len(design) == len(np.unique(np.column_stack(columns), axis=0))
    assert pattern[0] == 0 and np.all(np.diff(np.maximum.accumulate(pattern)) <= 1)
    # nearly one pattern per row, or more dummies than a 64-bit code holds: the rows themselves
    assert trap_attributes._patterns([rng.random(400) < 0.5 for _ in range(30)]) is None
    assert trap_attributes._patterns([rng.random(400) < 0.01 for _ in range(70)]) is None


@pytest.mark.parametrize(("n", "attributes"), [(1500, 5), (400, 33)])
def test_point_estimates_and_bootstrap_with_or_without_patterns(n: int, attributes: int) -> None:
    frame = _ratings(n, attributes, seed=attributes)
    names = list(frame.columns[:-1])
    columns = _dummies(frame, names)
    assert (trap_attributes._patterns(columns) is None) == (attributes > 31)
    result = penalty_reward(frame, outcome="overall", attributes=names, scales=(1, 10), bootstrap=25, seed=4)
    rows = np.column_stack([np.ones(n), *columns])
    fit = sm.OLS(frame["overall"].to_numpy(), rows).fit()
    assert [result.attributes[c][k] for c in names for k in ("penalty", "reward")] == pytest.approx(
        fit.params[1:], rel=1e-9)
    assert result.r2 == pytest.approx(fit.rsquared, rel=1e-10)
    draws = _rows_bootstrap(rows, frame["overall"].to_numpy(), 25, 4, fit.params)
    for j, (c, k) in enumerate((c, k) for c in names for k in ("penalty", "reward")):
        assert result.attributes[c][f"{k}_ci"] == pytest.approx(np.percentile(draws[:, j + 1], [2.5, 97.5]), rel=1e-9)


def test_point_estimates_equal_an_ols_on_the_rows() -> None:
    frame = _ratings(1500, 5, seed=2)
    attributes = list(frame.columns[:-1])
    result = penalty_reward(frame, outcome="overall", attributes=attributes, scales=(1, 10), bootstrap=0)
    design = pd.DataFrame({f"{c}_{kind}": dummy.astype(float) for (c, kind), dummy in
                           zip([(c, k) for c in attributes for k in ("low", "high")], _dummies(frame, attributes),
                               strict=True)})
    fit = sm.OLS(frame["overall"], sm.add_constant(design)).fit()
    for c in attributes:
        assert result.attributes[c]["penalty"] == pytest.approx(fit.params[f"{c}_low"], rel=1e-10)
        assert result.attributes[c]["reward"] == pytest.approx(fit.params[f"{c}_high"], rel=1e-10)
    assert result.r2 == pytest.approx(fit.rsquared, rel=1e-10)


def test_homogeneity_p_equals_chi2_contingency() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        n = rng.integers(1, 50_000, rng.integers(2, 11)).astype(float)
        k = np.floor(n * rng.uniform(0.01, 0.99, len(n)))
        table = np.vstack([k, n - k])
        if table[0].sum() == 0 or table[1].sum() == 0:
            continue
        assert trap._homogeneity_p(table) == stats.chi2_contingency(table, correction=False)[1]


@pytest.mark.parametrize("values", [[0, 1, np.nan, 1], [1, 1], [0, 0, 0], [np.nan, np.nan], [0, 2, 1], [0.5, 1],
                                    [1, 2, 3], [np.nan, 0]])
def test_binary_is_the_set_of_answers_within_zero_and_one(values: list[float]) -> None:
    x = np.array(values, dtype=float)
    seen = np.unique(x[~np.isnan(x)])
    assert trap._binary(x) == (seen.size > 0 and set(seen.tolist()) <= {0.0, 1.0})


@pytest.mark.parametrize("column", [
    pd.Series(["b", "a", None, "c", "a", "b", "a"] * 30, dtype="str"),
    pd.Series(["b", "a", None, "c", "a", "b", "a"] * 30, dtype=object),
    pd.Series([3.0, 1.0, np.nan, 2.0, 1.0, 3.0, 1.0] * 30),
    pd.Series(pd.Categorical(["b", "a", None, "a", "a", "b", "a"] * 30, categories=["a", "b", "z"])),
])
def test_stage_shares_equal_value_counts(column: pd.Series) -> None:
    rng = np.random.default_rng(4)
    groups = {"first": rng.random(len(column)) < 0.4, "second": rng.random(len(column)) < 0.1,
              "empty": np.zeros(len(column), dtype=bool)}
    expected = {name: {str(k): float(v) for k, v in
                       column[mask].dropna().value_counts(normalize=True).sort_index().items()}
                for name, mask in groups.items()}
    assert repr(trap_segments._shares_by_group(column, groups)) == repr(expected)  # NaN shares of a category too


@pytest.mark.parametrize("column", [pd.Series([1, 2, 3]), pd.Series([1.5, np.nan]), pd.Series([1, None], dtype="Int64"),
                                    pd.Series([True, False]), pd.Series(["1", "2.5", None], dtype=object)])
def test_numeric_column_equals_to_numeric(column: pd.Series) -> None:
    frame = pd.DataFrame({"c": column})
    expected = pd.to_numeric(column, errors="coerce").astype(float)
    pd.testing.assert_series_equal(trap.numeric_column(frame, "c", "rating"), expected, check_names=False)
