"""Net Promoter Score and its intervals.

References:

* SCIENCE.md section 6: n = 100 with 50 promoters and 20 detractors gives NPS 30 and the Wald interval
  [14.69, 45.31].
* Rocks (2016), The American Statistician, as described by Lewis & Sauro, MeasuringU "Confidence Intervals
  for Net Promoter Scores" and "Evaluating NPS Confidence Intervals with Real-World Data" (2021): "Add a
  constant of 3 to the sample size (n), 3/4 to the number of detractors, and 3/4 to the number of promoters,
  and then compute the interval using a standard error based on the variance of the difference in two
  proportions". Rocks' own R package (brendan-r/NPS, ``nps_test``) documents the same pseudo-observations,
  ``c(0.75, 1.5, 0.75)``. MeasuringU's worked numeric example could not be retrieved (only the beginnings of
  those pages are stored), so the adjusted intervals below are worked by hand from that recipe.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import AnalysisError
from analysis.jsonable import to_jsonable
from analysis.nps import NPSResult, nps


def answers(promoters: int, passives: int, detractors: int, name: str = "recommend") -> pd.Series:
    values = [10, 9] * (promoters // 2) + [9] * (promoters % 2)
    values += [8, 7] * (passives // 2) + [7] * (passives % 2)
    values += list(range(7)) * (detractors // 7) + list(range(detractors % 7))
    return pd.Series(values, name=name, dtype="int64")


def test_science_md_check_wald_interval() -> None:
    r = nps(answers(50, 30, 20))
    assert isinstance(r, NPSResult)
    assert r.n == 100
    assert r.score == pytest.approx(30.0)
    assert (r.promoters, r.passives, r.detractors) == pytest.approx((0.5, 0.3, 0.2))
    # SCIENCE.md: Wald CI [14.69, 45.31].
    assert [round(v, 2) for v in r.ci_wald] == [14.69, 45.31]


def test_adjusted_wald_interval_rocks_2016() -> None:
    r = nps(answers(50, 30, 20))
    # By hand: n' = 103, p_P' = 50.75/103 = .492718, p_D' = 20.75/103 = .201456, NPS' = .291262,
    # se' = sqrt((p_P' + p_D' - NPS'^2) / 103) = .076915, interval NPS' +- 1.96 se' = [14.05, 44.20].
    assert r.se == pytest.approx(7.6915, abs=1e-4)
    assert r.ci == pytest.approx([14.0511, 44.2013], abs=1e-4)
    # The adjustment pulls the interval toward zero compared with the plain Wald interval.
    assert r.ci[0] < r.ci_wald[0] and r.ci[1] < r.ci_wald[1]


def test_extreme_sample_gets_a_real_interval() -> None:
    """All promoters: the Wald interval collapses to a point, the adjusted one does not (Rocks' point)."""
    r = nps(answers(10, 0, 0))
    assert r.score == 100.0
    assert r.ci_wald == pytest.approx([100.0, 100.0])
    # By hand: n' = 13, NPS' = (10.75 - 0.75)/13 = .769231, se' = .150102 -> [47.50, 106.34], clipped to 100.
    assert r.ci == pytest.approx([47.5036, 100.0], abs=1e-4)
    assert any("Only 10 answers" in w for w in r.warnings)


def test_small_mixed_sample() -> None:
    r = nps(answers(15, 14, 7))
    assert r.score == pytest.approx(100 * 8 / 36)
    # By hand: n' = 39, NPS' = 8/39 = .205128, se' = .119881 -> [-2.98, 44.01].
    assert r.ci == pytest.approx([-2.9834, 44.0091], abs=1e-4)


def test_missing_answers_are_ignored_and_floats_accepted() -> None:
    s = pd.Series([10.0, 9.0, np.nan, 3.0, 8.0, None], name="q_nps")
    r = nps(s)
    assert r.n == 4
    assert r.score == pytest.approx(25.0)
    r2 = nps(pd.Series([10, 9, None, 3, 8], dtype="Int64"))
    assert r2.n == 4 and r2.score == pytest.approx(25.0)


def test_custom_categories() -> None:
    s = pd.Series([10, 9, 8, 7, 6, 5], name="enps")
    r = nps(s, promoters=(8, 9, 10), detractors=(0, 1, 2, 3, 4, 5))
    assert (r.promoters, r.passives, r.detractors) == pytest.approx((0.5, 2 / 6, 1 / 6))
    with pytest.raises(AnalysisError, match="both promoter and detractor"):
        nps(s, promoters=(6, 9, 10))


def test_values_outside_0_10_name_the_column() -> None:
    with pytest.raises(AnalysisError, match="'recommend'.*0 to 10.*11"):
        nps(pd.Series([10, 11, 5], name="recommend"))
    with pytest.raises(AnalysisError, match="'recommend'.*-1"):
        nps(pd.Series([-1, 5], name="recommend"))


def test_non_integers_name_the_column() -> None:
    with pytest.raises(AnalysisError, match="'recommend'.*whole numbers.*8.5"):
        nps(pd.Series([8.5, 9.0], name="recommend"))


def test_non_numeric_and_empty_columns() -> None:
    with pytest.raises(AnalysisError, match="'recommend' is not numeric"):
        nps(pd.Series(["9", "10"], name="recommend"))
    with pytest.raises(AnalysisError, match="'recommend' has no answers"):
        nps(pd.Series([np.nan, np.nan], name="recommend"))
    with pytest.raises(AnalysisError, match="the NPS column has no answers"):
        nps(pd.Series([], dtype="float64"))


def test_large_sample_is_fast_and_json_ready() -> None:
    rng = np.random.default_rng(4)
    s = pd.Series(rng.integers(0, 11, size=200_000), name="recommend")
    r = nps(s)
    counts = s.value_counts()
    expected = 100 * (counts[[9, 10]].sum() - counts[list(range(7))].sum()) / len(s)
    assert r.score == pytest.approx(expected)
    out = to_jsonable(r)
    assert set(out) == {"n", "score", "promoters", "passives", "detractors", "se", "ci", "ci_wald",
                        "warnings", "n_eff"}
    assert out["warnings"] == []
