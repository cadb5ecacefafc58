"""Heatmap data: facet (or construct) x group cells with n, mean, difference from the organisation, a Welch test
against the rest of the organisation (Holm-corrected across cells), empirical-Bayes shrinkage, and suppression.

Shrinkage: a small department's mean is noisy, so each shown cell also carries a normal-normal empirical-Bayes
estimate pulled toward the organisation mean, ``org + B * (mean - org)`` with ``B = tau2 / (tau2 + s2 / n)``.
``s2`` is the pooled within-group variance of the facet (a common sampling variance: a group of 5 estimates its
own variance too poorly to weight by it), and ``tau2``, the between-group variance of the true means, is the
DerSimonian-Laird method-of-moments estimate (DerSimonian & Laird 1986) over the groups with at least two answers.
With ``tau2 = 0`` every group is pulled all the way to the organisation mean: the data show no real differences.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from analysis.confidentiality import DEFAULT_MIN_GROUP_SIZE, suppress_groups
from analysis.errors import AnalysisError

#: key under which respondents without a group take part in suppression (they are in the organisation's figure)
NOT_STATED = "(not stated)"
ESTIMATOR = ("normal-normal empirical Bayes toward the organisation mean; pooled within-group variance; "
             "DerSimonian-Laird method-of-moments between-group variance")


@dataclass
class Heatmap:
    """Cells of a group x facet heatmap, with the organisation's figures and what had to be hidden."""

    #: one row per (group, facet): n, mean, sd, diff (mean - organisation), t, df, p, p_holm, significant,
    #: shrunk, shrinkage (B, the weight of the group's own mean), shown, reason ("small", "complementary" or "")
    cells: pd.DataFrame
    #: per facet: n, mean, sd, pooled within-group variance, tau2 (between-group variance) of the organisation
    organisation: pd.DataFrame
    k: int
    alpha: float
    estimator: str = ESTIMATOR
    warnings: list[str] = field(default_factory=list)

    def table(self, value: str = "mean") -> pd.DataFrame:
        """Group x facet table of one cell column, hidden cells as NaN."""
        shown = self.cells[self.cells["shown"]]
        table = shown.pivot(index="group", columns="facet", values=value)
        groups = list(dict.fromkeys(self.cells["group"]))
        return table.reindex(index=groups, columns=list(self.organisation.index))


