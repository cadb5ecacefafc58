"""Multi-group analysis of a PLS path model: permutation tests of path differences between groups.

For each pair of groups with at least k respondents whose composites are invariant (MICOM steps 1 and 2,
:mod:`analysis.micom`), the difference of every path coefficient is compared with its distribution under random
reassignment of the pair's respondents to the two groups (Chin & Dibbern 2010; the permutation test that
Henseler, Ringle & Sarstedt 2016 recommend after MICOM). The p-values of every tested path in every tested pair
are Holm-adjusted together, so "a difference" means one that survives the whole family of comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.confidentiality import DEFAULT_MIN_GROUP_SIZE
from analysis.groups import holm
from analysis.micom import ALPHA, PERMUTATIONS, SEED, MICOMResult, micom_with_draws, p_value
from analysis.pls_permutation import PairDraws, Settings


@dataclass
class MGAResult:
    """Path differences between groups; ``micom`` is the invariance assessment the tests depend on."""

    by: str
    #: group -> respondents with complete items, for the groups that were analysed (at least k)
    groups: dict[str, int]
    #: one entry per tested pair and path: "a", "b", "path" ("Source->Target"), "path_a", "path_b",
    #: "diff" (A - B), "p" (two-sided permutation p-value), "p_holm", "significant" (p_holm < alpha)
    tests: list[dict[str, Any]]
    #: pairs not tested, with the reason: {"a", "b", "reason"}
    not_tested: list[dict[str, str]]
    micom: MICOMResult
    #: k: groups with fewer respondents were neither estimated nor compared
    min_group_size: int
    permutations: int
    seed: int
    alpha: float
    warnings: list[str] = field(default_factory=list)
    #: group -> respondents the comparison used, for the groups larger than ``max_group_rows`` (a random sample)
    sampled: dict[str, int] = field(default_factory=dict)

    @property
    def significant(self) -> list[dict[str, Any]]:
        """The differences that pass (Holm-adjusted p below alpha): the only ones a report shows."""
        return [t for t in self.tests if t["significant"]]


def pls_mga(
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
) -> MGAResult:
    """Permutation tests of the path differences between every pair of the groups of ``by``.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per respondent with the items and the grouping column.
    blocks, paths : dict
        The PLS model, as :func:`analysis.pls.pls_pm` takes it.
    by : str
        The grouping column (unit, wave, segment); more than two groups are compared pair by pair.
    permutations, seed : int
        Random reassignments per pair (shared with MICOM) and their seed.
    min_group_size : int
        k of the disclosure control: smaller groups are neither estimated nor compared.
    scheme, max_iter, tol :
        PLS algorithm settings, identical in every group.
    alpha : float
        Family-wise level of the Holm-adjusted tests.
    max_group_rows : int, optional
        Compare a group of more respondents on a random sample of this many (:data:`analysis.sampling.MAX_GROUP_ROWS`
        says why the tests stay exact); None (default) uses every row.

    Returns
    -------
    MGAResult
        ``tests`` for the pairs where MICOM steps 1 and 2 hold; the others are in ``not_tested``.

    Examples
    --------
    The procedure of SmartPLS's permutation MGA and R ``cSEM::testMGD(.approach_mgd = "Chin")``:

    >>> result = pls_mga(mobi.assign(half=...), blocks, paths, by="half")  # doctest: +SKIP
    >>> [t["path"] for t in result.significant]  # doctest: +SKIP
    []
    """
    settings = Settings(scheme, max_iter, tol)
    invariance, draws = micom_with_draws(df, blocks, paths, by=by, permutations=permutations, seed=seed,
                                         min_group_size=min_group_size, settings=settings, alpha=alpha,
                                         max_group_rows=max_group_rows)
    tests: list[dict[str, Any]] = []
    not_tested = []
    for pair in invariance.pairs:
        a, b = pair["a"], pair["b"]
        if not pair["configural"]:
            not_tested.append({"a": a, "b": b, "reason": "configural"})
        elif not pair["partial"]:
            not_tested.append({"a": a, "b": b, "reason": "compositional"})
        else:
            tests.extend(path_differences(draws[(a, b)], a, b))
    if tests:
        adjusted = holm(np.array([t["p"] for t in tests]))
        for t, q in zip(tests, adjusted, strict=True):
            t["p_holm"] = float(q)
            t["significant"] = bool(q < alpha)
    notes = []
    if not_tested:
        notes.append(f"Pairs of groups not compared because their composites are not invariant (MICOM steps 1-2): "
                     f"{len(not_tested)}; path coefficients of such groups do not measure the same thing.")
    return MGAResult(by=by, groups=invariance.groups, tests=tests, not_tested=not_tested, micom=invariance,
                     min_group_size=int(min_group_size), permutations=invariance.permutations, seed=invariance.seed,
                     alpha=float(alpha),
                     warnings=notes, sampled=dict(invariance.sampled))


def path_differences(draws: PairDraws, a: str, b: str) -> list[dict[str, Any]]:
    """Observed path differences A - B of one pair and their two-sided permutation p-values (before Holm)."""
    keep = draws.perm_a.ok & draws.perm_b.ok
    observed = draws.observed.paths[0] - draws.observed.paths[1]
    perm = draws.perm_a.paths[keep] - draws.perm_b.paths[keep]
    out = []
    for k, label in enumerate(draws.spec.labels):
        out.append({"a": a, "b": b, "path": label, "path_a": float(draws.observed.paths[0, k]),
                    "path_b": float(draws.observed.paths[1, k]), "diff": float(observed[k]),
                    # ties at rounding level count as extreme: the permutation that reproduces the split is one
                    "p": p_value(np.abs(perm[:, k]) >= abs(observed[k]) - 1e-12)})
    return out
