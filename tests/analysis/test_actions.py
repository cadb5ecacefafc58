"""analysis.actions: per-action changes by hand and against scipy, the DiD against statsmodels, the gate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from analysis.actions import MIN_CLUSTERS, evaluate_actions
from analysis.errors import AnalysisError


def _data(units: int = 6, per_unit: int = 12, lift: float = 0.8, seed: int = 3) -> pd.DataFrame:
    """Two waves, ``units`` units; unit u0 and u1 gain ``lift`` on Q1 and Q2 in wave 2."""
    rng = np.random.default_rng(seed)
    rows = []
    for wave in (1, 2):
        for u in range(units):
            for _ in range(per_unit - (u == units - 1) * 2 * (wave == 2)):
                base = 3 + 0.2 * u + (lift if wave == 2 and u < 2 else 0)
                rows.append({"wave": wave, "unit": f"u{u}",
                             "Q1": int(np.clip(round(base + rng.normal(0, 0.9)), 1, 5)),
                             "Q2": int(np.clip(round(base + rng.normal(0, 0.9)), 1, 5))})
    return pd.DataFrame(rows)


ACTIONS = pd.DataFrame({"driver": ["Care", "Care", "Q1"], "unit": ["u0", "u1", None],
                        "status": ["done", "in_progress", "planned"]}, index=[10, 11, 12])
DRIVERS = {"Care": ["Q1", "Q2"], "Q1": ["Q1"]}
SCALES = {"Care": (1.0, 5.0), "Q1": (1.0, 5.0)}


def _run(df, **options):
    settings = {"wave": "wave", "unit": "unit", "earlier": 1, "later": 2, "drivers": DRIVERS, "actions": ACTIONS,
                "scales": SCALES, "min_group_size": 5, **options}
    return evaluate_actions(df, **settings)


def test_each_action_change_is_welch_on_the_index_by_hand():
    df = _data()
    out = _run(df)
    score = 100 * (df[["Q1", "Q2"]].mean(axis=1) - 1) / 4
    before = score[(df["wave"] == 1) & (df["unit"] == "u0")]
    after = score[(df["wave"] == 2) & (df["unit"] == "u0")]
    row = out.changes.loc[10]
    assert row["reason"] == "shown" and row["scale"] == "index"
    assert row["n_before"] == len(before) == 12 and row["n_after"] == 12
    assert row["mean_before"] == pytest.approx(before.mean(), abs=1e-12)
    assert row["change"] == pytest.approx(after.mean() - before.mean(), abs=1e-12)
    test = stats.ttest_ind(after, before, equal_var=False)
    assert row["p"] == pytest.approx(test.pvalue, rel=1e-10)
    low, high = test.confidence_interval(0.95)
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low, rel=1e-10), pytest.approx(high, rel=1e-10))
    # the whole-survey action: every respondent, Q1 alone
    whole = out.changes.loc[12]
    q1 = 100 * (df["Q1"] - 1) / 4
    assert pd.isna(whole["unit"]) and whole["n_before"] == len(df[df["wave"] == 1])
    assert whole["change"] == pytest.approx(q1[df["wave"] == 2].mean() - q1[df["wave"] == 1].mean(), abs=1e-12)


def test_a_change_is_labelled_only_when_its_interval_excludes_zero():
    out = _run(_data(lift=1.5))
    for _, row in out.changes.iterrows():
        expected = "improved" if row["ci_low"] > 0 else "declined" if row["ci_high"] < 0 else "unclear"
        assert row["verdict"] == expected
    assert out.changes.loc[10, "verdict"] == "improved"
    flat = _run(_data(lift=0.0, seed=9))
    assert flat.changes.loc[11, "ci_low"] < 0 < flat.changes.loc[11, "ci_high"]
    assert flat.changes.loc[11, "verdict"] == "unclear"


def test_did_matches_statsmodels_with_hc1_below_the_cluster_threshold():
    df = _data()
    out = _run(df)
    row = out.did.loc["Care"]
    frame = pd.DataFrame({"score": 100 * (df[["Q1", "Q2"]].mean(axis=1) - 1) / 4,
                          "later": (df["wave"] == 2).astype(float),
                          "acted": df["unit"].isin(["u0", "u1"]).astype(float)})
    fit = smf.ols("score ~ later * acted", data=frame).fit(cov_type="HC1", use_t=True)
    assert row["se_kind"] == "hc1" and row["clusters"] == 6 < MIN_CLUSTERS
    assert row["did"] == pytest.approx(fit.params["later:acted"], rel=1e-10)
    assert row["se"] == pytest.approx(fit.bse["later:acted"], rel=1e-10)
    assert row["p"] == pytest.approx(fit.pvalues["later:acted"], rel=1e-10)
    # and by hand: the interaction of a saturated 2x2 model is the difference of the cell means' changes
    cells = frame.groupby(["acted", "later"])["score"].mean()
    assert row["did"] == pytest.approx((cells[1, 1] - cells[1, 0]) - (cells[0, 1] - cells[0, 0]), abs=1e-10)
    assert (row["treated_units"], row["control_units"]) == (2, 4)
    assert row["n_control_after"] == 4 * 12 - 2
    assert "few_units" in out.caveats and {"not_randomised", "regression_to_mean"} <= set(out.caveats)


def test_did_is_clustered_by_unit_from_the_threshold_on():
    df = _data(units=MIN_CLUSTERS, per_unit=6)
    out = _run(df)
    row = out.did.loc["Care"]
    frame = pd.DataFrame({"score": 100 * (df[["Q1", "Q2"]].mean(axis=1) - 1) / 4,
                          "later": (df["wave"] == 2).astype(float),
                          "acted": df["unit"].isin(["u0", "u1"]).astype(float)})
    groups = pd.factorize(df["unit"])[0]
    fit = smf.ols("score ~ later * acted", data=frame).fit(cov_type="cluster", cov_kwds={"groups": groups},
                                                           use_t=True)
    assert row["se_kind"] == "cluster" and row["clusters"] == MIN_CLUSTERS
    assert row["did"] == pytest.approx(fit.params["later:acted"], rel=1e-10)
    assert row["se"] == pytest.approx(fit.bse["later:acted"], rel=1e-10)
    low, high = fit.conf_int().loc["later:acted"]
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low, rel=1e-10), pytest.approx(high, rel=1e-10))
    assert "few_units" not in out.caveats


def test_a_unit_below_k_or_hidden_by_the_gate_shows_nothing():
    df = _data()
    small = df[~((df["unit"] == "u1") & (df["wave"] == 2))].copy()
    small = pd.concat([small, df[(df["unit"] == "u1") & (df["wave"] == 2)].head(4)])  # 4 < k = 5
    out = _run(small)
    row = out.changes.loc[11]
    assert row["reason"] == "small"
    assert all(pd.isna(row[c]) for c in ("n_before", "n_after", "mean_before", "mean_after", "change", "ci_low"))
    assert pd.isna(row["verdict"])
    hidden = _run(df, hidden_units={"u0"})
    assert hidden.changes.loc[10, "reason"] == "hidden" and pd.isna(hidden.changes.loc[10, "change"])
    assert hidden.did.loc["Care", "reason"] == "gate" and pd.isna(hidden.did.loc["Care", "did"])


def test_the_did_refuses_when_the_respondents_left_out_are_fewer_than_k():
    df = _data()
    df.loc[df.index[:3], "unit"] = None  # three respondents without a unit in wave 1: 0 < 3 < k
    out = _run(df)
    assert out.did.loc["Care", "reason"] == "gate" and pd.isna(out.did.loc["Care", "se"])
    # a hidden unit whose own answers are left out (12 >= k per wave) is fine
    fine = _run(_data(), hidden_groups={"u5"})
    assert fine.did.loc["Care", "reason"] == "shown" and fine.did.loc["Care", "control_units"] == 3


def test_dropped_actions_do_not_count_and_bad_input_is_refused():
    df = _data()
    dropped = ACTIONS.assign(status=["dropped", "dropped", "planned"])
    assert _run(df, actions=dropped).did.empty  # no acting unit left for Care; Q1's only action is survey-wide
    with pytest.raises(AnalysisError, match="'Nope'"):
        _run(df, actions=pd.DataFrame({"driver": ["Nope"], "unit": ["u0"]}, index=[1]))
    with pytest.raises(AnalysisError, match="column 'team'"):
        _run(df, unit="team")
