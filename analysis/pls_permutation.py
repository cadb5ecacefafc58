"""Two groups of a PLS path model under permuted group labels, estimated as one stack of correlation matrices.

MICOM (Henseler, Ringle & Sarstedt 2016) and the permutation test of path differences (Chin & Dibbern 2010)
both re-estimate the model in both groups after every random reassignment of the respondents to the groups.
As in :mod:`analysis.pls`, an estimation needs only the groups' indicator correlation matrices: a permutation
is a 0/1 membership vector, and the sums and cross-products of group A for a whole batch of permutations are one
matrix product (group B is the pair's total minus group A). 1,000 permutations of 100,000 respondents then cost
seconds rather than 2,000 separate estimations.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.pls import ALLOWED, _block, _fit, _matrix, _Spec, _spec, _structural, cross_products

#: Membership cells (permutations x rows) per batch; bounds the memory of the permutation step (as pls.py).
_BATCH_CELLS = 1 << 24
#: Rows per chunk when accumulating the groups' cross-products.
_ROW_CHUNK = 4096


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
    n_a, n_b = len(x_a), len(x_b)
    x = np.vstack([x_a, x_b])
    n, p = x.shape
    observed = fit_stack(np.stack([correlation(x_a), correlation(x_b)]), spec, settings)
    pooled_corr = correlation(x)
    pooled = fit_stack(pooled_corr[None], spec, settings)
    if not pooled.ok[0]:
        raise AnalysisError("the PLS model cannot be estimated on the two groups together.")
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    scores = z @ _block(pooled.weights[0], spec)
    rng = np.random.default_rng(seed)
    xc, dtype = _moment_data(x)
    total = _moments(xc, np.ones((1, n), dtype=np.uint8), dtype)[0]
    perm_a, perm_b = [], []
    stats: list[np.ndarray] = []
    done = 0
    for member in _membership_batches(n, n_a, permutations, rng, memberships):
        sums = _moments(xc, member, dtype)
        cov_a = _covariance(sums, n_a, p)
        cov_b = _covariance(total - sums, n_b, p)
        fits = fit_stack(_to_correlation(np.concatenate([cov_a, cov_b])), spec, settings, pooled.weights[0])
        k = len(member)
        perm_a.append(fits_slice(fits, 0, k))
        perm_b.append(fits_slice(fits, k, 2 * k))
        stats.append(_score_moments(scores, member, n_a, n_b))
        done += k
    if done != permutations:
        raise AnalysisError(f"memberships has {done} rows for {permutations} permutations.")
    moments = np.concatenate(stats)
    c = scores.shape[1]
    return PairDraws(
        spec=spec, n_a=n_a, n_b=n_b, observed=observed, pooled=pooled, pooled_corr=pooled_corr,
        pooled_scores=scores, perm_a=_concat(perm_a), perm_b=_concat(perm_b),
        perm_mean_a=moments[:, :c], perm_mean_b=moments[:, c : 2 * c], perm_var_a=moments[:, 2 * c : 3 * c],
        perm_var_b=moments[:, 3 * c :], permutations=permutations, seed=seed,
    )


def item_matrix(df: pd.DataFrame, spec: _Spec) -> np.ndarray:
    """The model's item columns as a complete, numeric float array (the checks of pls.py)."""
    return _matrix(df, spec)


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
    """The items shifted to near-zero means, and the float type their sums can be formed in without error.

    Answers on a rating scale are whole numbers: shifted by whole numbers they stay whole, and every sum of a
    chunk's values and products stays below 2**24, which single precision holds exactly. Those sums then come
    out of a single-precision product (about twice as fast) exactly; other data is centred and summed in double.
    """
    shift = np.round(x.mean(axis=0))
    shifted = x - shift
    if np.array_equal(shifted, np.round(shifted)) and float((shifted**2).max()) * _ROW_CHUNK < 2**24:
        return shifted, np.float32
    return x - x.mean(axis=0), np.float64


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
        sums += member[:, lo : lo + _ROW_CHUNK].astype(dtype) @ design.T.astype(dtype)
    return sums


def _covariance(sums: np.ndarray, m: int, p: int) -> np.ndarray:
    """Covariance matrices of groups of m respondents from their sums and cross-products."""
    iu, ju = np.triu_indices(p)
    mean = sums[:, :p] / m
    cross = np.zeros((len(sums), p, p))
    cross[:, iu, ju] = sums[:, p:]
    cross[:, ju, iu] = sums[:, p:]
    return (cross - m * mean[:, :, None] * mean[:, None, :]) / (m - 1)


def _to_correlation(covs: np.ndarray) -> np.ndarray:
    """Correlation matrices; a matrix with a constant item comes back NaN (its fit then fails)."""
    var = np.diagonal(covs, axis1=1, axis2=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(np.where(var > 0, var, np.nan))
        return covs / (sd[:, :, None] * sd[:, None, :])


def _score_moments(scores: np.ndarray, member: np.ndarray, n_a: int, n_b: int) -> np.ndarray:
    """Per membership row: mean of the scores in A, in B, variance in A, in B (n - 1 denominators)."""
    both = np.hstack([scores, scores**2])
    total = both.sum(axis=0)
    in_a = np.zeros((len(member), both.shape[1]))
    for lo in range(0, len(scores), _ROW_CHUNK):
        in_a += member[:, lo : lo + _ROW_CHUNK].astype(np.float64) @ both[lo : lo + _ROW_CHUNK]
    in_b = total - in_a
    c = scores.shape[1]
    mean_a, mean_b = in_a[:, :c] / n_a, in_b[:, :c] / n_b
    var_a = (in_a[:, c:] - n_a * mean_a**2) / (n_a - 1)
    var_b = (in_b[:, c:] - n_b * mean_b**2) / (n_b - 1)
    return np.hstack([mean_a, mean_b, var_a, var_b])
