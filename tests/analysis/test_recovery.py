"""Complaint recovery on real cases: numbers by hand on a small fixture, intervals against scipy."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.errors import AnalysisError
from analysis.recovery import recovery_analysis

T = pd.Timestamp("2026-12-07 09:00")


def _case(response_id, hours, *, invited=True, answers=None):
    row = {"response_id": response_id, "opened_at": T,
           "resolved_at": T + pd.Timedelta(hours=hours) if hours is not None else pd.NaT,
           "invited": invited, "answered": answers is not None}
    keys = ("outcome", "procedure", "interaction", "satisfaction", "recommend")
    row.update(dict(zip(keys, answers or (np.nan,) * 5, strict=True)))
    return row


def _small():
    cases = pd.DataFrame([
        _case(1, 6, answers=(5, 4, 5, 5, 9)),     # recovered (satisfied, outcome fair)
        _case(2, 24, answers=(2, 2, 3, 2, 4)),    # not recovered
        _case(3, 2),                              # follow-up not answered
        _case(4, None, invited=False),            # still open
        _case(5, 10, answers=(3, 4, 4, 4, 10)),   # recovered (satisfied, outcome not judged fair)
    ])
    customers = pd.DataFrame({"recommend": [3, 2, 5, 1, 4, 10, 9, 7, 8, 2],
                              "problem": [1, 1, 1, 1, 1, 0, 0, 0, 0, 1]}, index=range(1, 11))
    return cases, customers


def _wilson(k, n):
    z = stats.norm.ppf(0.975)
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def test_counts_times_and_response_rate_by_hand():
    result = recovery_analysis(*_small())
    assert (result.cases, result.resolved, result.invited, result.answered) == (5, 4, 4, 3)
    # hours 2, 6, 10, 24: median 8; quartiles (R type 7) 2 + .75 * 4 = 5 and 10 + .25 * 14 = 13.5
    assert (result.hours_median, result.hours_q1, result.hours_q3) == (8.0, 5.0, 13.5)
    assert result.response_rate == 0.75
    assert result.response_rate_ci == pytest.approx(_wilson(3, 4))
    assert (result.recovered, result.not_recovered) == (2, 1)


def test_three_groups_by_hand_and_no_verdict_on_few_cases():
    result = recovery_analysis(*_small())
    recovered, never, not_recovered = result.groups
    assert [g.group for g in result.groups] == ["recovered", "never_problem", "not_recovered"]
    # never had a problem: responses 6-9 (10 had a problem but no case: in no group)
    assert never.n == 4 and never.mean == 8.5 and never.promoters == 0.5
    half = stats.t.ppf(0.975, 3) * math.sqrt(5 / 3) / 2  # s = sqrt(((1.5² + .5²) * 2) / 3)
    assert never.mean_ci == pytest.approx((8.5 - half, 8.5 + half))
    assert never.mean_ci == pytest.approx(stats.t.interval(0.95, 3, loc=8.5, scale=stats.sem([10, 9, 7, 8])))
    assert never.promoters_ci == pytest.approx(_wilson(2, 4))
    assert (recovered.n, recovered.mean, recovered.promoters) == (2, 9.5, 1.0)
    assert (not_recovered.n, not_recovered.mean, not_recovered.mean_ci) == (1, 4.0, None)
    assert not any(g.enough for g in result.groups)
    assert result.paradox == "not_enough_cases"
    assert result.paradox_difference == 1.0  # shown as a figure, no verdict drawn
    assert result.drivers == [] and result.top_driver is None and result.drivers_n == 3


def test_the_paradox_verdict_matches_welch_in_scipy():
    recovered = [9, 10, 10, 9, 8, 10, 9, 10, 9, 10, 9]
    never = [7, 8, 6, 9, 7, 8, 8, 7, 6, 9, 8, 7]
    cases = pd.DataFrame([_case(i, 5, answers=(5, 5, 5, 5, v)) for i, v in enumerate(recovered, start=1)])
    customers = pd.DataFrame({"recommend": never, "problem": [0] * len(never)}, index=range(100, 100 + len(never)))
    result = recovery_analysis(cases, customers)
    reference = stats.ttest_ind(recovered, never, equal_var=False)
    assert result.paradox_difference == pytest.approx(np.mean(recovered) - np.mean(never))
    assert result.paradox_ci == pytest.approx(tuple(reference.confidence_interval(0.95)))
    assert result.paradox == "supported" and result.paradox_ci[0] > 0
    # the other way round it is contradicted
    swapped = recovery_analysis(
        pd.DataFrame([_case(i, 5, answers=(5, 5, 5, 5, v)) for i, v in enumerate(never, start=1)]),
        pd.DataFrame({"recommend": recovered, "problem": 0}, index=range(100, 100 + len(recovered))))
    assert swapped.paradox == "contradicted"


def test_justice_drivers_on_an_orthogonal_design_weights_equal_correlations():
    # 2^3 design, 4 replicates; recommend = 2 outcome + procedure + noise that sums to 0 within each cell, so
    # the dimensions are uncorrelated and each standardised weight equals its correlation
    rows, noise = [], [1, -1, -1, 1]
    for number, ((o, p, i), e) in enumerate(itertools.product(itertools.product((2, 4), repeat=3), noise)):
        rows.append(_case(number, 3, answers=(o, p, i, 4, min(10, 2 * o + p + e - 4))))
    cases = pd.DataFrame(rows)
    result = recovery_analysis(cases, pd.DataFrame({"recommend": [8.0], "problem": [0]}, index=[999]))
    assert result.drivers_n == 32
    by_name = {d.dimension: d for d in result.drivers}
    for name in ("outcome", "procedure", "interaction"):
        r = stats.pearsonr(cases[name], cases["recommend"]).statistic
        assert by_name[name].r == pytest.approx(r)
        assert by_name[name].beta == pytest.approx(r)
    assert by_name["interaction"].beta == pytest.approx(0, abs=1e-12)
    assert by_name["interaction"].p == pytest.approx(1.0)
    assert by_name["outcome"].beta_ci[0] > 0
    assert result.top_driver == "outcome"
    # under 30 answered follow-ups: not compared
    assert recovery_analysis(cases.iloc[:29], pd.DataFrame({"recommend": [8.0]}, index=[999])).drivers == []


def test_without_a_problem_question_every_customer_without_a_case_counts_and_it_is_said():
    cases, customers = _small()
    result = recovery_analysis(cases, customers.drop(columns="problem"))
    assert result.groups[1].n == 5  # responses 6-10
    assert any("problem" in warning for warning in result.warnings)


def test_bad_input_is_named():
    cases, customers = _small()
    with pytest.raises(AnalysisError, match="resolved_at"):
        recovery_analysis(cases.drop(columns="resolved_at"), customers)
    with pytest.raises(AnalysisError, match="recommend"):
        recovery_analysis(cases, customers.drop(columns="recommend"))
    customers.loc[6, "recommend"] = 11
    with pytest.raises(AnalysisError, match="0 to 10"):
        recovery_analysis(cases, customers)
