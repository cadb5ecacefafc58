"""The size rules of large samples (analysis.sampling): the seeded sampler, and PLSpredict on a sample of the rows
estimating the same out-of-sample errors as PLSpredict on every row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import sampling
from analysis.engine import run_analysis
from analysis.model import ModelSpec
from analysis.pls_predict import pls_predict
from reports.context import build_context
from reports.warnings_zh import UNTRANSLATED
from reports.warnings_zh import translate as warning_zh


def test_sample_rows_is_seeded_sorted_and_without_replacement() -> None:
    rows = sampling.sample_rows(1_000, 100, np.random.default_rng(5))
    assert len(rows) == len(set(rows.tolist())) == 100
    assert np.all(np.diff(rows) > 0) and 0 <= rows.min() and rows.max() < 1_000
    assert np.array_equal(rows, sampling.sample_rows(1_000, 100, np.random.default_rng(5)))
    assert not np.array_equal(rows, sampling.sample_rows(1_000, 100, np.random.default_rng(6)))
    assert np.array_equal(sampling.sample_rows(50, 100, np.random.default_rng(5)), np.arange(50))


def _reflective(n: int, seed: int) -> pd.DataFrame:
    """Two reflective constructs of three 1-7 items each, eta = 0.6 xi + noise (whole-number answers)."""
    rng = np.random.default_rng(seed)
    xi = rng.standard_normal(n)
    eta = 0.6 * xi + 0.8 * rng.standard_normal(n)
    columns = {f"x{i}": xi + 0.7 * rng.standard_normal(n) for i in range(3)}
    columns |= {f"y{i}": eta + 0.7 * rng.standard_normal(n) for i in range(3)}
    return pd.DataFrame({name: np.clip(np.round(4 + 1.2 * v), 1, 7) for name, v in columns.items()})


def test_plspredict_on_a_sample_estimates_the_full_data_errors() -> None:
    # 40,000 rows and a seeded sample of 5,000 of them: RMSE and MAE estimated to about 1/sqrt(2 * 5,000) = 1 %
    # (relative), so they must agree within 4 %; Q²_predict to within 0.02.
    data = _reflective(40_000, seed=3)
    blocks = {"X": ["x0", "x1", "x2"], "Y": ["y0", "y1", "y2"]}
    full = pls_predict(data, blocks, {"X": ["Y"]}, seed=1)
    rows = sampling.sample_rows(len(data), 5_000, np.random.default_rng(1))
    sampled = pls_predict(data.iloc[rows], blocks, {"X": ["Y"]}, seed=1)
    assert sampled.n == 5_000 and full.n == 40_000
    for item, errors in full.items.items():
        for metric in ("pls_rmse", "pls_mae", "lm_rmse", "lm_mae"):
            assert sampled.items[item][metric] == pytest.approx(errors[metric], rel=0.04)
        assert sampled.items[item]["q2_predict"] == pytest.approx(errors["q2_predict"], abs=0.02)


def test_the_engine_runs_plspredict_on_a_seeded_sample_above_the_cap(monkeypatch: pytest.MonkeyPatch,
                                                                     mobi: pd.DataFrame, ecsi_model: dict) -> None:
    ecsi_model.update(efa=False, drivers=[], pls={"bootstrap": 0, "seed": 1})
    spec = ModelSpec.from_dict(ecsi_model)
    assert run_analysis(mobi, spec)["pls"]["predict"]["sampled_from"] is None
    monkeypatch.setattr(sampling, "PREDICT_MAX_ROWS", 200)
    first, again = run_analysis(mobi, spec), run_analysis(mobi, spec)
    predict = first["pls"]["predict"]
    assert predict["n"] == 200 and predict["sampled_from"] == 250
    assert predict["items"] == again["pls"]["predict"]["items"]  # the sample is seeded by pls.seed
    note = next(w for w in first["warnings"] if w.startswith("PLSpredict: with 250 complete respondents"))
    assert "random sample of 200" in note
    assert UNTRANSLATED not in warning_zh(note) and "200" in warning_zh(note)


def test_the_methods_appendix_states_the_bootstrap_rule(monkeypatch: pytest.MonkeyPatch, mobi: pd.DataFrame,
                                                      ecsi_model: dict) -> None:
    ecsi_model.update(efa=False, drivers=[], pls={"bootstrap": 10, "seed": 1})
    spec = ModelSpec.from_dict(ecsi_model)
    plain = run_analysis(mobi, spec)
    methods = build_context(plain, lang="en", charts=False)["methods"]
    assert not any("bootstrap resample draws" in line for line in methods)
    monkeypatch.setattr(sampling, "LARGE_N", 200)
    monkeypatch.setattr(sampling, "BOOTSTRAP_SUBSAMPLE", 150)
    result = run_analysis(mobi, spec)
    assert any("With 250 respondents, each bootstrap resample draws 150 of them" in line
               for line in build_context(result, lang="en", charts=False)["methods"])
    assert any("共有 250 名受访者，自助法每次重抽样抽取其中 150 名" in line
               for line in build_context(result, lang="zh", charts=False)["methods"])

