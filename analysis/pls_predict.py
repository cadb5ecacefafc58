"""PLSpredict: out-of-sample predictive power of a PLS path model (Shmueli et al. 2016; Shmueli et al. 2019).

The respondents are split into k folds; the model is estimated on k - 1 of them and predicts the indicators of
the target (endogenous) constructs of the held-out fold from its exogenous indicators alone ("earliest
antecedents": exogenous scores, then the path coefficients, then the loadings; seminr ``predict_EA``). Two
benchmarks are predicted the same way: the linear model (each target indicator regressed by OLS on all
exogenous indicators) and the naive mean of the training folds, which defines Q²_predict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.pls import pls_pm
from analysis.pls_permutation import item_matrix, model_spec

#: Folds (Shmueli et al. 2019 recommend 10).
FOLDS = 10
#: Fixed seed of the fold assignment by default, so that a report can be repeated exactly.
SEED = 20190101


@dataclass
class PLSPredictResult:
    """Out-of-sample prediction errors per indicator of the target constructs, in the items' own units."""

    #: the endogenous constructs whose indicators are predicted
    targets: list[str]
    #: the exogenous constructs the predictions start from
    exogenous: list[str]
    #: item -> {"construct", "pls_rmse", "pls_mae", "lm_rmse", "lm_mae", "q2_predict" (PLS against the training
    #: mean), "lm_q2_predict", "pls_beats_lm" (PLS RMSE below LM's)}; errors averaged over the repetitions
    items: dict[str, dict[str, Any]]
    folds: int
    repeats: int
    seed: int
    n: int
    warnings: list[str] = field(default_factory=list)


def pls_predict(
    df: pd.DataFrame,
    blocks: dict[str, list[str]],
    paths: dict[str, list[str]],
    *,
    folds: int = FOLDS,
    repeats: int = 1,
    seed: int = SEED,
    fold_ids: np.ndarray | None = None,
    scheme: str = "path",
    max_iter: int = 300,
    tol: float = 1e-7,
) -> PLSPredictResult:
    """k-fold PLSpredict with Q²_predict, RMSE and MAE per target indicator against the LM and mean benchmarks.

    Parameters
    ----------
    df : pandas.DataFrame
        Complete rows with the items of ``blocks``.
    blocks, paths : dict
        The PLS model, as :func:`analysis.pls.pls_pm` takes it (always estimated on standardized items).
    folds : int
        Number of folds k (at least 2).
    repeats : int
        Independent random fold assignments; the errors are averaged over them (Shmueli et al. 2019).
    seed : int
        Seed of the fold assignments.
    fold_ids : numpy.ndarray, optional
        A fixed assignment (repeats x n, or n) of each row to a fold 0..k-1, instead of random ones.
    scheme, max_iter, tol :
        PLS algorithm settings of every fold's estimation.

    Returns
    -------
    PLSPredictResult

    Examples
    --------
    As R seminr ``summary(predict_pls(model, technique = predict_EA, noFolds = 10))``:

    >>> result = pls_predict(mobi, blocks, paths)  # doctest: +SKIP
    >>> result.items["CUSA1"]["pls_beats_lm"]  # doctest: +SKIP
    False
    """
    spec = model_spec(df, blocks, paths)
    x = item_matrix(df, spec)
    n = len(x)
    names = list(spec.constructs)
    exogenous = [names[j] for j, pred in enumerate(spec.predecessors) if not len(pred)]
    targets = [names[j] for j, pred in enumerate(spec.predecessors) if len(pred)]
    assignments = _assignments(n, folds, repeats, seed, fold_ids)
    smallest = n - max(int(np.bincount(a).max()) for a in assignments)
    n_params = len(spec.items) + len(spec.edges)
    if smallest < n_params:
        raise AnalysisError(f"PLSpredict estimates the model on all folds but one, {smallest} rows here; it needs at "
                            f"least {n_params} (one per outer weight and path coefficient). Use fewer folds.")
    exo_cols = np.flatnonzero(np.isin(spec.member, [names.index(c) for c in exogenous]))
    target_cols = np.flatnonzero(np.isin(spec.member, [names.index(c) for c in targets]))
    frame = pd.DataFrame(x, columns=list(spec.items))
    sse = np.zeros((3, len(target_cols)))  # PLS, LM, mean
    sae = np.zeros((2, len(target_cols)))
    for assignment in assignments:
        for fold in range(int(assignment.max()) + 1):
            test = assignment == fold
            train = ~test
            predicted = _predict_fold(frame, x, train, test, blocks, paths, spec, exo_cols, target_cols,
                                      scheme, max_iter, tol)
            actual = x[np.ix_(test, target_cols)]
            for row, guess in enumerate(predicted):
                residual = actual - guess
                sse[row] += (residual**2).sum(axis=0)
                if row < 2:
                    sae[row] += np.abs(residual).sum(axis=0)
    total = n * len(assignments)
    rmse = np.sqrt(sse / total)
    mae = sae / total
    items = {}
    for k, col in enumerate(target_cols):
        item = spec.items[col]
        items[item] = {
            "construct": names[spec.member[col]],
            "pls_rmse": float(rmse[0, k]), "pls_mae": float(mae[0, k]),
            "lm_rmse": float(rmse[1, k]), "lm_mae": float(mae[1, k]),
            "q2_predict": float(1 - sse[0, k] / sse[2, k]), "lm_q2_predict": float(1 - sse[1, k] / sse[2, k]),
            "pls_beats_lm": bool(rmse[0, k] < rmse[1, k]),
        }
    notes = []
    if n < 10 * len(exo_cols):
        notes.append(f"Only {n} respondents for a linear benchmark on {len(exo_cols)} exogenous items; its "
                     "out-of-sample errors are unstable.")
    return PLSPredictResult(targets=targets, exogenous=exogenous, items=items, folds=int(assignments.max()) + 1,
                            repeats=len(assignments), seed=int(seed), n=n, warnings=notes)


