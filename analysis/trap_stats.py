"""Small, vectorised proportion statistics shared by the satisfaction-trap modules.

Wilson score intervals for one proportion, pooled two-proportion z-tests, Newcombe's hybrid score interval
for a difference of proportions and Holm's step-down adjustment. All take numpy arrays (or scalars) of
counts so that a whole satisfaction curve is computed in one call.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from analysis.welch import welch_from_moments

#: Two-sided 95 % normal quantile.
Z95 = float(stats.norm.ppf(0.975))


def wilson_interval(k: np.ndarray | float, n: np.ndarray | float,
                    z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson (1927) score interval of k successes in n trials; NaN where n is 0.

    Equal to R's ``prop.test(k, n, correct = FALSE)$conf.int`` and to statsmodels'
    ``proportion_confint(k, n, method="wilson")``.

    Examples
    --------
    Newcombe (1998, Statistics in Medicine 17:857, Table II, method 3): 81 of 263 gives 0.2553 to 0.3662.

    >>> low, high = wilson_interval(81, 263)
    >>> round(float(low), 4), round(float(high), 4)
    (0.2553, 0.3662)
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denominator = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denominator
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denominator
    low = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high


def two_proportion_z(k1: np.ndarray | float, n1: np.ndarray | float, k2: np.ndarray | float,
                     n2: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Pooled two-proportion z statistic (p2 - p1) and two-sided p-value; NaN where undefined.

    z**2 equals the statistic of R's ``prop.test(c(k1, k2), c(n1, n2), correct = FALSE)``.
    """
    k1, n1, k2, n2 = (np.asarray(v, dtype=float) for v in (k1, n1, k2, n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (k1 + k2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (k2 / n2 - k1 / n1) / se
    # Both groups all-loyal or all-not-loyal: no evidence of a difference (z = 0, p = 1).
    same = (se == 0) & (n1 > 0) & (n2 > 0)
    z = np.where(same, 0.0, z)
    p = np.where(np.isnan(z), np.nan, 2 * stats.norm.sf(np.abs(z)))
    return z, p


def newcombe_difference(k1: float, n1: float, k2: float, n2: float,
                        z: float = Z95) -> tuple[float, float, float]:
    """Difference p2 - p1 with Newcombe's (1998, method 10) hybrid score interval."""
    if n1 <= 0 or n2 <= 0:
        return float("nan"), float("nan"), float("nan")
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = (float(v) for v in wilson_interval(k1, n1, z))
    l2, u2 = (float(v) for v in wilson_interval(k2, n2, z))
    d = p2 - p1
    low = d - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return float(d), float(low), float(high)


def holm(p: np.ndarray) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values (NaN stays NaN), as R's ``p.adjust(p, "holm")``."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    if valid.size == 0:
        return out
    order = valid[np.argsort(p[valid], kind="stable")]
    m = valid.size
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out[order] = adjusted
    return out


def welch_t(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Welch's t statistic (mean b - mean a) and two-sided p-value; NaN when a group has < 2 values."""
    a = a[~np.isnan(a)]
    b = b[~np.isnan(b)]
    if a.size < 2 or b.size < 2:
        return float("nan"), float("nan")
    t, _df, p = welch_from_moments(a.size, a.mean(), a.var(ddof=1), b.size, b.mean(), b.var(ddof=1))
    return t, p
