"""analysis.pls_predict against R seminr's PLSpredict (its Python port, test-only) and a direct OLS computation.

With the same fold assignment PLSpredict is deterministic, so it is compared exactly (to the 1e-7 convergence
tolerance of both programs): seminr ``predict_pls(model, technique = predict_EA, noFolds = 10)`` with an injected
row order, and the linear benchmark with statsmodels OLS fitted fold by fold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import seminr
import statsmodels.api as sm
from seminr.predict import cut_folds, item_metrics, predict_EA, predict_pls
from seminr.specify import composite, constructs, multi_items

from analysis.errors import AnalysisError
from analysis.pls_predict import pls_predict

BLOCKS = {"Image": [f"IMAG{i}" for i in range(1, 6)], "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
          "Value": ["PERV1", "PERV2"], "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"]}
PATHS = {"Image": ["Satisfaction"], "Expectation": ["Satisfaction"], "Value": ["Satisfaction"]}
TARGETS = ["CUSA1", "CUSA2", "CUSA3"]


def _fold_ids(n: int, folds: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A row order and the fold of each row that seminr derives from it (cut(seq_len(n), k) over the order)."""
    order = np.random.default_rng(seed).permutation(n)
    ids = np.empty(n, dtype=int)
    ids[order] = np.array(cut_folds(n, folds)) - 1
    return order, ids


def test_matches_seminr_predict_pls_with_the_same_folds(mobi: pd.DataFrame) -> None:
    measurement = constructs(
        composite("Image", multi_items("IMAG", range(1, 6))),
        composite("Expectation", multi_items("CUEX", range(1, 4))),
        composite("Value", multi_items("PERV", range(1, 3))),
        composite("Satisfaction", multi_items("CUSA", range(1, 4))))
    structural = seminr.relationships(seminr.paths(from_=["Image", "Expectation", "Value"], to="Satisfaction"))
    model = seminr.estimate_pls(mobi, measurement, structural)
    order, ids = _fold_ids(len(mobi), 10, seed=5)
    expected = item_metrics(predict_pls(model, technique=predict_EA, no_folds=10, ordering=[int(i) for i in order]))

    result = pls_predict(mobi, BLOCKS, PATHS, fold_ids=ids)

    assert result.targets == ["Satisfaction"] and result.exogenous == ["Image", "Expectation", "Value"]
    for k, item in enumerate(TARGETS):
        got = result.items[item]
        assert got["pls_rmse"] == pytest.approx(expected.pls_out_of_sample.values[0, k], abs=1e-6)
        assert got["pls_mae"] == pytest.approx(expected.pls_out_of_sample.values[1, k], abs=1e-6)
        assert got["lm_rmse"] == pytest.approx(expected.lm_out_of_sample.values[0, k], abs=1e-9)
        assert got["lm_mae"] == pytest.approx(expected.lm_out_of_sample.values[1, k], abs=1e-9)
        assert got["pls_beats_lm"] == (got["pls_rmse"] < got["lm_rmse"])


def test_benchmarks_equal_ols_and_training_means_fold_by_fold(mobi: pd.DataFrame) -> None:
    _, ids = _fold_ids(len(mobi), 5, seed=11)
    exogenous = [*BLOCKS["Image"], *BLOCKS["Expectation"], *BLOCKS["Value"]]
    sse_lm, sse_mean, sae_lm = (pd.Series(0.0, index=TARGETS) for _ in range(3))
    for fold in range(5):
        train, test = mobi[ids != fold], mobi[ids == fold]
        for item in TARGETS:
            ols = sm.OLS(train[item], sm.add_constant(train[exogenous])).fit()
            residual = test[item] - ols.predict(sm.add_constant(test[exogenous], has_constant="add"))
            sse_lm[item] += (residual**2).sum()
            sae_lm[item] += residual.abs().sum()
            sse_mean[item] += ((test[item] - train[item].mean()) ** 2).sum()

    result = pls_predict(mobi, BLOCKS, PATHS, fold_ids=ids)

    n = len(mobi)
    for item in TARGETS:
        got = result.items[item]
        assert got["lm_rmse"] == pytest.approx(np.sqrt(sse_lm[item] / n), abs=1e-10)
        assert got["lm_mae"] == pytest.approx(sae_lm[item] / n, abs=1e-10)
        assert got["lm_q2_predict"] == pytest.approx(1 - sse_lm[item] / sse_mean[item], abs=1e-10)
        assert got["q2_predict"] == pytest.approx(1 - got["pls_rmse"] ** 2 * n / sse_mean[item], abs=1e-10)


def test_repeated_folds_average_the_repetitions_and_a_seed_repeats_them(mobi: pd.DataFrame) -> None:
    once = [pls_predict(mobi, BLOCKS, PATHS, fold_ids=_fold_ids(len(mobi), 10, seed=s)[1]) for s in (1, 2)]
    both = pls_predict(mobi, BLOCKS, PATHS, fold_ids=np.vstack([_fold_ids(len(mobi), 10, seed=s)[1] for s in (1, 2)]))
    mse = np.mean([r.items["CUSA2"]["pls_rmse"] ** 2 for r in once])
    assert both.repeats == 2 and both.items["CUSA2"]["pls_rmse"] == pytest.approx(np.sqrt(mse), abs=1e-12)
    seeded = pls_predict(mobi, BLOCKS, PATHS, repeats=2, seed=3)
    assert seeded.items == pls_predict(mobi, BLOCKS, PATHS, repeats=2, seed=3).items
    assert seeded.folds == 10 and seeded.n == len(mobi)


def test_rejects_unusable_fold_settings(mobi: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="folds must be"):
        pls_predict(mobi, BLOCKS, PATHS, folds=1)
    with pytest.raises(AnalysisError, match="repeats must be"):
        pls_predict(mobi, BLOCKS, PATHS, repeats=0)
    with pytest.raises(AnalysisError, match="fold_ids must"):
        pls_predict(mobi, BLOCKS, PATHS, fold_ids=np.zeros(len(mobi), dtype=int))
