"""PLS path modelling (Wold / Lohmöller PLS-PM) for customer satisfaction index models (ACSI, ECSI).

Everything after reading the data works on the indicator covariance (or correlation) matrix: with Mode A outer
estimation the algorithm needs nothing else, so a bootstrap resample only has to supply its own matrix. That
keeps 500 bootstrap re-estimations of a 100,000-respondent survey to seconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError

#: Inner weighting schemes (Lohmöller 1989): path weighting (SmartPLS / seminr default), centroid, factorial.
ALLOWED = ("path", "centroid", "factorial")

#: The normal quantile of a two-sided 95 % interval (the index intervals).
Z95 = 1.959963984540054
#: Count cells (resamples x rows) drawn per bootstrap batch; bounds the memory of the resampling step.
_BATCH_CELLS = 1 << 25
#: Rows per chunk when accumulating the resamples' cross-products.
_ROW_CHUNK = 4096
#: Resamples per batch when the drawn rows are copied (small subsamples of very large data).
_GATHER_BATCH = 64
#: Smallest eigenvalue below which the correlation matrix of a construct's predictors counts as singular.
_SINGULAR = 1e-10
#: A smallest eigenvalue surely above :data:`_SINGULAR` when a Cholesky factor of the matrix less this shows it.
_CERTAIN = 1e-8


@dataclass
class PLSResult:
    """Estimates of a PLS path model; dict keys are construct names, item names or "Source->Target"."""

    constructs: list[str]
    paths: dict[str, float]
    r2: dict[str, float]
    loadings: dict[str, float]
    weights: dict[str, float]
    alpha: dict[str, float]
    rho_c: dict[str, float]
    ave: dict[str, float]
    htmt: dict[str, dict[str, float]]
    index: dict[str, float | None]
    #: 95 % interval of each index: the mean of the respondents' weighted item scores (outer weights held at their
    #: estimates), mean ± 1.96 standard errors, within [0, 100]; None where the index is None
    index_ci: dict[str, list[float] | None]
    scheme: str
    iterations: int
    converged: bool
    n: int
    se: dict[str, float]
    ci: dict[str, list[float]]
    bootstrap: dict
    scores: pd.DataFrame
    warnings: list[str]
    #: Kish's effective sample size (sum w)² / sum w²; equals ``n`` without sampling weights
    n_eff: float | None = None
    #: the item moments and the bootstrap resamples behind the estimates, for statistics derived from the same
    #: resamples (``analysis.pls_effects``, ``analysis.ipma``); not part of RESULT.json
    sample: PLSSample | None = None


@dataclass(frozen=True)
class PLSDraws:
    """The bootstrap resamples that could be estimated, in the order of ``PLSResult.paths`` and ``.weights``."""

    paths: np.ndarray  # (B, edges) standardized path coefficients
    weights: np.ndarray  # (B, p) standardized outer weights
    cov: np.ndarray  # (B, p, p) covariance of the raw items in the resample
    #: sqrt(m / n): an m-out-of-n bootstrap's spread is rescaled by it (1 when every resample has n rows)
    shrink: float


@dataclass(frozen=True)
class PLSSample:
    """Full-sample item moments (raw metric, in the order of ``PLSResult.weights``) and the bootstrap draws."""

    means: np.ndarray  # (p,)
    cov: np.ndarray  # (p, p)
    draws: PLSDraws | None


def bootstrap_interval(draws: np.ndarray, estimate: np.ndarray, shrink: float = 1.0
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bootstrap SE and 95 % percentile interval (low, high) of each column of ``draws`` (B, k).

    For an m-out-of-n bootstrap (``shrink`` = sqrt(m / n)) the spread is rescaled to the full sample: SE times
    ``shrink``, interval ``estimate + shrink * (percentile - estimate)``. NaN where fewer than two draws.
    """
    k = draws.shape[1]
    if len(draws) < 2:
        nan = np.full(k, math.nan)
        return nan, nan.copy(), nan.copy()
    spread = draws.std(axis=0, ddof=1) * shrink
    low, high = np.percentile(draws, [2.5, 97.5], axis=0)
    return spread, estimate + shrink * (low - estimate), estimate + shrink * (high - estimate)


