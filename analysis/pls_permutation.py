"""Two groups of a PLS path model under permuted group labels, estimated as one stack of correlation matrices.

MICOM (Henseler, Ringle & Sarstedt 2016) and the permutation test of path differences (Chin & Dibbern 2010)
both re-estimate the model in both groups after every random reassignment of the respondents to the groups.
As in :mod:`analysis.pls`, an estimation needs only the groups' indicator correlation matrices: a permutation
is a 0/1 membership vector, and the sums and cross-products of group A for a whole batch of permutations are one
matrix product (group B is the pair's total minus group A). 1,000 permutations of 100,000 respondents then cost
seconds rather than 2,000 separate estimations. Comparing many groups, the pairs of equal sizes share their
permutations (:func:`permute_pairs`), so each group's part of those products is formed once for all its pairs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.pls import ALLOWED, _block, _fit, _matrix, _Spec, _spec, _structural, cross_products

#: Membership cells (permutations x rows) per batch; bounds the memory of the permutation step (as pls.py).
_BATCH_CELLS = 1 << 24
#: Rows per chunk when accumulating the groups' cross-products.
_ROW_CHUNK = 4096
#: Permutations whose correlation matrices are estimated in one stack; bounds the memory of the estimation step.
_FIT_BATCH = 2048


@dataclass(frozen=True)
class Settings:
    """The PLS algorithm settings every group is estimated with (MICOM step 1 requires them identical)."""

    scheme: str = "path"
    max_iter: int = 300
    tol: float = 1e-7

    def check(self) -> None:
        if self.scheme not in ALLOWED:
            raise AnalysisError(f"scheme must be one of {ALLOWED}")
        if int(self.max_iter) != self.max_iter or self.max_iter < 1:
            raise AnalysisError(f"max_iter must be a positive whole number; got {self.max_iter!r}.")
        if not self.tol > 0:
            raise AnalysisError(f"tol must be positive; got {self.tol!r}.")


@dataclass(frozen=True)
class StackFit:
    """Estimates for a stack of correlation matrices (one row per matrix)."""

    weights: np.ndarray  # (B, p) weights of the standardized items, unit-variance scores; NaN where failed
    paths: np.ndarray  # (B, edges) standardized path coefficients; NaN where failed
    ok: np.ndarray  # (B,) converged and estimable


@dataclass(frozen=True)
class PairDraws:
    """Two groups' estimates on the observed labels and under every permutation of them."""

    spec: _Spec
    n_a: int
    n_b: int
    #: the observed groups' fits: row 0 group A, row 1 group B
    observed: StackFit
    #: the pooled (both groups together) fit, one row
    pooled: StackFit
    #: correlation matrix of the items over both groups
    pooled_corr: np.ndarray
    #: construct scores of the pooled model on the pooled standardized items (n_a + n_b, c); group A first
    pooled_scores: np.ndarray
    #: under each permutation: group A's and group B's fits
    perm_a: StackFit
    perm_b: StackFit
    #: under each permutation: the mean and variance of the pooled scores in group A and in group B, (B, c) each
    perm_mean_a: np.ndarray
    perm_mean_b: np.ndarray
    perm_var_a: np.ndarray
    perm_var_b: np.ndarray
    permutations: int
    seed: int


def model_spec(df: pd.DataFrame, blocks: dict[str, list[str]], paths: dict[str, list[str]]) -> _Spec:
    """The validated model (blocks and paths checked against the data), shared by every group."""
    return _spec(df, blocks, paths)


def fit_stack(mats: np.ndarray, spec: _Spec, settings: Settings, start: np.ndarray | None = None) -> StackFit:
    """Estimate the model on every correlation matrix of a (B, p, p) stack."""
    fit = _fit(mats, spec, settings.scheme, settings.max_iter, settings.tol, start)
    ok = fit.converged.copy()
    weights = np.where(ok[:, None], fit.weights, np.nan)
    block = np.nan_to_num(weights)[:, :, None] * spec.assign
    coef, _, good = _structural(block.transpose(0, 2, 1) @ mats @ block, spec)
    ok &= good
    coef[~ok] = np.nan
    weights[~ok] = np.nan
    return StackFit(weights, coef, ok)


def correlation(x: np.ndarray) -> np.ndarray:
    """Correlation matrix of the columns of x (n - 1 denominators, as pls.py)."""
    xc = x - x.mean(axis=0)
    cov = xc.T @ xc / (len(x) - 1)
    sd = np.sqrt(np.diag(cov))
    return cov / np.outer(sd, sd)


