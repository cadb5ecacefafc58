"""Welch's unequal-variance t-test from group moments, shared by every module that compares two means."""

from __future__ import annotations

import numpy as np
from scipy import stats


def welch_from_moments(na: float, ma: float, va: float, nb: float, mb: float, vb: float) -> tuple[float, float, float]:
    """t of (mean b - mean a), Welch-Satterthwaite df and two-sided p, from sizes, means and sample variances.

    Matches R ``t.test(b, a)`` (``var.equal = FALSE``). Undefined cases (a size below 2, or both variances 0 with
    different means) give NaN; equal means with no variance give t = 0, p = 1.
    """
    if na < 2 or nb < 2:
        return float("nan"), float("nan"), float("nan")
    sa, sb = va / na, vb / nb
    if sa + sb == 0:
        return (0.0, float("inf"), 1.0) if ma == mb else (float("nan"), float("nan"), float("nan"))
    t = (mb - ma) / np.sqrt(sa + sb)
    df = (sa + sb) ** 2 / (sa**2 / (na - 1) + sb**2 / (nb - 1))
    return float(t), float(df), float(2 * stats.t.sf(abs(t), df))


def welch_difference(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, tuple[float, float]]:
    """mean(a) - mean(b) and its Welch interval, as R ``t.test(a, b)$conf.int``; sizes of at least 2.

    No variance in either group gives the difference as a point interval.
    """
    va, vb = float(np.var(a, ddof=1)), float(np.var(b, ddof=1))
    difference = float(np.mean(a) - np.mean(b))
    _, df, _ = welch_from_moments(len(b), float(np.mean(b)), vb, len(a), float(np.mean(a)), va)
    se = float(np.sqrt(va / len(a) + vb / len(b)))
    if se == 0:
        return difference, (difference, difference)
    half = float(stats.t.ppf(0.5 + level / 2, df) * se)
    return difference, (difference - half, difference + half)