def _assignments(n: int, folds: int, repeats: int, seed: int, fold_ids: np.ndarray | None) -> np.ndarray:
    """(repeats, n) fold number of each row: random balanced folds, or the given ones."""
    if fold_ids is not None:
        ids = np.atleast_2d(np.asarray(fold_ids, dtype=int))
        if ids.shape[1] != n or ids.min() < 0 or any(len(np.unique(r)) < 2 for r in ids):
            raise AnalysisError(
                f"fold_ids must give each of the {n} rows a fold number 0, 1, ... (two folds at least)."
            )
        return ids
    if int(folds) != folds or not 2 <= folds <= n:
        raise AnalysisError(f"folds must be a whole number between 2 and the {n} rows; got {folds!r}.")
    if int(repeats) != repeats or repeats < 1:
        raise AnalysisError(f"repeats must be a positive whole number; got {repeats!r}.")
    rng = np.random.default_rng(seed)
    base = np.arange(n) * folds // n  # contiguous, balanced blocks, as R's cut(seq_len(n), k)
    out = np.empty((repeats, n), dtype=int)
    for r in range(repeats):
        out[r, rng.permutation(n)] = base
    return out


def _predict_fold(frame: pd.DataFrame, x: np.ndarray, train: np.ndarray, test: np.ndarray, blocks: dict,
                  paths: dict, spec: Any, exo_cols: np.ndarray, target_cols: np.ndarray, scheme: str,
                  max_iter: int, tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PLS (earliest antecedents), LM and training-mean predictions of the test rows' target items."""
    fit = pls_pm(frame[train], blocks, paths, scheme=scheme, max_iter=max_iter, tol=tol)
    xt = x[train]
    mean, sd = xt.mean(axis=0), xt.std(axis=0, ddof=1)
    items = list(spec.items)
    c = len(spec.constructs)
    weights = np.array([fit.weights[i] for i in items])
    loadings = np.array([fit.loadings[i] for i in items])
    coef = np.zeros((c, c))
    for (s, t), label in zip(spec.edges, spec.labels, strict=True):
        coef[s, t] = fit.paths[label]
    z = (x[test] - mean) / sd
    scores = z @ (weights[:, None] * spec.assign)
    exo = np.array([not len(p) for p in spec.predecessors])
    start = np.where(exo, scores, 0.0)
    predicted = start
    for _ in range(c):  # a recursive model settles after at most c steps
        predicted = start + predicted @ coef
    pls = predicted[:, spec.member[target_cols]] * loadings[target_cols] * sd[target_cols] + mean[target_cols]
    design = np.column_stack([np.ones(int(train.sum())), xt[:, exo_cols]])
    beta, *_ = np.linalg.lstsq(design, xt[:, target_cols], rcond=None)
    lm = np.column_stack([np.ones(int(test.sum())), x[np.ix_(test, exo_cols)]]) @ beta
    naive = np.broadcast_to(mean[target_cols], lm.shape)
    return pls, lm, naive
