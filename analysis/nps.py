"""Net Promoter Score with its standard error and confidence intervals (Wald and adjusted Wald)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import AnalysisError

#: Rocks (2016): pseudo-observations added before the interval is built - 3/4 promoter, 3/4 detractor,
#: 3/2 passive, so 3 respondents in all.
ADJUST_PROMOTERS = 0.75
ADJUST_DETRACTORS = 0.75
ADJUST_N = 3.0

#: Below this many answers the interval is wide; the result says so.
SMALL_N = 30

_Z95 = float(stats.norm.ppf(0.975))


@dataclass
class NPSResult:
    """Net Promoter Score of one 0-10 "would recommend" question."""

    n: int
    #: 100 * (promoters - detractors), from -100 to 100.
    score: float
    #: Shares of answers, 0-1.
    promoters: float
    passives: float
    detractors: float
    #: Standard error in NPS points of the adjusted-Wald estimate that ``ci`` is built on.
    se: float
    #: Adjusted-Wald 95 % interval (Rocks 2016), in NPS points, clipped to [-100, 100].
    ci: list[float]
    #: Plain Wald 95 % interval, score +- 1.96 sqrt((p_P + p_D - (p_P - p_D)^2) / n), clipped likewise.
    ci_wald: list[float]
    warnings: list[str] = field(default_factory=list)
    #: Kish's effective sample size (sum w)² / sum w² that the intervals use; ``n`` without weights
    n_eff: float | None = None


def _interval(p_pro: float, p_det: float, n: float) -> tuple[float, float, float]:
    # The score is a difference of two proportions of one trinomial sample:
    # Var = (p_P + p_D - (p_P - p_D)^2) / n.
    diff = p_pro - p_det
    se = float(np.sqrt(max(p_pro + p_det - diff**2, 0.0) / n))
    return diff, se, _Z95 * se


def _categories(values: Iterable[int], what: str) -> set[int]:
    out = set()
    for v in values:
        if isinstance(v, bool) or int(v) != v or not 0 <= v <= 10:
            raise AnalysisError(f"{what} must be whole numbers from 0 to 10; got {v!r}.")
        out.add(int(v))
    return out


def nps(
    values: pd.Series,
    *,
    promoters: Iterable[int] = (9, 10),
    detractors: Iterable[int] = tuple(range(0, 7)),
    weights: pd.Series | None = None,
) -> NPSResult:
    """Net Promoter Score of answers on the 0-10 "how likely are you to recommend" scale.

    Parameters
    ----------
    values : Series
        Answers 0-10; missing answers are left out.
    promoters, detractors : iterables of int
        Answers counted as promoters (default 9-10) and detractors (default 0-6); the rest are passives.
    weights : Series, optional
        Sampling weights aligned with ``values`` (same index): the shares are weighted shares and both
        intervals use Kish's effective sample size n_eff = (sum w)² / sum w² in place of n (the design-effect
        adjustment of a weighted proportion). Answers with a missing weight are left out.

    Returns
    -------
    NPSResult
        ``ci`` is the adjusted-Wald interval recommended by Rocks (2016, The American Statistician): add
        3/4 of a promoter and 3/4 of a detractor (and 3 to n), then build the Wald interval around the
        adjusted score. ``ci_wald`` is the unadjusted interval. Both are in NPS points.

    Examples
    --------
    100 answers with 50 promoters and 20 detractors: NPS 30 with Wald interval [14.69, 45.31] (the
    check in SCIENCE.md; R: ``NPS::nps_test(x, test = "wald")`` of the brendan-r/NPS package).

    >>> answers = pd.Series([10] * 50 + [7] * 30 + [3] * 20, name="recommend")
    >>> r = nps(answers)
    >>> r.score, [round(v, 2) for v in r.ci_wald]
    (30.0, [14.69, 45.31])
    """
    name = f"'{values.name}'" if values.name is not None else "the NPS column"
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        raise AnalysisError(f"Column {name} is not numeric (dtype {values.dtype}); NPS needs answers 0-10.")
    pro = _categories(promoters, "promoters")
    det = _categories(detractors, "detractors")
    if pro & det:
        raise AnalysisError(f"Answers {sorted(pro & det)} are both promoter and detractor answers.")
    x = values.astype("float64").to_numpy(na_value=np.nan)
    if weights is None:
        w = np.ones(len(x))
    else:
        w = pd.to_numeric(weights.reindex(values.index), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if (w[~np.isnan(w)] < 0).any() or np.isinf(w).any():
            raise AnalysisError("NPS weights must be finite and non-negative.")
    keep = ~np.isnan(x) & ~np.isnan(w)
    x, w = x[keep], w[keep]
    if x.size == 0:
        raise AnalysisError(f"Column {name} has no answers, so there is no NPS.")
    bad = (x != np.round(x)) | (x < 0) | (x > 10)
    if bad.any():
        examples = ", ".join(f"{v:g}" for v in np.unique(x[bad])[:5])
        raise AnalysisError(
            f"Column {name} must hold whole numbers from 0 to 10; it has {int(bad.sum())} other values "
            f"(e.g. {examples})."
        )
    if not w.sum() > 0:
        raise AnalysisError(f"Column {name} has no answer with a positive weight, so there is no NPS.")
    counts = np.bincount(x.astype(np.int64), weights=w, minlength=11)
    n = int(x.size)
    # Kish's effective n: the number of unweighted answers that would give a proportion the same variance.
    n_eff = float(w.sum() ** 2 / (w**2).sum())
    p_pro = float(counts[sorted(pro)].sum() / w.sum())
    p_det = float(counts[sorted(det)].sum() / w.sum())
    n_pro, n_det = p_pro * n_eff, p_det * n_eff  # weighted counts on the effective-n scale

    score, se_wald, half = _interval(p_pro, p_det, n_eff)
    ci_wald = [max(-100.0, 100 * (score - half)), min(100.0, 100 * (score + half))]

    n_adj = n_eff + ADJUST_N
    adj, se_adj, half_adj = _interval(
        (n_pro + ADJUST_PROMOTERS) / n_adj, (n_det + ADJUST_DETRACTORS) / n_adj, n_adj
    )
    ci = [max(-100.0, 100 * (adj - half_adj)), min(100.0, 100 * (adj + half_adj))]

    notes: list[str] = []
    if n < SMALL_N:
        notes.append(f"Only {n} answers: the NPS can move a long way with a few more respondents.")
    return NPSResult(
        n=n,
        score=100 * score,
        promoters=p_pro,
        passives=1.0 - p_pro - p_det,
        detractors=p_det,
        se=100 * se_adj,
        ci=ci,
        ci_wald=ci_wald,
        warnings=notes,
        n_eff=n_eff,
    )
