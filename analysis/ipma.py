"""Importance-performance map analysis (IPMA) of a PLS path model (Ringle & Sarstedt 2016).

Every indicator is rescaled to 0-100 (100 (x - min) / (max - min)); a construct's 0-100 score is its indicators'
rescaled values weighted by the unstandardized outer weights, normalised to sum to 1 (so performance, the score's
mean, is the construct's ACSI-style index). Importance is the unstandardized total effect of a construct's
0-100 score on the target's: points of the target per point of the construct, through every route. An
indicator's importance is its normalised weight times its construct's importance. Intervals come from the PLS
bootstrap's own resamples (``PLSResult.sample.draws``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from analysis.drivers import QUADRANTS, side_of_line
from analysis.errors import AnalysisError
from analysis.pls import Z95, PLSResult, bootstrap_interval
from analysis.pls_effects import path_matrix, total_effects


@dataclass
class IPMAPoint:
    """One construct or indicator on the map: importance (target points per point), performance (0-100)."""

    name: str
    importance: float
    #: bootstrap SE and 95 % percentile interval of the importance (NaN / None without a bootstrap)
    importance_se: float
    importance_ci: list[float] | None
    performance: float
    #: 95 % interval of the performance: mean ± 1.96 SE (Kish effective n with sampling weights)
    performance_ci: list[float]
    #: the construct an indicator belongs to (None for a construct)
    construct: str | None = None
    #: "concentrate here", "keep up", "low priority" or "possible overkill" only when both intervals lie wholly
    #: on one side of their line (the mean importance / performance of the constructs); None otherwise
    quadrant: str | None = None


@dataclass
class IPMAResult:
    """The importance-performance map of one target construct."""

    target: str
    #: the target's own 0-100 performance
    target_performance: float
    #: the constructs with a route to the target, most important first
    constructs: list[IPMAPoint]
    #: their indicators, most important first
    indicators: list[IPMAPoint]
    importance_line: float
    performance_line: float
    warnings: list[str] = field(default_factory=list)


def ipma(result: PLSResult, blocks: Mapping[str, Sequence[str]], target: str,
         scales: Mapping[str, tuple[float, float]]) -> IPMAResult:
    """Importance-performance map of ``target`` (Ringle & Sarstedt 2016), at construct and indicator level.

    Parameters
    ----------
    result : PLSResult
        A model fitted by ``analysis.pls.pls_pm`` (with ``bootstrap > 0`` for importance intervals).
    blocks : dict of str to list of str
        The blocks the model was fitted with (construct -> items).
    target : str
        The construct whose drivers are mapped (loyalty, satisfaction).
    scales : dict of str to (float, float)
        (minimum, maximum) of the answer scale, by item or by construct (for all its items; an item's own
        entry wins); needed for every item of the target and of every construct with a route to it. Items
        of one construct may have different scales (1-10 and 0-10): each is rescaled on its own.

    Returns
    -------
    IPMAResult
        Importance (unstandardized total effect on the target's 0-100 score) and performance (0-100 mean) of
        each construct with a route to the target and of its indicators, with intervals and a quadrant only
        where the intervals support one.

    Raises
    ------
    AnalysisError
        When the target is not a construct of the model, no construct leads to it, or a scale is missing.

    Examples
    --------
    The ECSI model on the "mobi" data (items 1-10); the tests recompute it with statsmodels OLS on the 0-100
    construct scores, as SmartPLS's IPMA defines it:

    >>> fit = pls_pm(mobi, blocks, paths, bootstrap=200, seed=1, scales=scales)  # doctest: +SKIP
    >>> ipma(fit, blocks, "Loyalty", scales).constructs[0].name  # doctest: +SKIP
    'Satisfaction'
    """
    names = list(result.constructs)
    if target not in names:
        raise AnalysisError(f"IPMA target '{target}' is not a construct of the PLS model ({', '.join(names)}).")
    items = list(result.weights)
    member = np.array([names.index(next(c for c in names if item in blocks[c])) for item in items])
    direct = path_matrix(names, dict.fromkeys(result.paths, 1.0)) > 0
    reach = total_effects(direct.astype(float)) > 0
    t = names.index(target)
    drivers = [j for j in range(len(names)) if reach[j, t]]
    if not drivers:
        raise AnalysisError(f"no construct has a path to '{target}', so it has no importance-performance map.")
    used = np.isin(member, [*drivers, t])
    item_scales = [scales.get(item, scales.get(names[j])) if used[k] else (0.0, 1.0)
                   for k, (item, j) in enumerate(zip(items, member, strict=True))]
    missing = list(dict.fromkeys(names[j] for scale, j in zip(item_scales, member, strict=True) if scale is None))
    if missing:
        raise AnalysisError(f"IPMA needs the answer scale of every item of {', '.join(missing)} (scale: or "
                            "scales: in the model) to put every construct on 0-100.")
    low = np.array([float(scale[0]) for scale in item_scales])
    span = np.array([float(scale[1]) - float(scale[0]) for scale in item_scales])
    if not (span > 0).all():
        raise AnalysisError("every answer scale for the IPMA needs a maximum above its minimum.")
    notes: list[str] = []

    sample = result.sample
    if sample is None:
        raise AnalysisError("the PLS result carries no item moments; fit it with analysis.pls.pls_pm.")
    std_w = np.array([result.weights[item] for item in items])
    relevant = [*drivers, t]
    v, effect = _importance(std_w[None], sample.cov[None], member, span, direct, relevant, t)
    v, effect = v[0], effect[0]
    bad = [names[j] for j in drivers if not np.isfinite(effect[j])]
    if bad:
        raise AnalysisError(f"the outer weights of {', '.join(bad)} do not sum to a positive number, so they "
                            "have no 0-100 score; reverse-code the items with negative weights first.")
    perf_items = 100 * (sample.means - low) / span
    n_eff = result.n_eff or result.n
    item_se = 100 * np.sqrt(np.diag(sample.cov) / n_eff) / span

    construct_est = np.array([effect[j] for j in drivers])
    item_idx = np.flatnonzero(np.isin(member, drivers))
    item_est = v[item_idx] * effect[member[item_idx]]
    construct_spread = item_spread = None
    draws = sample.draws
    if draws is not None and len(draws.paths) >= 2:
        bv, beffect = _importance(draws.weights, draws.cov, member, span, direct, relevant, t)
        ok = np.isfinite(beffect[:, drivers]).all(axis=1)
        if ok.sum() < len(ok):
            notes.append(f"{int(len(ok) - ok.sum())} bootstrap resamples gave a construct weights that do not sum "
                         "to a positive number and were left out of the importance intervals.")
        bv, beffect = bv[ok], beffect[ok]
        construct_spread = bootstrap_interval(beffect[:, drivers], construct_est, draws.shrink)
        item_spread = bootstrap_interval(bv[:, item_idx] * beffect[:, member[item_idx]], item_est, draws.shrink)

    def point(name: str, k: int, est: float, perf: float, se: float, spread, construct: str | None) -> IPMAPoint:
        has = spread is not None and math.isfinite(spread[0][k])
        return IPMAPoint(name=name, importance=float(est), importance_se=float(spread[0][k]) if has else math.nan,
                         importance_ci=[float(spread[1][k]), float(spread[2][k])] if has else None,
                         performance=float(perf), performance_ci=[float(perf - Z95 * se), float(perf + Z95 * se)],
                         construct=construct)

    construct_perf = {j: float(v[member == j] @ perf_items[member == j]) for j in [*drivers, t]}
    rescaled_cov = sample.cov * np.outer(100 / span, 100 / span)
    construct_se = {j: math.sqrt(max(_block_var(v, rescaled_cov, member, j), 0.0) / n_eff) for j in drivers}
    constructs = [point(names[j], k, construct_est[k], construct_perf[j], construct_se[j], construct_spread, None)
                  for k, j in enumerate(drivers)]
    indicators = [point(items[i], k, item_est[k], perf_items[i], item_se[i], item_spread, names[member[i]])
                  for k, i in enumerate(item_idx)]
    importance_line = float(np.mean(construct_est))
    performance_line = float(np.mean([construct_perf[j] for j in drivers]))
    for entry in constructs:
        if entry.importance_ci is None:
            continue
        important = side_of_line(*entry.importance_ci, importance_line)
        performing = side_of_line(*entry.performance_ci, performance_line)
        if important is not None and performing is not None:
            entry.quadrant = QUADRANTS[(important, performing)]
    if draws is None:
        notes.append("No bootstrap was run, so importances have no intervals and no construct is placed in a "
                     "quadrant.")
    return IPMAResult(
        target=target, target_performance=construct_perf[t],
        constructs=sorted(constructs, key=lambda e: -e.importance),
        indicators=sorted(indicators, key=lambda e: -e.importance),
        importance_line=importance_line, performance_line=performance_line, warnings=notes,
    )


def _block_var(v: np.ndarray, rescaled_cov: np.ndarray, member: np.ndarray, j: int) -> float:
    """Variance of construct j's 0-100 score: v' S v over its block (S the rescaled items' covariance)."""
    idx = member == j
    return float(v[idx] @ rescaled_cov[np.ix_(idx, idx)] @ v[idx])


def _importance(std_w: np.ndarray, cov: np.ndarray, member: np.ndarray, span: np.ndarray, direct: np.ndarray,
                relevant: Sequence[int], target: int) -> tuple[np.ndarray, np.ndarray]:
    """Normalised weights of the rescaled items (B, p) and each construct's unstandardized total effect on the
    target's 0-100 score (B, c), for a stack of standardized weights (B, p) and raw item covariances (B, p, p).

    NaN effects where a construct's weights do not sum to a positive number.
    """
    c = len(direct)
    sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    # weight of the rescaled item x' = 100 (x - min) / span: raw weight times span / 100
    raw = std_w / sd * span / 100
    assign = (member[:, None] == np.arange(c)).astype(float)
    sums = raw @ assign  # (B, c)
    good = sums > 0
    v = raw / np.where(good, sums, np.nan)[:, member]
    scaled = cov * np.outer(100 / span, 100 / span)
    block = v[:, :, None] * assign
    cc = block.transpose(0, 2, 1) @ scaled @ block  # covariance of the 0-100 construct scores
    b = np.zeros((len(std_w), c, c))
    for j in relevant:  # the target and the constructs leading to it; their predecessors lead to it too
        pred = np.flatnonzero(direct[:, j])
        if len(pred):
            b[:, pred, j] = np.linalg.solve(cc[:, pred][:, :, pred], cc[:, pred, j][..., None])[..., 0]
    effect = total_effects(b)[:, :, target]
    return v, np.where(good, effect, np.nan)