def draw_memberships(n: int, n_a: int, permutations: int, rng: np.random.Generator) -> np.ndarray:
    """(permutations, n) 0/1 rows: which of the n respondents each permutation puts into group A."""
    out = np.zeros((permutations, n), dtype=np.uint8)
    for r in range(permutations):
        out[r, rng.permutation(n)[:n_a]] = 1
    return out


def pair_generator(seed: int, n_a: int, n_b: int) -> np.random.Generator:
    """The generator of the memberships of a pair of groups of n_a and n_b rows in :func:`permute_pairs`."""
    return np.random.default_rng([seed, n_a, n_b])


def permute_pair(
    x_a: np.ndarray,
    x_b: np.ndarray,
    spec: _Spec,
    settings: Settings,
    *,
    permutations: int,
    seed: int,
    memberships: np.ndarray | None = None,
) -> PairDraws:
    """Estimate both groups on their own rows and under ``permutations`` random reassignments of the rows.

    ``memberships`` (permutations x (n_a + n_b) of 0/1, group A's rows first in the columns) replaces the random
    draws, so that a test can repeat the computation independently.
    """
    x = np.vstack([x_a, x_b])
    pooled_corr = correlation(x)
    fits = fit_stack(np.stack([correlation(x_a), correlation(x_b), pooled_corr]), spec, settings)
    base = _observe(x_a, x_b, spec, fits_slice(fits, 0, 2), fits_slice(fits, 2, 3), pooled_corr)
    xc, dtype = _moment_data(x)
    batches = _membership_batches(len(x), len(x_a), permutations, np.random.default_rng(seed), memberships)
    sums = [_moments(xc, member, dtype) for member in batches]
    if sum(map(len, sums)) != permutations:
        raise AnalysisError(f"memberships has {sum(map(len, sums))} rows for {permutations} permutations.")
    total = _moments(xc, np.ones((1, len(x)), dtype=np.uint8), dtype)[0]
    return _permuted(base, np.concatenate(sums), total, settings, seed)


def permute_pairs(
    groups: Mapping[str, np.ndarray],
    pairs: Sequence[tuple[str, str]],
    spec: _Spec,
    settings: Settings,
    *,
    permutations: int,
    seed: int,
) -> Iterator[PairDraws]:
    """:func:`permute_pair` for each pair of groups in turn, the pairs of equal sizes sharing their reassignments.

    A pair's memberships come from :func:`pair_generator` (the seed and the two groups' sizes), so they are
    uniformly random and independent of the data: each pair's test is an exact permutation test. Pairs of groups
    of the same sizes (every pair of groups sampled down to ``max_group_rows``) get the same memberships, so a
    group's sums under them are formed once for all its pairs: one product of the memberships' columns of side A
    (or B) with the group's cross-products per group and side, instead of one per pair. The pairs' permutation
    statistics are then dependent, which Holm's adjustment over all pairs allows.
    """
    involved = list(dict.fromkeys(g for pair in pairs for g in pair))
    if not involved:
        return
    shift, dtype = _moment_shift(np.vstack([groups[g] for g in involved]))
    centred = {g: groups[g] - shift for g in involved}
    totals = {g: _moments(centred[g], np.ones((1, len(centred[g])), dtype=np.uint8), dtype)[0] for g in involved}
    keys = [(len(groups[a]), len(groups[b])) for a, b in pairs]
    uses = Counter((key, g, side) for key, pair in zip(keys, pairs, strict=True) for side, g in enumerate(pair))
    sums: dict[tuple[tuple[int, int], str, int], np.ndarray] = {}
    drawn: set[tuple[int, int]] = set()
    # every group's own fit and every pair's pooled fit in two stacks (each matrix is estimated on its own)
    own = fit_stack(np.stack([correlation(groups[g]) for g in involved]), spec, settings)
    pooled_corr = np.stack([correlation(np.vstack([groups[a], groups[b]])) for a, b in pairs])
    pooled = fit_stack(pooled_corr, spec, settings)
    for i, (key, (a, b)) in enumerate(zip(keys, pairs, strict=True)):
        fits = _rows(own, [involved.index(a), involved.index(b)])
        base = _observe(groups[a], groups[b], spec, fits, _rows(pooled, [i]), pooled_corr[i])
        if key not in drawn:
            drawn.add(key)
            needed = [(g, side) for k, g, side in uses if k == key]
            sums.update(_shared_sums(key, needed, centred, dtype, permutations, seed))
        sums_a = sums[(key, a, 0)] + sums[(key, b, 1)]
        for used in ((key, a, 0), (key, b, 1)):
            uses[used] -= 1
            if not uses[used]:
                del sums[used]
        yield _permuted(base, sums_a, totals[a] + totals[b], settings, seed)