def _facet_scores(df: pd.DataFrame, columns: Sequence[str] | Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Respondent x facet scores: the columns themselves, or the mean of each construct's items."""
    spec = columns if isinstance(columns, Mapping) else {c: [c] for c in columns}
    if not spec:
        raise AnalysisError("no columns given for the heatmap")
    scores = {}
    for facet, items in spec.items():
        missing = [c for c in items if c not in df.columns]
        if missing:
            raise AnalysisError(f"heatmap column(s) {', '.join(map(repr, missing))} of {facet!r} not in the data")
        values = df[list(items)].apply(pd.to_numeric, errors="coerce").astype(float)
        scores[str(facet)] = values.mean(axis=1)
    return pd.DataFrame(scores, index=df.index)


def dersimonian_laird_tau2(means: np.ndarray, variances: np.ndarray) -> float:
    """Method-of-moments between-group variance of ``means`` whose sampling variances are ``variances``."""
    w = 1.0 / variances
    pooled = np.sum(w * means) / np.sum(w)
    q = np.sum(w * (means - pooled) ** 2)
    denominator = np.sum(w) - np.sum(w**2) / np.sum(w)
    return float(max(0.0, (q - (len(means) - 1)) / denominator)) if denominator > 0 else 0.0


def heatmap(df: pd.DataFrame, *, by: str, columns: Sequence[str] | Mapping[str, Sequence[str]],
            k: int = DEFAULT_MIN_GROUP_SIZE, alpha: float = 0.05) -> Heatmap:
    """Group x facet heatmap cells with tests, shrinkage and disclosure control.

    Parameters
    ----------
    df : one row per respondent.
    by : the grouping column (department, unit, ...).
    columns : facet columns, or construct -> item columns (a construct's score is the respondent's item mean).
    k : minimum group size; cells below it, and cells that would reveal them, are hidden (per facet, with
        :func:`analysis.confidentiality.suppress_groups`).
    alpha : family-wise error rate of the Holm correction across the shown cells.

    Each cell's test is Welch's t-test of the group against everyone else in the organisation (respondents
    without a group included). Hidden cells carry n and the reason only.

    Examples
    --------
    >>> df = pd.DataFrame({"dept": ["A"] * 6 + ["B"] * 6, "pay": [1, 2, 2, 3, 2, 2, 4, 5, 4, 5, 4, 4]})
    >>> cells = heatmap(df, by="dept", columns=["pay"]).cells
    >>> cells[["group", "n", "mean"]].values.tolist()
    [['A', 6, 2.0], ['B', 6, 4.333333333333333]]

    The tests match R's ``t.test(x, y)`` (Welch) and ``p.adjust(p, "holm")``; the between-group variance matches
    ``metafor::rma(yi, vi, method = "DL")``.
    """
    if by not in df.columns:
        raise AnalysisError(f"grouping column {by!r} is not in the data")
    if not 0 < alpha < 1:
        raise AnalysisError(f"alpha must lie between 0 and 1, got {alpha}")
    scores = _facet_scores(df, columns)
    facets = list(scores.columns)
    group_of = df[by]
    known = group_of.notna()
    groups = list(pd.unique(group_of[known]))
    if not groups:
        raise AnalysisError(f"grouping column {by!r} has no values")
    warnings: list[str] = []

    answered = scores.notna()
    filled = scores.fillna(0.0)
    # sums per group and facet from one groupby: n, sum and sum of squares give means and variances
    keys = group_of[known]
    n_g = answered[known].groupby(keys, sort=False).sum().reindex(groups).to_numpy(float)
    s1_g = filled[known].groupby(keys, sort=False).sum().reindex(groups).to_numpy()
    s2_g = (filled[known] ** 2).groupby(keys, sort=False).sum().reindex(groups).to_numpy()
    n_t, s1_t, s2_t = answered.sum().to_numpy(float), filled.sum().to_numpy(), (filled**2).sum().to_numpy()

    with np.errstate(invalid="ignore", divide="ignore"):
        mean_g = s1_g / n_g
        var_g = (s2_g - n_g * mean_g**2) / (n_g - 1)
        mean_t = s1_t / n_t
        var_t = (s2_t - n_t * mean_t**2) / (n_t - 1)
        n_r = n_t - n_g
        mean_r = (s1_t - s1_g) / n_r
        var_r = ((s2_t - s2_g) - n_r * mean_r**2) / (n_r - 1)
        var_g, var_r = np.clip(var_g, 0, None), np.clip(var_r, 0, None)  # rounding below zero
        a, b = var_g / n_g, var_r / n_r
        se = np.sqrt(a + b)
        t = (mean_g - mean_r) / se
        dof = (a + b) ** 2 / (a**2 / (n_g - 1) + b**2 / (n_r - 1))
        p = 2 * stats.t.sf(np.abs(t), dof)
        # pooled within-group variance (groups of 1 add nothing), the common sampling variance for shrinkage
        within_df = np.nansum(np.where(n_g > 1, n_g - 1, 0), axis=0)
        pooled = np.nansum(np.where(n_g > 1, (n_g - 1) * var_g, 0), axis=0) / within_df

    shown = np.ones_like(n_g, dtype=bool)
    reason = np.full(n_g.shape, "", dtype=object)
    n_missing_group = answered[~known].sum().to_numpy(int)
    for j, facet in enumerate(facets):
        counts = {str(g): int(n_g[i, j]) for i, g in enumerate(groups)}
        if n_missing_group[j]:
            counts[NOT_STATED] = int(n_missing_group[j])
        suppression = suppress_groups(counts, k=k)
        for i, g in enumerate(groups):
            if str(g) in suppression.hidden:
                shown[i, j] = False
                reason[i, j] = suppression.hidden[str(g)]
        if not suppression.total_shown:
            warnings.append(f"The organisation figure for {facet!r} would reveal a group of fewer than {k}; "
                            "do not show it.")

    tau2 = np.full(len(facets), np.nan)
    shrunk = np.full(n_g.shape, np.nan)
    factor = np.full(n_g.shape, np.nan)
    for j in range(len(facets)):
        usable = n_g[:, j] > 1
        if usable.sum() >= 2 and pooled[j] > 0:
            variances = pooled[j] / n_g[usable, j]
            tau2[j] = dersimonian_laird_tau2(mean_g[usable, j], variances)
            # a group without answers to this facet (pairwise missing) has no mean to shrink: NaN, not a warning
            with np.errstate(divide="ignore", invalid="ignore"):
                factor[:, j] = tau2[j] / (tau2[j] + pooled[j] / n_g[:, j])
                shrunk[:, j] = mean_t[j] + factor[:, j] * (mean_g[:, j] - mean_t[j])
    if np.isnan(tau2).any():
        warnings.append("Shrinkage needs at least two groups with two answers and some spread; it is missing "
                        "for facets without them.")

    testable = shown & np.isfinite(p)
    p_holm = np.full(p.shape, np.nan)
    if testable.any():
        p_holm[testable] = multipletests(p[testable], alpha=alpha, method="holm")[1]
    significant = np.where(np.isfinite(p_holm), p_holm < alpha, False)

    def hide(values: np.ndarray) -> np.ndarray:
        return np.where(shown, values, np.nan)

    cells = pd.DataFrame({
        "group": np.repeat(np.array(groups, dtype=object), len(facets)),
        "facet": np.tile(np.array(facets, dtype=object), len(groups)),
        "n": n_g.astype(int).ravel(),
        "mean": hide(mean_g).ravel(), "sd": hide(np.sqrt(var_g)).ravel(),
        "diff": hide(mean_g - mean_t).ravel(), "t": hide(t).ravel(), "df": hide(dof).ravel(),
        "p": hide(p).ravel(), "p_holm": p_holm.ravel(), "significant": (significant & shown).ravel(),
        "shrunk": hide(shrunk).ravel(), "shrinkage": hide(factor).ravel(),
        "shown": shown.ravel(), "reason": reason.ravel(),
    })
    organisation = pd.DataFrame({"n": n_t.astype(int), "mean": mean_t, "sd": np.sqrt(var_t),
                                 "within_variance": pooled, "tau2": tau2}, index=pd.Index(facets, name="facet"))
    if len(groups) < 2:
        warnings.append(f"Only one group in {by!r}; there is nothing to compare it with.")
    return Heatmap(cells=cells, organisation=organisation, k=k, alpha=alpha, warnings=warnings)
