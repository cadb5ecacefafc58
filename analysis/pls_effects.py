"""Total, total indirect and specific indirect effects of a PLS path model, with bootstrap intervals.

A construct's total effect on another is every route from one to the other summed: with B the matrix of path
coefficients (``B[i, j]`` the path i -> j) of a recursive model, the total effects are (I - B)^-1 - I, the total
indirect effects that less B, and a specific indirect effect is the product of the paths along one route through
at least one mediator. The bootstrap intervals come from the same resamples as the direct paths
(``PLSResult.sample.draws``), so effects and paths are judged on the same footing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analysis.pls import PLSResult, bootstrap_interval

#: Separator of the constructs in an effect's key, as in PLSResult.paths ("Image->Expectation->Satisfaction").
ARROW = "->"


@dataclass
class Effect:
    """One effect: the estimate, its bootstrap SE and 95 % percentile interval (NaN without a bootstrap)."""

    estimate: float
    se: float
    ci: list[float]


@dataclass
class PLSEffects:
    """Effects keyed "Source->Target" (total, indirect) or "Source->Mediator...->Target" (specific)."""

    #: every pair joined by at least one directed route: direct plus indirect
    total: dict[str, Effect]
    #: every pair joined by a route through at least one mediator: total less direct
    indirect: dict[str, Effect]
    #: every route through at least one mediator: the product of its paths
    specific: dict[str, Effect]


def path_matrix(constructs: Sequence[str], paths: Mapping[str, float]) -> np.ndarray:
    """The c x c matrix B of path coefficients, ``B[i, j]`` the path i -> j, from "Source->Target" keys."""
    position = {name: k for k, name in enumerate(constructs)}
    b = np.zeros((len(constructs), len(constructs)))
    for key, value in paths.items():
        source, target = key.split(ARROW, 1)
        b[position[source], position[target]] = value
    return b


def total_effects(b: np.ndarray) -> np.ndarray:
    """(I - B)^-1 - I for one path matrix (c, c) or a stack of them (k, c, c)."""
    eye = np.eye(b.shape[-1])
    return np.linalg.inv(eye - b) - eye


def routes(constructs: Sequence[str], paths: Mapping[str, float]) -> list[list[int]]:
    """Every directed route with at least one mediator, as construct indices from source to target."""
    adjacency = path_matrix(constructs, dict.fromkeys(paths, 1.0)) != 0
    found: list[list[int]] = []

    def extend(route: list[int]) -> None:
        for nxt in np.flatnonzero(adjacency[route[-1]]):
            longer = [*route, int(nxt)]
            if len(longer) > 2:
                found.append(longer)
            extend(longer)

    for start in range(len(constructs)):
        extend([start])
    return found


def pls_effects(result: PLSResult) -> PLSEffects:
    """Total, total indirect and specific indirect effects of a fitted PLS model, with bootstrap intervals.

    Parameters
    ----------
    result : PLSResult
        A fitted model from ``analysis.pls.pls_pm``; with ``bootstrap > 0`` the effects get the SE and 95 %
        percentile interval of the same resamples as the direct paths (rescaled like them for an m-out-of-n
        bootstrap).

    Returns
    -------
    PLSEffects
        Standardized effects keyed like ``PLSResult.paths``. Pairs without a directed route are left out.

    Examples
    --------
    The ECSI model on the "mobi" data: SmartPLS 2.0.M3's total effects (semPLS tests,
    ``SmartPLS/results/ecsi/pathWeighting/totalEffects.txt``) and SEMinR's
    ``specific_effect_significance(boot, from = "Image", through = c("Expectation", "Satisfaction"),
    to = "Complaints")`` (vignette: 0.01667).

    >>> effects = pls_effects(pls_pm(mobi, blocks, paths, bootstrap=200, seed=1))  # doctest: +SKIP
    >>> round(effects.total["Image->Loyalty"].estimate, 4)  # doctest: +SKIP
    0.3987
    """
    names = list(result.constructs)
    labels = list(result.paths)
    b = path_matrix(names, result.paths)
    direct = path_matrix(names, dict.fromkeys(labels, 1.0)) > 0
    reach = total_effects(direct.astype(float)) > 0  # pairs joined by a route (route counts are positive)
    pairs = [(i, j) for i in range(len(names)) for j in range(len(names)) if reach[i, j]]
    # a route through a mediator: a first step to some m from which the target can be reached
    indirect_pairs = [(i, j) for i, j in pairs if (direct[i] & reach[:, j]).any()]
    chains = routes(names, result.paths)

    total = total_effects(b)
    estimates = {
        "total": np.array([total[i, j] for i, j in pairs]),
        "indirect": np.array([total[i, j] - b[i, j] * direct[i, j] for i, j in indirect_pairs]),
        "specific": np.array([_product(b, chain) for chain in chains]),
    }
    draws = result.sample.draws if result.sample is not None else None
    summaries: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    if draws is not None and len(draws.paths) >= 2:
        stack = np.zeros((len(draws.paths), len(names), len(names)))
        position = {name: k for k, name in enumerate(names)}
        for k, key in enumerate(labels):
            source, target = key.split(ARROW, 1)
            stack[:, position[source], position[target]] = draws.paths[:, k]
        totals = total_effects(stack)
        boot = {
            "total": [totals[:, i, j] for i, j in pairs],
            "indirect": [totals[:, i, j] - stack[:, i, j] for i, j in indirect_pairs],
            "specific": [_product(stack, chain) for chain in chains],
        }
        for kind, columns in boot.items():
            values = np.stack(columns, axis=1) if columns else np.empty((len(stack), 0))
            summaries[kind] = bootstrap_interval(values, estimates[kind], draws.shrink)

    def labelled(kind: str, keys: list[str]) -> dict[str, Effect]:
        spread, low, high = summaries.get(kind) or (np.full(len(keys), math.nan),) * 3
        return {key: Effect(float(estimates[kind][k]), float(spread[k]), [float(low[k]), float(high[k])])
                for k, key in enumerate(keys)}

    return PLSEffects(
        total=labelled("total", [f"{names[i]}{ARROW}{names[j]}" for i, j in pairs]),
        indirect=labelled("indirect", [f"{names[i]}{ARROW}{names[j]}" for i, j in indirect_pairs]),
        specific=labelled("specific", [ARROW.join(names[k] for k in chain) for chain in chains]),
    )


def _product(b: np.ndarray, chain: Sequence[int]) -> np.ndarray:
    """The product of the paths along a route, for one path matrix or a stack of them."""
    out = np.ones(b.shape[:-2])
    for i, j in zip(chain[:-1], chain[1:], strict=True):
        out = out * b[..., i, j]
    return out