@dataclass(frozen=True)
class _Observed:
    """A pair's estimates on its observed groups and on both groups together."""

    spec: _Spec
    n_a: int
    n_b: int
    observed: StackFit
    pooled: StackFit
    pooled_corr: np.ndarray
    scores: np.ndarray
    #: the pooled standard deviations of the items (the standardization of ``scores``)
    sd: np.ndarray


def _observe(
    x_a: np.ndarray,
    x_b: np.ndarray,
    spec: _Spec,
    observed: StackFit,
    pooled: StackFit,
    pooled_corr: np.ndarray,
) -> _Observed:
    """A pair's estimates from the fits of its groups (``observed``, A and B) and of both together (``pooled``)."""
    if not pooled.ok[0]:
        raise AnalysisError("the PLS model cannot be estimated on the two groups together.")
    x = np.vstack([x_a, x_b])
    sd = x.std(axis=0, ddof=1)
    scores = (x - x.mean(axis=0)) / sd @ _block(pooled.weights[0], spec)
    return _Observed(spec, len(x_a), len(x_b), observed, pooled, pooled_corr, scores, sd)


def _rows(fit: StackFit, rows: list[int]) -> StackFit:
    """The given rows of a stack's estimates."""
    return StackFit(fit.weights[rows], fit.paths[rows], fit.ok[rows])


def _shared_sums(
    key: tuple[int, int],
    needed: list[tuple[str, int]],
    centred: Mapping[str, np.ndarray],
    dtype: type,
    permutations: int,
    seed: int,
) -> dict[tuple[tuple[int, int], str, int], np.ndarray]:
    """Under the memberships of pairs of sizes ``key``: for each (group, side) needed, the sums of
    :func:`_moments` over the group's rows that each permutation puts into group A (side 0: the group is A)."""
    n_a, n_b = key
    parts: dict[tuple[str, int], list[np.ndarray]] = {item: [] for item in needed}
    for member in _membership_batches(n_a + n_b, n_a, permutations, pair_generator(seed, n_a, n_b), None):
        member = member.astype(np.float32)  # 0 and 1 exactly; converted once rather than once per group
        for g, side in needed:
            parts[(g, side)].append(_moments(centred[g], member[:, :n_a] if side == 0 else member[:, n_a:], dtype))
    return {(key, g, side): np.concatenate(part) for (g, side), part in parts.items()}


def _permuted(base: _Observed, sums: np.ndarray, total: np.ndarray, settings: Settings, seed: int) -> PairDraws:
    """A pair's draws from group A's sums under each permutation and the pair's total (:func:`_moments`).

    The pooled scores are linear in the items, so their mean and variance in a group follow from the group's item
    means and covariance matrix: no pass over the rows beyond the one that formed ``sums``.
    """
    spec, n_a, n_b = base.spec, base.n_a, base.n_b
    p = len(spec.items)
    load = _block(base.pooled.weights[0], spec) / base.sd[:, None]  # score = (x - mean(x)) @ load
    centre = total[:p] / (n_a + n_b)
    perm_a, perm_b, moments = [], [], []
    for lo in range(0, len(sums), _FIT_BATCH):
        part = sums[lo : lo + _FIT_BATCH]
        k = len(part)
        covs = _covariance(np.concatenate([part, total - part]), np.repeat([n_a, n_b], k), p)  # A's, then B's
        var = ((covs @ load) * load).sum(axis=1)
        fits = fit_stack(_to_correlation(covs), spec, settings, base.pooled.weights[0])
        perm_a.append(fits_slice(fits, 0, k))
        perm_b.append(fits_slice(fits, k, 2 * k))
        mean_a = (part[:, :p] / n_a - centre) @ load
        mean_b = ((total[:p] - part[:, :p]) / n_b - centre) @ load
        moments.append((mean_a, mean_b, var[:k], var[k:]))
    mean_a, mean_b, var_a, var_b = (np.concatenate(m) for m in zip(*moments, strict=True))
    return PairDraws(
        spec=spec, n_a=n_a, n_b=n_b, observed=base.observed, pooled=base.pooled, pooled_corr=base.pooled_corr,
        pooled_scores=base.scores, perm_a=_concat(perm_a), perm_b=_concat(perm_b), perm_mean_a=mean_a,
        perm_mean_b=mean_b, perm_var_a=var_a, perm_var_b=var_b, permutations=len(sums), seed=seed,
    )