def kish_n(weights: np.ndarray) -> float:
    """Kish's (1965) effective sample size of weighted data: (sum w)² / sum w²."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / (w**2).sum())


@dataclass(frozen=True)
class _Spec:
    """The validated model: constructs, items and arrows as index arrays."""

    constructs: tuple[str, ...]
    items: tuple[str, ...]
    member: np.ndarray  # construct index of each item
    adjacency: np.ndarray  # float c x c, [i, j] = 1 when i -> j
    predecessors: tuple[np.ndarray, ...]  # per construct, indices of the constructs pointing at it
    edges: tuple[tuple[int, int], ...]  # (source, target) in the order the caller declared them
    assign: np.ndarray  # float p x c, [k, j] = 1 when item k belongs to construct j

    @property
    def labels(self) -> list[str]:
        return [f"{self.constructs[s]}->{self.constructs[t]}" for s, t in self.edges]


@dataclass(frozen=True)
class _Fit:
    """A stack of estimations, one row per indicator matrix: outer weights and convergence."""

    weights: np.ndarray  # (B, p), in the metric of the matrix; NaN where the matrix could not be used
    iterations: np.ndarray  # (B,) outer-weight updates done
    converged: np.ndarray  # (B,) bool
    change: np.ndarray  # (B,) last sum of absolute changes of the standardized weights
    failed: np.ndarray  # (B,) bool: zero-variance score or collinear predictors


def pls_pm(
    df: pd.DataFrame,
    blocks: dict[str, list[str]],
    paths: dict[str, list[str]],
    *,
    scheme: str = "path",
    scaled: bool = True,
    max_iter: int = 300,
    tol: float = 1e-7,
    bootstrap: int = 0,
    seed: int | None = None,
    bootstrap_subsample: int | None = None,
    scales: dict[str, tuple[float, float]] | None = None,
    sample_weights: Sequence[float] | np.ndarray | pd.Series | None = None,
) -> PLSResult:
    """Estimate a PLS path model with reflective (Mode A) blocks, as SmartPLS and R seminr do.

    Parameters
    ----------
    df : pandas.DataFrame
        Complete data, one row per respondent; must hold every item named in ``blocks``.
    blocks : dict of str to list of str
        Construct name -> its item columns (a single item is allowed).
    paths : dict of str to list of str
        Structural model, source construct -> the constructs it points at (seminr's
        ``paths(from = source, to = targets)``). It must be acyclic.
    scheme : {"path", "centroid", "factorial"}
        Inner weighting scheme. "path" is the default of SmartPLS and seminr.
    scaled : bool
        Standardize the indicators (the usual choice). ``False`` runs the algorithm on the covariance matrix
        of the centred raw items, like ``plspm(..., scaled = FALSE)``; reported weights are still the
        standardized ones and Cronbach's alpha is then the raw (covariance) alpha.
    max_iter : int
        Maximum number of outer-weight updates.
    tol : float
        Convergence when the sum of absolute changes of the standardized outer weights between two updates is
        below ``tol`` (seminr's criterion: ``stopCriterion = 7`` is ``tol = 1e-7``).
    bootstrap : int
        Number of bootstrap resamples for the standard errors and 95 % percentile intervals of the paths
        (0 = none). Each resample is re-estimated from its own indicator matrix, starting from the full-sample
        weights.
    seed : int, optional
        Seed of the numpy random generator used for resampling; the same seed gives the same intervals.
        Without one a seed is drawn, and either way it is recorded in ``bootstrap["seed"]``.
    bootstrap_subsample : int, optional
        For very large samples: draw this many rows per resample instead of ``n`` (the m-out-of-n bootstrap,
        Bickel, Götze & van Zwet 1997) and rescale the spread of the estimates to the full sample: SE times
        ``sqrt(m / n)``, interval ``estimate + sqrt(m / n) * (percentile - estimate)``. An approximation for
        very large samples, recorded in ``bootstrap["subsample"]`` (None when every resample has n rows).
    scales : dict of str to (float, float), optional
        Construct -> (minimum, maximum) of its items' response scale, for the 0-100 index. Constructs not
        listed get ``None``.
    sample_weights : array-like, optional
        A non-negative sampling weight per row of ``df`` (in its order). The estimates then use the weighted
        means and covariances (a weight of 2 counts a respondent twice), bootstrap resamples draw respondents
        with their weights, and the index intervals use Kish's effective sample size ``n_eff``.

    Returns
    -------
    PLSResult
        Standardized path coefficients, R² of the endogenous constructs, loadings (item-score correlations),
        standardized outer weights, alpha, rho_C, AVE, HTMT, the ACSI-style index, bootstrap SE and percentile
        intervals of the paths, construct scores (unit variance) and warnings in plain sentences.

    Raises
    ------
    AnalysisError
        For unknown or duplicated items, paths naming unknown constructs, cycles, constant or missing values,
        too few rows, or an unknown scheme.

    Notes
    -----
    Lohmöller's algorithm with Mode A outer estimation, started from unit weights; path coefficients and R² by
    OLS on the construct scores. ``iterations`` counts outer-weight updates (seminr prints one less: its loop
    counter starts at 0). Loadings are item-score correlations; alpha, rho_C and AVE are 1 for a single item
    and alpha uses the item correlations when ``scaled`` (seminr's reliability table).

    Index (Fornell et al. 1996): unstandardized weights (standardized weight / item SD) rescaled to sum to 1
    per construct, the weighted mean of the raw item means, then 100 (x - min) / (max - min). HTMT as
    Henseler, Ringle & Sarstedt (2015), on absolute item correlations.

    Examples
    --------
    The "mobi" ECSI data (Tenenhaus et al. 2005), as in R
    ``estimate_pls(mobi, constructs(composite("Image", multi_items("IMAG", 1:5)), ...), relationships(...))``
    followed by ``summary(model)$paths`` and ``$reliability`` (seminr), or ``plspm::plspm``:

    >>> blocks = {"Image": [f"IMAG{i}" for i in range(1, 6)], "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
    ...           "Value": ["PERV1", "PERV2"], "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"]}
    >>> paths = {"Image": ["Satisfaction"], "Expectation": ["Satisfaction"], "Value": ["Satisfaction"]}
    >>> result = pls_pm(mobi, blocks, paths, bootstrap=500, seed=123)  # doctest: +SKIP
    >>> round(result.paths["Image->Satisfaction"], 3)  # doctest: +SKIP
    0.447
    """
    if scheme not in ALLOWED:
        raise AnalysisError(f"scheme must be one of {ALLOWED}")
    _check_settings(max_iter, tol, bootstrap, bootstrap_subsample)
    spec = _spec(df, blocks, paths)
    x = _matrix(df, spec)
    n, p = x.shape
    case_w = _sample_weights(sample_weights, n)
    n_params = p + len(spec.edges)
    if n < n_params or n < 3:
        raise AnalysisError(
            f"PLS needs at least {max(n_params, 3)} complete rows (one per outer weight and path "
            f"coefficient); the data has {n}."
        )
    notes: list[str] = []

    if case_w is None:
        n_eff = float(n)
        means = x.mean(axis=0)
        xc = x - means
        cov = xc.T @ xc / (n - 1)
    else:
        # Weighted moments; the n_eff / (n_eff - 1) correction makes weights of 1 give the unweighted matrix.
        n_eff = kish_n(case_w)
        total = case_w.sum()
        means = case_w @ x / total
        xc = x - means
        cov = (xc * case_w[:, None]).T @ xc / total * n_eff / (n_eff - 1)
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    matrix = corr if scaled else cov
    fit = _fit(matrix[None], spec, scheme, max_iter, tol)
    if fit.failed[0]:
        # Diagnose on unit weights: the usual cause is a construct duplicating another one.
        _collinear(_block(_standardize(np.ones((1, p)), matrix[None], spec)[0], spec), matrix, spec)
        raise AnalysisError("the PLS algorithm cannot estimate this model: a construct score has no variance")
    converged = bool(fit.converged[0])
    if not converged:
        notes.append(
            f"The PLS algorithm did not converge within {max_iter} iterations (last change in the outer "
            f"weights {fit.change[0]:.2g}, tolerance {tol:g}); treat the estimates with caution."
        )

    w = fit.weights[0]
    std_w = w * np.sqrt(np.diag(matrix))  # weights of the standardized items
    raw_w = std_w / sd  # weights of the raw items (the score is centred, unit variance)
    score_cov = matrix @ _block(w, spec)  # cov(item, score) in the fitted metric
    cols = np.arange(p)
    loadings = score_cov[cols, spec.member] / np.sqrt(np.diag(matrix))
    construct_corr = _block(w, spec).T @ score_cov
    _collinear(_block(w, spec), matrix, spec)
    coef, r2_all, _ = _structural(construct_corr[None], spec)
    estimates = coef[0]
    r2 = {j: float(r2_all[0, j]) for j, pred in enumerate(spec.predecessors) if len(pred)}

    scores = pd.DataFrame(xc @ _block(raw_w, spec), index=df.index, columns=list(spec.constructs))
    alpha = _alpha(matrix, spec)
    rho_c, ave = _composite_reliability(loadings, spec)
    index = _index(raw_w, means, spec, scales, notes)
    index_ci = _index_intervals(index, raw_w, cov, n_eff, spec, scales)
    _small_sample_note(n, spec, notes)

    se = dict.fromkeys(spec.labels, math.nan)
    ci = {label: [math.nan, math.nan] for label in spec.labels}
    used_subsample = None
    n_ok = 0
    draws_kept: PLSDraws | None = None
    if bootstrap:
        m = n
        if bootstrap_subsample is not None and bootstrap_subsample < n:
            if bootstrap_subsample < n_params:
                raise AnalysisError(
                    f"bootstrap_subsample must be at least {n_params} rows (one per outer weight and path "
                    f"coefficient); got {bootstrap_subsample}."
                )
            m = used_subsample = bootstrap_subsample
        if seed is None:
            # Draw a seed and record it, so that any bootstrap can be repeated exactly.
            seed = int(np.random.SeedSequence().entropy % 2**32)
        rng = np.random.default_rng(seed)
        draws, boot_w, boot_cov = _bootstrap_paths(xc, m, bootstrap, rng, spec, scheme, scaled, max_iter, tol, w,
                                                   case_w)
        ok = np.all(np.isfinite(draws), axis=1)
        n_ok = int(ok.sum())
        draws = draws[ok]
        shrink = math.sqrt(m / n)  # m-out-of-n: spread of size-m estimates scaled to size n
        draws_kept = PLSDraws(draws, boot_w[ok], boot_cov[ok], shrink)
        if n_ok < bootstrap:
            notes.append(
                f"{bootstrap - n_ok} of {bootstrap} bootstrap resamples could not be estimated (constant "
                f"item or no convergence in the resample) and were left out."
            )
        if n_ok >= 2:
            spread, low, high = bootstrap_interval(draws, estimates, shrink)
            for k, label in enumerate(spec.labels):
                se[label] = float(spread[k])
                ci[label] = [float(low[k]), float(high[k])]
        else:
            notes.append("Fewer than two bootstrap resamples could be estimated; no standard errors given.")

    items = list(spec.items)
    names = list(spec.constructs)
    return PLSResult(
        constructs=names,
        paths={label: float(v) for label, v in zip(spec.labels, estimates, strict=True)},
        r2={names[j]: float(v) for j, v in r2.items()},
        loadings=dict(zip(items, map(float, loadings), strict=True)),
        weights=dict(zip(items, map(float, std_w), strict=True)),
        alpha=dict(zip(names, map(float, alpha), strict=True)),
        rho_c=dict(zip(names, map(float, rho_c), strict=True)),
        ave=dict(zip(names, map(float, ave), strict=True)),
        htmt=_htmt(corr, spec),
        index=index,
        index_ci=index_ci,
        scheme=scheme,
        iterations=int(fit.iterations[0]),
        converged=converged,
        n=n,
        se=se,
        ci=ci,
        bootstrap={"n_boot": int(bootstrap), "n_ok": n_ok, "seed": seed, "subsample": used_subsample},
        scores=scores,
        warnings=notes,
        n_eff=n_eff,
        sample=PLSSample(means, cov, draws_kept),
    )


# ----------------------------------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------------------------------


def _check_settings(max_iter: int, tol: float, bootstrap: int, subsample: int | None) -> None:
    """Reject settings the algorithm cannot run with."""
    if int(max_iter) != max_iter or max_iter < 1:
        raise AnalysisError(f"max_iter must be a positive whole number; got {max_iter!r}.")
    if not tol > 0:
        raise AnalysisError(f"tol must be positive; got {tol!r}.")
    if int(bootstrap) != bootstrap or bootstrap < 0:
        raise AnalysisError(f"bootstrap must be 0 or a positive number of resamples; got {bootstrap!r}.")
    if subsample is not None and (int(subsample) != subsample or subsample < 3):
        raise AnalysisError(f"bootstrap_subsample must be a whole number of at least 3; got {subsample!r}.")


def _sample_weights(weights: Sequence[float] | np.ndarray | pd.Series | None, n: int) -> np.ndarray | None:
    """The sampling weights as a float array, after checking there is one finite, non-negative weight per row."""
    if weights is None:
        return None
    w = np.asarray(weights, dtype=float).ravel()
    if len(w) != n:
        raise AnalysisError(f"sample_weights has {len(w)} values for {n} rows; give one weight per row.")
    if not np.isfinite(w).all() or (w < 0).any():
        raise AnalysisError("sample_weights must be finite and non-negative; fix or drop the rows that are not.")
    if not w.sum() > 0:
        raise AnalysisError("sample_weights are all zero; at least one row needs a positive weight.")
    return w


def _spec(df: pd.DataFrame, blocks: Mapping[str, Sequence[str]], paths: Mapping[str, Sequence[str]]) -> _Spec:
    """Check blocks and paths against the data and each other; return them as index arrays."""
    if not blocks:
        raise AnalysisError("blocks is empty: give at least two constructs with their items.")
    constructs = tuple(blocks)
    position = {name: j for j, name in enumerate(constructs)}
    items: list[str] = []
    member: list[int] = []
    owner: dict[str, str] = {}
    for name, block in blocks.items():
        if isinstance(block, str) or not len(block):
            raise AnalysisError(f"construct '{name}' needs a list of at least one item column.")
        for item in block:
            if item in owner:
                where = "twice in its block" if owner[item] == name else f"in '{owner[item]}' and '{name}'"
                raise AnalysisError(f"item '{item}' appears {where}; an item belongs to one construct only.")
            if item not in df.columns:
                raise AnalysisError(f"item '{item}' of construct '{name}' is not a column of the data.")
            owner[item] = name
            items.append(item)
            member.append(position[name])

    c = len(constructs)
    adjacency = np.zeros((c, c))
    edges: list[tuple[int, int]] = []
    for source, targets in paths.items():
        if isinstance(targets, str):
            targets = [targets]
        for target in [source, *targets]:
            if target not in position:
                raise AnalysisError(
                    f"path '{source}' -> {list(targets)} names construct '{target}', which has no block "
                    f"(known constructs: {', '.join(constructs)})."
                )
        for target in targets:
            s, t = position[source], position[target]
            if adjacency[s, t]:
                raise AnalysisError(f"path '{source}' -> '{target}' is listed twice.")
            adjacency[s, t] = 1.0
            edges.append((s, t))
    if not edges:
        raise AnalysisError("paths is empty: PLS path modelling needs at least one structural relationship.")
    cycle = _find_cycle(adjacency)
    if cycle:
        chain = " -> ".join(constructs[j] for j in cycle)
        raise AnalysisError(f"paths contain a cycle ({chain}); PLS path models must be recursive (acyclic).")
    linked = adjacency.any(axis=0) | adjacency.any(axis=1)
    loose = [constructs[j] for j in range(c) if not linked[j]]
    if loose:
        raise AnalysisError(
            f"construct(s) {', '.join(loose)} have no path to or from another construct; add a path or "
            f"drop the block."
        )
    predecessors = tuple(np.flatnonzero(adjacency[:, j]) for j in range(c))
    assign = np.zeros((len(items), c))
    assign[np.arange(len(items)), member] = 1.0
    return _Spec(constructs, tuple(items), np.array(member), adjacency, predecessors, tuple(edges), assign)


def _find_cycle(adjacency: np.ndarray) -> list[int]:
    """A directed cycle as a closed walk of construct indices (first == last), or [] if there is none."""
    c = len(adjacency)
    state = [0] * c  # 0 unvisited, 1 on the current path, 2 done
    stack: list[int] = []

    def visit(j: int) -> list[int]:
        state[j] = 1
        stack.append(j)
        for k in np.flatnonzero(adjacency[j]):
            if state[k] == 1:
                return [*stack[stack.index(k) :], int(k)]
            if state[k] == 0:
                found = visit(int(k))
                if found:
                    return found
        stack.pop()
        state[j] = 2
        return []

    for j in range(c):
        if state[j] == 0:
            found = visit(j)
            if found:
                return found
    return []


def _matrix(df: pd.DataFrame, spec: _Spec, *, row_major: bool = True) -> np.ndarray:
    """The item columns as a float array, after checking they are numeric, complete and not constant.

    ``row_major``: copy the array into row order unless it is already (pandas may hand out columns), so that a
    bootstrap can copy whole respondents cheaply; a caller that takes a few rows out of many does without.
    """
    frame = df.loc[:, list(spec.items)]
    text = [item for item in spec.items if not pd.api.types.is_numeric_dtype(frame[item])]
    if text:
        raise AnalysisError(f"items must be numeric; not numeric: {', '.join(text)}.")
    x = frame.to_numpy(dtype=float, na_value=np.nan)
    if row_major:
        x = np.ascontiguousarray(x)
    missing = [item for item, bad in zip(spec.items, ~np.isfinite(x).all(axis=0), strict=True) if bad]
    if missing:
        raise AnalysisError(
            f"items contain missing or infinite values: {', '.join(missing)}; pass complete rows "
            f"(choose listwise deletion or an imputation first)."
        )
    spread = np.ptp(x, axis=0) if len(x) else np.ones(len(spec.items))
    constant = [item for item, v in zip(spec.items, spread, strict=True) if v == 0]
    if constant:
        item = constant[0]
        name = spec.constructs[spec.member[spec.items.index(item)]]
        raise AnalysisError(
            f"item '{item}' of construct '{name}' has the same value in every row; drop it from the block."
        )
    return x


# ----------------------------------------------------------------------------------------------------
# Estimation from an indicator covariance / correlation matrix
# ----------------------------------------------------------------------------------------------------


def _block(w: np.ndarray, spec: _Spec) -> np.ndarray:
    """The p x c outer weight matrix: item k's weight in its construct's column."""
    return w[:, None] * spec.assign


def _standardize(w: np.ndarray, mats: np.ndarray, spec: _Spec) -> np.ndarray:
    """Rescale weights (B, p) so that every construct score has unit variance; NaN rows where one has none."""
    block = w[:, :, None] * spec.assign
    var = np.einsum("bpc,bpc->bc", mats @ block, block)
    good = np.all(var > 0, axis=1) & np.all(np.isfinite(var), axis=1)
    var[~good] = 1.0
    out = w / np.sqrt(var)[:, spec.member]
    out[~good] = np.nan
    return out


def _solve(a: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Batched ``solve(a[i], rhs[i])`` for correlation matrices; (near-)singular rows come back NaN, False."""
    eye = np.eye(a.shape[-1])
    finite = np.isfinite(a).all(axis=(1, 2))
    # With a smallest eigenvalue near rounding error the solution is noise (a duplicated construct).
    good = finite & _nonsingular(np.where(finite[:, None, None], a, eye))
    safe = np.where(good[:, None, None], a, eye)
    out = np.linalg.solve(safe, rhs[..., None])[..., 0]
    out[~good] = np.nan
    return out, good


def _nonsingular(a: np.ndarray) -> np.ndarray:
    """Whether the smallest eigenvalue of each (finite, unit-diagonal) matrix exceeds :data:`_SINGULAR`.

    The eigenvalues are needed only when a matrix is nearly singular: a Cholesky factor of a - 1e-8 I exists only
    if the smallest eigenvalue is above 1e-8 less rounding (some 1e-15), far above the threshold, and costs a
    fraction of the eigenvalues; so the batch's eigenvalues are computed only when one matrix lacks that factor.
    A 1 x 1 matrix is its own eigenvalue.
    """
    if a.shape[-1] == 1:
        return a[:, 0, 0] > _SINGULAR
    try:
        np.linalg.cholesky(a - _CERTAIN * np.eye(a.shape[-1]))
    except np.linalg.LinAlgError:
        return np.linalg.eigvalsh(a)[:, 0] > _SINGULAR
    return np.ones(len(a), dtype=bool)


def _inner(cc: np.ndarray, spec: _Spec, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """Inner weights e[b, i, j]: how much construct i contributes to the inner proxy of construct j."""
    a = spec.adjacency
    ok = np.ones(len(cc), dtype=bool)
    if scheme == "centroid":
        return np.sign(cc) * (a + a.T), ok
    if scheme == "factorial":
        return cc * (a + a.T), ok
    # Path weighting: successors enter with their correlation, predecessors with their multiple-regression
    # weight in predicting j (Lohmöller 1989; as seminr's path_weighting).
    e = cc * a.T
    for j, pred in enumerate(spec.predecessors):
        if len(pred):
            e[:, pred, j], good = _solve(cc[:, pred][:, :, pred], cc[:, pred, j])
            ok &= good
    return e, ok


def _fit(
    mats: np.ndarray,
    spec: _Spec,
    scheme: str,
    max_iter: int,
    tol: float,
    start: np.ndarray | None = None,
) -> _Fit:
    """Lohmöller's iteration with Mode A outer weights on a stack of p x p indicator matrices at once.

    Works on covariance or correlation matrices only, so the full sample (a stack of one) and a batch of
    bootstrap resamples run through the same code; each matrix stops updating once it has converged.
    """
    b, p, _ = mats.shape
    cols = np.arange(p)
    item_sd = np.sqrt(np.diagonal(mats, axis1=1, axis2=2))  # changes are measured on standardized weights
    w = _standardize(np.tile(np.ones(p) if start is None else start, (b, 1)), mats, spec)
    failed = np.isnan(w).any(axis=1)
    converged = np.zeros(b, dtype=bool)
    iterations = np.zeros(b, dtype=int)
    change = np.full(b, np.inf)
    active = np.flatnonzero(~failed)
    for iteration in range(1, max_iter + 1):
        if not len(active):
            break
        # while every matrix still iterates, the stack itself rather than a copy of it (some 15 % of an iteration)
        whole = len(active) == b and mats.flags.c_contiguous
        m, wa = (mats, w) if whole else (mats[active], w[active])
        block = wa[:, :, None] * spec.assign
        item_score = m @ block  # cov(item, construct score)
        e, ok = _inner(block.transpose(0, 2, 1) @ item_score, spec, scheme)
        # Mode A: the new weight of item k is its covariance with the inner proxy of its own construct.
        new = _standardize((item_score @ e)[:, cols, spec.member], m, spec)
        bad = ~ok | np.isnan(new).any(axis=1)
        step = np.abs((new - wa) * item_sd[active]).sum(axis=1)
        w[active], change[active], iterations[active] = new, step, iteration
        failed[active[bad]] = True
        done = ~bad & (step < tol)
        converged[active[done]] = True
        active = active[~bad & ~done]
    w[failed] = np.nan
    return _Fit(w, iterations, converged & ~failed, change, failed)


def _collinear(block: np.ndarray, matrix: np.ndarray, spec: _Spec) -> None:
    """Raise, naming the constructs, if the predictors of any construct are perfectly collinear."""
    coef, _, ok = _structural((block.T @ matrix @ block)[None], spec)
    if not ok[0]:
        edges = zip(spec.edges, coef[0], strict=True)
        stuck = sorted({spec.constructs[target] for (_, target), v in edges if np.isnan(v)})
        raise AnalysisError(
            f"the predictors of {', '.join(stuck)} are perfectly collinear; look for duplicated items or "
            f"constructs."
        )


def _structural(cc: np.ndarray, spec: _Spec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Path coefficients (B, edges): OLS of each endogenous score on its predecessors; R² (B, c); ok (B,)."""
    b, c, _ = cc.shape
    coef = np.zeros((b, c, c))
    r2 = np.full((b, c), np.nan)
    ok = np.ones(b, dtype=bool)
    for j, pred in enumerate(spec.predecessors):
        if len(pred):
            beta, good = _solve(cc[:, pred][:, :, pred], cc[:, pred, j])
            coef[:, pred, j] = beta
            r2[:, j] = (beta * cc[:, pred, j]).sum(axis=1)
            ok &= good
    source, target = np.array(spec.edges).T
    return coef[:, source, target], r2, ok


# ----------------------------------------------------------------------------------------------------
# Quality criteria and index
# ----------------------------------------------------------------------------------------------------


def _alpha(matrix: np.ndarray, spec: _Spec) -> np.ndarray:
    """Cronbach's alpha per block from the fitted matrix (1 for a single item, as seminr reports)."""
    out = np.ones(len(spec.constructs))
    for j in range(len(spec.constructs)):
        idx = np.flatnonzero(spec.member == j)
        k = len(idx)
        if k > 1:
            sub = matrix[np.ix_(idx, idx)]
            out[j] = k / (k - 1) * (1 - np.trace(sub) / sub.sum())
    return out


def _composite_reliability(loadings: np.ndarray, spec: _Spec) -> tuple[np.ndarray, np.ndarray]:
    """Dillon-Goldstein rho_C and Fornell-Larcker AVE from the loadings (1 for single items, as seminr)."""
    c = len(spec.constructs)
    rho_c, ave = np.ones(c), np.ones(c)
    for j in range(c):
        lam = loadings[spec.member == j]
        if len(lam) > 1:
            top = lam.sum() ** 2
            rho_c[j] = top / (top + (1 - lam**2).sum())
            ave[j] = float(np.mean(lam**2))
    return rho_c, ave


def _htmt(corr: np.ndarray, spec: _Spec) -> dict[str, dict[str, float]]:
    """Heterotrait-monotrait ratio (Henseler et al. 2015) for every pair of constructs, both ways round."""
    a = np.abs(corr)
    c = len(spec.constructs)
    blocks = [np.flatnonzero(spec.member == j) for j in range(c)]
    mono = np.ones(c)
    for j, idx in enumerate(blocks):
        k = len(idx)
        if k > 1:
            sub = a[np.ix_(idx, idx)]
            mono[j] = (sub.sum() - np.trace(sub)) / (k * (k - 1))
    out: dict[str, dict[str, float]] = {name: {} for name in spec.constructs}
    for i in range(c):
        for j in range(i + 1, c):
            # Items of a block that do not correlate at all (tiny samples) leave the ratio undefined.
            mono_ij = mono[i] * mono[j]
            value = float(a[np.ix_(blocks[i], blocks[j])].mean() / math.sqrt(mono_ij)) if mono_ij > 0 else math.nan
            out[spec.constructs[i]][spec.constructs[j]] = value
            out[spec.constructs[j]][spec.constructs[i]] = value
    return out


def _index(
    raw_w: np.ndarray,
    means: np.ndarray,
    spec: _Spec,
    scales: Mapping[str, tuple[float, float]] | None,
    notes: list[str],
) -> dict[str, float | None]:
    """ACSI-style 0-100 index per construct; None where the response scale is not given."""
    scales = dict(scales or {})
    unknown = [name for name in scales if name not in spec.constructs]
    if unknown:
        raise AnalysisError(f"scales names construct(s) without a block: {', '.join(unknown)}.")
    out: dict[str, float | None] = {}
    for j, name in enumerate(spec.constructs):
        idx = np.flatnonzero(spec.member == j)
        w = raw_w[idx]
        if (w < 0).any():
            negative = ", ".join(spec.items[k] for k in idx[w < 0])
            notes.append(
                f"Construct '{name}' has negative outer weights ({negative}); its index is not a weighted "
                f"mean of its items, and these items may need reverse coding."
            )
        if name not in scales:
            out[name] = None
            continue
        low, high = (float(v) for v in scales[name])
        if not high > low:
            raise AnalysisError(f"scales['{name}'] must be (minimum, maximum) with maximum > minimum.")
        if not w.sum() > 0:
            notes.append(f"The outer weights of '{name}' do not sum to a positive number; no index is given.")
            out[name] = None
            continue
        level = float((w / w.sum()) @ means[idx])
        out[name] = 100 * (level - low) / (high - low)
    return out


def _index_intervals(index: Mapping[str, float | None], raw_w: np.ndarray, cov: np.ndarray, n: float, spec: _Spec,
                     scales: Mapping[str, tuple[float, float]] | None) -> dict[str, list[float] | None]:
    """95 % interval of each 0-100 index: it is the mean over respondents of 100 sum_i v_i (x_i - min) / range
    with v the normalised raw outer weights, whose variance is v' S v / n (S the items' covariance)."""
    out: dict[str, list[float] | None] = {}
    for j, name in enumerate(spec.constructs):
        value = index.get(name)
        if value is None or not scales or name not in scales:
            out[name] = None
            continue
        idx = np.flatnonzero(spec.member == j)
        low, high = (float(v) for v in scales[name])
        v = 100 * (raw_w[idx] / raw_w[idx].sum()) / (high - low)
        se = math.sqrt(max(float(v @ cov[np.ix_(idx, idx)] @ v), 0.0) / n)
        out[name] = [max(0.0, value - Z95 * se), min(100.0, value + Z95 * se)]
    return out


def _small_sample_note(n: int, spec: _Spec, notes: list[str]) -> None:
    """The ten-times rule of thumb (Barclay et al. 1995) for reflective models."""
    most = max(len(pred) for pred in spec.predecessors)
    if n < 10 * most:
        notes.append(
            f"Only {n} respondents for a construct with {most} incoming paths; PLS rules of thumb ask for at "
            f"least {10 * most} (ten per path), so estimates may be unstable."
        )


# ----------------------------------------------------------------------------------------------------
# Bootstrap
# ----------------------------------------------------------------------------------------------------


def cross_products(part: np.ndarray) -> np.ndarray:
    """The rows of a chunk of centred items (items x respondents) followed by every product of two items
    (upper triangle, row by row): summed over respondents, these give every mean and covariance at once."""
    p = part.shape[0]
    design = np.empty((p + p * (p + 1) // 2, part.shape[1]))
    design[:p] = part
    at = p
    for i in range(p):
        np.multiply(part[i], part[i:], out=design[at : at + p - i])
        at += p - i
    return design


def _bootstrap_paths(
    xc: np.ndarray,
    m: int,
    n_boot: int,
    rng: np.random.Generator,
    spec: _Spec,
    scheme: str,
    scaled: bool,
    max_iter: int,
    tol: float,
    start: np.ndarray,
    case_w: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Path coefficients (B, edges), standardized outer weights (B, p) and raw item covariances (B, p, p) of
    every resample (NaN rows where a resample could not be estimated)."""
    p = xc.shape[1]
    out = np.full((n_boot, len(spec.edges)), np.nan)
    weights = np.full((n_boot, p), np.nan)
    raw = np.full((n_boot, p, p), np.nan)
    done = 0
    for covs in _resample_covariances(xc, m, n_boot, rng, case_w):
        # A resample can miss every non-modal answer of an item; such a resample is left out, not fatal.
        var = np.diagonal(covs, axis1=1, axis2=2)
        usable = np.flatnonzero(np.all(var > 0, axis=1))
        mats = covs[usable]
        if scaled:
            sd = np.sqrt(np.diagonal(mats, axis1=1, axis2=2))
            mats = mats / (sd[:, :, None] * sd[:, None, :])
        fit = _fit(mats, spec, scheme, max_iter, tol, start)
        keep = np.flatnonzero(fit.converged)
        block = fit.weights[keep][:, :, None] * spec.assign
        coef, _, ok = _structural(block.transpose(0, 2, 1) @ mats[keep] @ block, spec)
        rows = done + usable[keep[ok]]
        out[rows] = coef[ok]
        fitted = mats[keep[ok]]
        weights[rows] = fit.weights[keep[ok]] * np.sqrt(np.diagonal(fitted, axis1=1, axis2=2))
        raw[rows] = covs[usable[keep[ok]]]
        done += len(covs)
    return out, weights, raw


def _resample_covariances(
    xc: np.ndarray, m: int, n_boot: int, rng: np.random.Generator, case_w: np.ndarray | None = None
) -> Iterator[np.ndarray]:
    """Covariance matrices of bootstrap resamples of size m, in batches of shape (k, p, p).

    Both ways of forming a resample draw the same row indices (one ``integers`` call per resample), so a
    seed gives the same resamples whichever way, and whatever the batch size. With sampling weights a drawn
    row counts with its weight (the weighted covariance of the resample).
    """
    n = len(xc)
    # Weighting a row costs about a tenth of copying a randomly drawn one (random copies wait on memory,
    # measured on 24 items), so copying the drawn rows wins once m is below n / 10.
    if 10 * m <= n:
        yield from _gathered_covariances(xc, m, n_boot, rng, case_w)
    else:
        yield from _counted_covariances(xc, m, n_boot, rng, case_w)


def _gathered_covariances(
    xc: np.ndarray, m: int, n_boot: int, rng: np.random.Generator, case_w: np.ndarray | None = None
) -> Iterator[np.ndarray]:
    """Resample covariances by copying the m drawn rows (for subsamples much smaller than the data)."""
    n, p = xc.shape
    for lo in range(0, n_boot, _GATHER_BATCH):
        k = min(_GATHER_BATCH, n_boot - lo)
        out = np.empty((k, p, p))
        for r in range(k):
            drawn = rng.integers(0, n, size=m)
            rows = xc[drawn]
            if case_w is None:
                rows = rows - rows.mean(axis=0)
                out[r] = rows.T @ rows / (m - 1)
            else:
                w = case_w[drawn]
                rows = rows - w @ rows / w.sum()
                out[r] = (rows * w[:, None]).T @ rows / (w.sum() - 1)
        yield out


def _counted_covariances(
    xc: np.ndarray, m: int, n_boot: int, rng: np.random.Generator, case_w: np.ndarray | None = None
) -> Iterator[np.ndarray]:
    """Resample covariances from row counts: one large matrix product per batch of resamples.

    A resample is a vector of row counts; its sums and cross-products are the product of the counts with
    [x, x_i * x_j] (upper triangle), so a batch of resamples costs one large, efficient product instead of
    a copy of the data per resample (which would cost as many operations, at far lower speed).
    """
    n, p = xc.shape
    q = p + p * (p + 1) // 2
    rows = np.ascontiguousarray(xc.T)  # items as rows, so the products below run on contiguous memory
    batch = max(1, min(n_boot, _BATCH_CELLS // n))
    iu, ju = np.triu_indices(p)
    done = 0
    while done < n_boot:
        k = min(batch, n_boot - done)
        counts = np.empty((k, n), dtype=np.uint16)
        for r in range(k):
            counts[r] = np.bincount(rng.integers(0, n, size=m), minlength=n)
        sums = np.zeros((k, q))
        total = np.full(k, float(m)) if case_w is None else counts @ case_w
        for lo in range(0, n, _ROW_CHUNK):
            design = cross_products(rows[:, lo : lo + _ROW_CHUNK])
            chunk = counts[:, lo : lo + _ROW_CHUNK].astype(np.float64)
            if case_w is not None:
                chunk *= case_w[lo : lo + _ROW_CHUNK]
            sums += chunk @ design.T
        mean = sums[:, :p] / total[:, None]
        cross = np.zeros((k, p, p))
        cross[:, iu, ju] = sums[:, p:]
        cross[:, ju, iu] = sums[:, p:]
        yield (cross - total[:, None, None] * mean[:, :, None] * mean[:, None, :]) / (total - 1)[:, None, None]
        done += k
