"""The satisfaction trap (SCIENCE.md §2): satisfied customers who are not loyal, and how many there are.

* :func:`trap_curve` - loyal share at each satisfaction level with Wilson intervals, adjacent steps tested,
  the zone of indifference and the lift from the second-highest to the highest level.
* :func:`trap_index` - the share of satisfied respondents who are not loyal, and the loyalty gap between
  "satisfied" and "completely satisfied".

Segments are in :mod:`analysis.trap_segments`, attribute classes in :mod:`analysis.trap_attributes`.

"Loyal" and "satisfied" are top-box definitions (default: top two boxes of the scale); a 0/1 loyalty column
(retained / churned) is used as it is. Everything works on counts, so 100,000 respondents cost milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from analysis.errors import AnalysisError
from analysis.trap_stats import holm, newcombe_difference, two_proportion_z, wilson_interval

#: Significance level of the step tests, the zone's homogeneity test and the profile tests.
ALPHA = 0.05
#: Levels (or bands) with fewer respondents than this are flagged in the warnings.
SMALL_LEVEL = 30
#: Scales with more points than this (0-100 indices, construct means) are banded before the curve is drawn.
MAX_LEVELS = 11
#: Equal-width bands for wide scales when ``bands`` is not given.
DEFAULT_BANDS = 10


@dataclass
class TrapCurve:
    """Loyal share by satisfaction level (SCIENCE.md §2, "Curve")."""

    satisfaction: str
    loyalty: str
    #: How "loyal" was defined, in words (e.g. "'CUSL1' >= 9 (top 2 boxes of 1-10)").
    loyal_definition: str
    #: How levels were formed: "answer points", "rounded to the nearest point" or "bands".
    levels_from: str
    #: One dict per level: level, label, n, loyal, loyal_share, ci_low, ci_high (Wilson 95 %).
    levels: list[dict[str, Any]]
    #: One dict per pair of adjacent non-empty levels: from_level, to_level, difference, z, p, p_holm,
    #: significant (Holm-adjusted p < ALPHA).
    steps: list[dict[str, Any]]
    #: The largest significant rise: {from_level, to_level, difference}, or None.
    jump: dict[str, Any] | None
    #: [lowest, highest] level of the longest run below the jump whose loyal shares do not differ, or None.
    zone_of_indifference: list[float] | None
    #: Chi-square homogeneity p-value of the zone's levels.
    zone_p: float | None
    #: Loyal share of the highest level divided by that of the next lower non-empty level.
    lift: float | None
    #: The same comparison as a difference with Newcombe's hybrid score interval.
    lift_difference: dict[str, float] | None
    n: int
    warnings: list[str] = field(default_factory=list)


@dataclass
class TrapIndex:
    """Share of satisfied respondents who are not loyal, and the satisfied / completely satisfied gap."""

    n_satisfied: int
    n_not_loyal: int
    trap_index: float
    ci_low: float
    ci_high: float
    satisfied_definition: str
    #: Loyal share at the top satisfaction level ("completely satisfied") and the level below ("satisfied").
    loyal_completely_satisfied: float | None
    loyal_satisfied: float | None
    #: Completely satisfied minus satisfied, with Newcombe's hybrid score interval.
    gap: float | None
    gap_ci: list[float] | None
    warnings: list[str] = field(default_factory=list)


# -- definitions -----------------------------------------------------------------------------------------

def numeric_column(df: pd.DataFrame, column: str, role: str) -> pd.Series:
    """A column as float, with a message naming it when it is absent or not numeric."""
    if column not in df.columns:
        raise AnalysisError(f"The {role} column '{column}' is not in the data; columns: "
                            f"{', '.join(map(str, df.columns[:20]))}{' ...' if df.shape[1] > 20 else ''}.")
    values = df[column]
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        # Already numbers (pd.to_numeric would return them unchanged).
        return values.astype(float)
    converted = pd.to_numeric(values, errors="coerce")
    bad = converted.isna() & values.notna()
    if bad.any():
        examples = ", ".join(repr(v) for v in values[bad].unique()[:3])
        raise AnalysisError(f"The {role} column '{column}' must be numeric; it holds {examples}.")
    return converted.astype(float)


def _binary(x: np.ndarray) -> bool:
    """Whether the answers (NaN aside) are all 0 or 1, and there is at least one."""
    zero, one = x == 0, x == 1
    return bool((zero | one).any()) and bool((zero | one | np.isnan(x)).all())


def top_box(x: np.ndarray, *, column: str, levels: Sequence[float] | None = None, boxes: int = 2,
            scale: tuple[float, float] | None = None, what: str = "loyal") -> tuple[np.ndarray, str]:
    """Boolean top-box indicator (NaN rows stay NaN as float) and its definition in words.

    A 0/1 column is used as it is (1 = loyal / retained). Otherwise ``levels`` lists the qualifying answers,
    or the top ``boxes`` points of ``scale`` (default: the observed maximum) qualify.
    """
    valid = ~np.isnan(x)
    if not valid.any():
        raise AnalysisError(f"The column '{column}' has no answers, so nobody can be called {what}.")
    if levels is not None:
        chosen = sorted(float(v) for v in levels)
        flag = np.isin(x, chosen)
        text = f"'{column}' in {{{', '.join(f'{v:g}' for v in chosen)}}}"
    elif _binary(x) and (scale is None or scale == (0.0, 1.0)):
        flag = x == 1
        text = f"'{column}' = 1"
    else:
        if isinstance(boxes, bool) or not isinstance(boxes, (int, np.integer)) or boxes < 1:
            raise AnalysisError(f"The number of top boxes must be a whole number of at least 1, not {boxes!r}.")
        low, high = scale if scale is not None else (float(np.nanmin(x)), float(np.nanmax(x)))
        threshold = high - boxes + 1
        if threshold <= low:
            raise AnalysisError(f"Top {boxes} boxes of '{column}' ({low:g}-{high:g}) cover the whole scale; "
                                "use fewer boxes.")
        flag = x >= threshold - 1e-9
        text = f"'{column}' >= {threshold:g} (top {boxes} box{'es' if boxes > 1 else ''} of {low:g}-{high:g})"
    return np.where(valid, flag.astype(float), np.nan), text


def satisfied_not_loyal(satisfaction: float | None, loyalty: float | None, *,
                        satisfaction_scale: tuple[float, float], loyalty_scale: tuple[float, float],
                        high_boxes: int = 2, top_boxes: int = 2) -> bool | None:
    """Whether one respondent is in the trap - satisfied (top ``high_boxes``) but not loyal (below the top
    ``top_boxes``) - by the very rule :func:`trap_index` and the segments apply; None when an answer is missing.

    Examples
    --------
    >>> satisfied_not_loyal(9, 6, satisfaction_scale=(1, 10), loyalty_scale=(0, 10))
    True
    >>> satisfied_not_loyal(9, 9, satisfaction_scale=(1, 10), loyalty_scale=(0, 10))
    False
    """
    if satisfaction is None or loyalty is None:
        return None
    s = np.array([float(satisfaction)])
    y = np.array([float(loyalty)])
    satisfied, _ = top_box(s, column="satisfaction", boxes=high_boxes, scale=satisfaction_scale, what="satisfied")
    loyal, _ = top_box(y, column="loyalty", boxes=top_boxes, scale=loyalty_scale)
    return bool(satisfied[0] == 1 and loyal[0] == 0)


def satisfaction_levels(x: np.ndarray, *, column: str, scale: tuple[float, float] | None = None,
                        bands: int | Sequence[float] | None = None) -> tuple[np.ndarray, list[float],
                                                                             list[str], str]:
    """Level of each row, every level of the scale in order, their labels and how they were formed.

    Whole-number scales with at most ``MAX_LEVELS`` points keep their answer points (empty points included,
    so that a level nobody chose is visible). Finer measures are rounded to the nearest point when the scale
    spans at most 10 points (construct means), and cut into ``DEFAULT_BANDS`` equal-width bands otherwise
    (0-100 indices). ``bands`` forces a number of equal-width bands or a list of band edges.
    """
    valid = x[~np.isnan(x)]
    if valid.size == 0:
        raise AnalysisError(f"The satisfaction column '{column}' has no answers.")
    low, high = scale if scale is not None else (float(valid.min()), float(valid.max()))
    whole = bool(np.all(valid == np.round(valid)))
    if bands is None and whole and high - low + 1 <= MAX_LEVELS:
        points = [float(v) for v in np.arange(low, high + 1)] if scale is not None else \
            [float(v) for v in np.unique(valid)]
        return x.copy(), points, [f"{p:g}" for p in points], "answer points"
    if bands is None and high - low <= MAX_LEVELS - 1:
        points = [float(v) for v in np.arange(np.ceil(low), np.floor(high) + 1)]
        rounded = np.floor(x + 0.5)  # halves round up: 8.5 counts as 9, as a respondent would read it
        return rounded, points, [f"{p:g}" for p in points], "rounded to the nearest point"
    if bands is None or isinstance(bands, (int, np.integer)):
        k = DEFAULT_BANDS if bands is None else int(bands)
        if k < 2:
            raise AnalysisError(f"bands must be at least 2, not {k}.")
        edges = np.linspace(low, high, k + 1)
    else:
        edges = np.asarray(sorted(float(b) for b in bands))
        if edges.size < 3:
            raise AnalysisError("bands as edges needs at least three values (two bands).")
    index = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, edges.size - 2)
    level = np.where(np.isnan(x), np.nan, edges[index])
    labels = [f"{a:g}-{b:g}" for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return level, [float(e) for e in edges[:-1]], labels, "bands"


def _pairs(df: pd.DataFrame, satisfaction: str, loyalty: str) -> tuple[np.ndarray, np.ndarray]:
    if satisfaction == loyalty:
        raise AnalysisError(f"Satisfaction and loyalty are the same column '{satisfaction}'; the trap "
                            "compares two different questions.")
    s = numeric_column(df, satisfaction, "satisfaction").to_numpy()
    y = numeric_column(df, loyalty, "loyalty").to_numpy()
    return s, y


# -- the curve -------------------------------------------------------------------------------------------

def trap_curve(df: pd.DataFrame, *, satisfaction: str, loyalty: str, loyal_levels: Sequence[float] | None = None,
               top_boxes: int = 2, satisfaction_scale: tuple[float, float] | None = None,
               loyalty_scale: tuple[float, float] | None = None,
               bands: int | Sequence[float] | None = None) -> TrapCurve:
    """Loyal share at each satisfaction level, the zone of indifference and the top-box lift.

    Parameters
    ----------
    df : one row per respondent (or customer).
    satisfaction, loyalty : column names. Loyalty may be a rating (loyal = top boxes) or 0/1 (retained).
    loyal_levels : the loyalty answers that count as loyal (overrides ``top_boxes``).
    top_boxes : loyal = the top this many points of the loyalty scale (default 2).
    satisfaction_scale, loyalty_scale : (min, max); default the observed range.
    bands : number of equal-width bands, or band edges, for fine-grained satisfaction measures.

    Returns
    -------
    TrapCurve
        Wilson 95 % intervals per level. Adjacent non-empty levels are compared with pooled two-proportion
        z-tests; ``significant`` uses Holm-adjusted p-values over all steps. The *jump* is the largest
        significant rise. The *zone of indifference* is the longest run of adjacent levels below the jump's
        upper level whose loyal shares do not differ (chi-square test of homogeneity, p >= 0.05; ties go to
        the run with more respondents); a run needs two levels at least.

    Examples
    --------
    R equivalent of the per-level intervals: ``prop.test(loyal, n, correct = FALSE)$conf.int`` per level;
    of each step: ``prop.test(c(k1, k2), c(n1, n2), correct = FALSE)``, with ``p.adjust(p, "holm")``.

    >>> frame = pd.DataFrame({"S": [3, 3, 4, 4, 5, 5], "L": [1, 2, 2, 4, 5, 5]})
    >>> curve = trap_curve(frame, satisfaction="S", loyalty="L", loyalty_scale=(1, 5))
    >>> [level["loyal_share"] for level in curve.levels]
    [0.0, 0.5, 1.0]
    """
    s, y = _pairs(df, satisfaction, loyalty)
    loyal, definition = top_box(y, column=loyalty, levels=loyal_levels, boxes=top_boxes, scale=loyalty_scale)
    keep = ~np.isnan(s) & ~np.isnan(loyal)
    if not keep.any():
        raise AnalysisError(f"No respondent answered both '{satisfaction}' and '{loyalty}'.")
    level, points, labels, how = satisfaction_levels(s[keep], column=satisfaction, scale=satisfaction_scale,
                                                     bands=bands)
    flags = loyal[keep]
    notes: list[str] = []
    if how == "bands":
        notes.append(f"'{satisfaction}' has too many distinct values for a curve by answer; it was cut into "
                     f"{len(points)} bands ({labels[0]}, ..., {labels[-1]}).")
    elif how.startswith("rounded"):
        notes.append(f"'{satisfaction}' holds averages; each was rounded to the nearest answer point.")
    index = np.searchsorted(np.asarray(points), level)
    index = np.clip(index, 0, len(points) - 1)
    n = np.bincount(index, minlength=len(points)).astype(float)
    k = np.bincount(index, weights=flags, minlength=len(points))
    low, high = wilson_interval(k, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n > 0, k / n, np.nan)
    levels = [{"level": points[i], "label": labels[i], "n": int(n[i]), "loyal": int(k[i]),
               "loyal_share": float(share[i]), "ci_low": float(low[i]), "ci_high": float(high[i])}
              for i in range(len(points))]
    empty = [labels[i] for i in range(len(points)) if n[i] == 0]
    if empty:
        notes.append(f"No respondent chose {', '.join(empty)} on '{satisfaction}'; "
                     f"{'that level is' if len(empty) == 1 else 'those levels are'} left out of the tests.")
    small = [labels[i] for i in range(len(points)) if 0 < n[i] < SMALL_LEVEL]
    if small:
        notes.append(f"Fewer than {SMALL_LEVEL} respondents at {', '.join(small)}: their loyal shares are "
                     "rough (see the intervals).")
    filled = np.flatnonzero(n > 0)
    if filled.size < 2:
        raise AnalysisError(f"Every respondent gave '{satisfaction}' the same answer "
                            f"({labels[filled[0]]}); a satisfaction-loyalty curve needs at least two levels.")
    a, b = filled[:-1], filled[1:]
    z, p = two_proportion_z(k[a], n[a], k[b], n[b])
    p_holm = holm(p)
    steps = [{"from_level": points[i], "to_level": points[j], "difference": float(share[j] - share[i]),
              "z": float(z[m]), "p": float(p[m]), "p_holm": float(p_holm[m]),
              "significant": bool(p_holm[m] < ALPHA)}
             for m, (i, j) in enumerate(zip(a, b, strict=True))]
    rises = [m for m, step in enumerate(steps) if step["significant"] and step["difference"] > 0]
    jump = None
    zone = zone_p = None
    if rises:
        m = max(rises, key=lambda r: steps[r]["difference"])
        jump = {"from_level": steps[m]["from_level"], "to_level": steps[m]["to_level"],
                "difference": steps[m]["difference"]}
        below = [i for i in filled if i <= a[m]]
        zone, zone_p = _zone(below, n, k, points)
    else:
        notes.append("Loyalty does not rise significantly between any two adjacent satisfaction levels, "
                     "so there is no jump and no zone of indifference.")
    lift = lift_difference = None
    top, second = filled[-1], filled[-2]
    if share[second] > 0:
        lift = float(share[top] / share[second])
    d, d_low, d_high = newcombe_difference(k[second], n[second], k[top], n[top])
    lift_difference = {"difference": d, "ci_low": d_low, "ci_high": d_high}
    return TrapCurve(satisfaction=satisfaction, loyalty=loyalty, loyal_definition=definition,
                     levels_from=how, levels=levels, steps=steps, jump=jump, zone_of_indifference=zone,
                     zone_p=zone_p, lift=lift, lift_difference=lift_difference, n=int(keep.sum()),
                     warnings=notes)


def _zone(candidates: list[int], n: np.ndarray, k: np.ndarray,
          points: list[float]) -> tuple[list[float] | None, float | None]:
    """Longest run of adjacent non-empty levels with homogeneous loyal shares (chi-square p >= ALPHA)."""
    best: tuple[int, float, int, int, float] | None = None  # (length, n, first, last, p)
    for i in range(len(candidates)):
        for j in range(i + 1, len(candidates)):
            run = candidates[i:j + 1]
            table = np.vstack([k[run], n[run] - k[run]])
            # A run where nobody (or everybody) is loyal is trivially homogeneous.
            if table[0].sum() == 0 or table[1].sum() == 0:
                p_value = 1.0
            else:
                # Homogeneity alone has little power against a slow drift over small levels; the
                # Cochran-Armitage trend test catches the drift. A flat run must pass both.
                # Bonferroni over the two tests keeps the chance of splitting a truly flat zone at 5 %.
                p_value = min(1.0, 2 * min(_homogeneity_p(table), _trend_p(np.asarray(points)[run], n[run], k[run])))
            if p_value < ALPHA:
                continue
            key = (len(run), float(n[run].sum()), run[0], run[-1], p_value)
            if best is None or key[:2] > best[:2]:
                best = key
    if best is None:
        return None, None
    return [points[best[2]], points[best[3]]], best[4]


def _homogeneity_p(table: np.ndarray) -> float:
    """p of Pearson's chi-square test of homogeneity of a 2 x r table with positive margins, as
    ``scipy.stats.chi2_contingency(table, correction=False)`` computes it (R: ``chisq.test(table, correct = FALSE)``)
    without its per-call overhead: the zone search runs it for every run of levels."""
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    statistic = np.sum((table - expected) ** 2 / expected)
    return float(special.chdtrc(table.shape[1] - 1, statistic))


def _trend_p(x: np.ndarray, n: np.ndarray, k: np.ndarray) -> float:
    """Two-sided p of the Cochran-Armitage trend test (R: ``prop.trend.test(k, n, x)``)."""
    total = n.sum()
    p_bar = k.sum() / total
    statistic = np.sum(x * (k - n * p_bar))
    variance = p_bar * (1 - p_bar) * (np.sum(n * x**2) - np.sum(n * x) ** 2 / total)
    if variance <= 0:
        return 1.0
    return float(2 * special.ndtr(-abs(statistic) / np.sqrt(variance)))


# -- trap index --------------------------------------------------------------------------------------------

def trap_index(df: pd.DataFrame, *, satisfaction: str, loyalty: str, loyal_levels: Sequence[float] | None = None,
               top_boxes: int = 2, satisfied_levels: Sequence[float] | None = None, high_boxes: int = 2,
               satisfaction_scale: tuple[float, float] | None = None,
               loyalty_scale: tuple[float, float] | None = None) -> TrapIndex:
    """Share of satisfied (top-box) respondents who are not loyal, with its Wilson 95 % interval.

    Also the loyal share of the "completely satisfied" (top satisfaction point) against the "satisfied"
    (the point below), and their gap with Newcombe's (1998) hybrid score interval.

    Examples
    --------
    R equivalent: ``prop.test(sum(satisfied & !loyal), sum(satisfied), correct = FALSE)``.

    >>> frame = pd.DataFrame({"S": [9, 9, 10, 10, 5], "L": [1, 9, 10, 10, 2]})
    >>> trap_index(frame, satisfaction="S", loyalty="L", loyalty_scale=(1, 10)).trap_index
    0.25
    """
    s, y = _pairs(df, satisfaction, loyalty)
    loyal, _ = top_box(y, column=loyalty, levels=loyal_levels, boxes=top_boxes, scale=loyalty_scale)
    satisfied, sat_text = top_box(s, column=satisfaction, levels=satisfied_levels, boxes=high_boxes,
                                  scale=satisfaction_scale, what="satisfied")
    keep = ~np.isnan(loyal) & ~np.isnan(satisfied)
    sat = keep & (satisfied == 1)
    n_sat = int(sat.sum())
    notes: list[str] = []
    if n_sat == 0:
        raise AnalysisError(f"Nobody is satisfied ({sat_text}), so there is no trap index; check the "
                            "satisfaction scale or the number of top boxes.")
    not_loyal = int((sat & (loyal == 0)).sum())
    low, high = wilson_interval(not_loyal, n_sat)
    if n_sat < SMALL_LEVEL:
        notes.append(f"Only {n_sat} satisfied respondents: the trap index is rough.")
    top = float(np.nanmax(s[sat]))
    below = s[keep & (s < top)]
    completely = satisfied_share = gap = None
    gap_ci = None
    if below.size:
        second = float(below.max())
        k1, n1 = float(loyal[keep & (s == second)].sum()), float((keep & (s == second)).sum())
        k2, n2 = float(loyal[keep & (s == top)].sum()), float((keep & (s == top)).sum())
        completely, satisfied_share = k2 / n2, k1 / n1
        gap, g_low, g_high = newcombe_difference(k1, n1, k2, n2)
        gap_ci = [g_low, g_high]
    return TrapIndex(n_satisfied=n_sat, n_not_loyal=not_loyal, trap_index=not_loyal / n_sat,
                     ci_low=float(low), ci_high=float(high), satisfied_definition=sat_text,
                     loyal_completely_satisfied=completely, loyal_satisfied=satisfied_share, gap=gap,
                     gap_ci=gap_ci, warnings=notes)