def item_matrix(df: pd.DataFrame, spec: _Spec, *, row_major: bool = True) -> np.ndarray:
    """The model's item columns as a complete, numeric float array (the checks of pls.py); ``row_major=False``
    leaves it in the order pandas hands out (no copy of a large frame whose rows are then taken a few at a time)."""
    return _matrix(df, spec, row_major=row_major)


def fits_slice(fit: StackFit, lo: int, hi: int) -> StackFit:
    """Rows lo..hi-1 of a stack's estimates."""
    return StackFit(fit.weights[lo:hi], fit.paths[lo:hi], fit.ok[lo:hi])


def _concat(parts: list[StackFit]) -> StackFit:
    return StackFit(*(np.concatenate([getattr(f, name) for f in parts]) for name in ("weights", "paths", "ok")))


def _membership_batches(
    n: int, n_a: int, permutations: int, rng: np.random.Generator, memberships: np.ndarray | None
) -> Iterator[np.ndarray]:
    batch = max(1, _BATCH_CELLS // n)
    for lo in range(0, permutations, batch):
        k = min(batch, permutations - lo)
        if memberships is not None:
            part = np.asarray(memberships[lo : lo + k], dtype=np.uint8)
            if part.shape[1] != n or (part.sum(axis=1) != n_a).any():
                raise AnalysisError(f"each membership row must put {n_a} of the {n} rows into group A.")
            yield part
        else:
            yield draw_memberships(n, n_a, k, rng)


def _moment_data(x: np.ndarray) -> tuple[np.ndarray, type]:
    """The items shifted by :func:`_moment_shift`, and the float type their sums are formed in."""
    shift, dtype = _moment_shift(x)
    return x - shift, dtype


def _moment_shift(x: np.ndarray) -> tuple[np.ndarray, type]:
    """A shift of the items to near-zero means, and the float type their sums can be formed in without error.

    Answers on a rating scale are whole numbers: shifted by whole numbers they stay whole, and every sum of a
    chunk's values and products stays below 2**24, which single precision holds exactly. Those sums then come
    out of a single-precision product (about twice as fast) exactly; other data is centred and summed in double.
    """
    shift = np.round(x.mean(axis=0))
    shifted = x - shift
    if np.array_equal(shifted, np.round(shifted)) and float((shifted**2).max()) * _ROW_CHUNK < 2**24:
        return shift, np.float32
    return x.mean(axis=0), np.float64


def _moments(xc: np.ndarray, member: np.ndarray, dtype: type = np.float64) -> np.ndarray:
    """(k, p + p(p+1)/2) sums of x and of x_i x_j (upper triangle) over each membership row's respondents.

    Each chunk's sums are formed in ``dtype`` (see :func:`_moment_data`) and accumulated in double precision.
    """
    n, p = xc.shape
    q = p + p * (p + 1) // 2
    rows = np.ascontiguousarray(xc.T)
    sums = np.zeros((len(member), q))
    for lo in range(0, n, _ROW_CHUNK):
        design = cross_products(rows[:, lo : lo + _ROW_CHUNK])
        sums += member[:, lo : lo + _ROW_CHUNK].astype(dtype, copy=False) @ design.T.astype(dtype)
    return sums


def _covariance(sums: np.ndarray, m: int | np.ndarray, p: int) -> np.ndarray:
    """Covariance matrices of groups of m respondents (one number, or one per row of sums) from their sums and
    cross-products."""
    m = np.asarray(m, dtype=float).reshape(-1, 1)
    iu, ju = np.triu_indices(p)
    at = np.empty((p, p), dtype=np.intp)  # the column of sums holding x_i x_j
    at[iu, ju] = at[ju, iu] = p + np.arange(len(iu))
    mean = sums[:, :p] / m
    cross = np.take(sums, at, axis=1)
    cross -= (m * mean)[:, :, None] * mean[:, None, :]
    cross /= (m - 1)[:, :, None]
    return cross


def _to_correlation(covs: np.ndarray) -> np.ndarray:
    """The covariance matrices turned into correlation matrices in place (they are the stack's largest arrays); a
    matrix with a constant item comes back NaN (its fit then fails)."""
    var = np.diagonal(covs, axis1=1, axis2=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(np.where(var > 0, var, np.nan))
        covs /= sd[:, :, None] * sd[:, None, :]
    return covs
