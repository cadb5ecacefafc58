"""run_analysis: PLS effects, the IPMA and sampling weights reach RESULT.json as docs/analysis.md describes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.engine import run_analysis
from analysis.errors import AnalysisError
from analysis.ipma import ipma
from analysis.model import ModelSpec
from analysis.pls import pls_pm
from analysis.pls_effects import pls_effects
from tests.analysis.conftest import ECSI_CONSTRUCTS, ECSI_PATHS

ARROWS: dict[str, list[str]] = {}
for _target, _sources in ECSI_PATHS.items():
    for _source in _sources:
        ARROWS.setdefault(_source, []).append(_target)


def model(ecsi_model: dict, **changes: object) -> ModelSpec:
    return ModelSpec.from_dict({**ecsi_model, "efa": False, "drivers": [], "pls": {"bootstrap": 30, "seed": 4},
                                **changes})


def test_effects_and_ipma_in_the_result_are_those_of_a_direct_call(mobi: pd.DataFrame, ecsi_model: dict) -> None:
    result = run_analysis(mobi, model(ecsi_model))
    json.dumps(result, allow_nan=False)
    scales = {name: (1.0, 10.0) for name in ECSI_CONSTRUCTS}
    direct = pls_pm(mobi, ECSI_CONSTRUCTS, ARROWS, bootstrap=30, seed=4, scales=scales)
    effects = pls_effects(direct)
    total = result["pls"]["total_effects"]["Image->Loyalty"]
    assert total["estimate"] == pytest.approx(effects.total["Image->Loyalty"].estimate)
    assert total["ci"] == pytest.approx(effects.total["Image->Loyalty"].ci)
    assert set(result["pls"]["indirect_effects"]) == set(effects.indirect)
    assert set(result["pls"]["specific_indirect_effects"]) == set(effects.specific)
    assert "sample" not in result["pls"]
    assert set(result["ipma"]) == {"Loyalty", "Satisfaction"}
    loyalty = result["ipma"]["Loyalty"]
    expected = ipma(direct, ECSI_CONSTRUCTS, "Loyalty", scales)
    assert [c["name"] for c in loyalty["constructs"]] == [c.name for c in expected.constructs]
    assert loyalty["constructs"][0]["importance"] == pytest.approx(expected.constructs[0].importance)
    assert "weights" not in result


def test_a_weights_column_weights_pls_drivers_and_nps(mobi: pd.DataFrame, ecsi_model: dict) -> None:
    counts = np.random.default_rng(2).integers(1, 4, size=len(mobi))
    data = mobi.assign(weight=counts.astype(float), NPS=np.clip(mobi["CUSL1"], 0, 10))
    spec = model(ecsi_model, weights="weight", outcomes={**ecsi_model["outcomes"], "recommend": "NPS"},
                 drivers=[{"outcome": "Satisfaction", "predictors": ["Image", "Value"], "bootstrap": 0}])
    result = run_analysis(data, spec)
    assert result["weights"]["column"] == "weight"
    assert result["weights"]["n_eff"] == pytest.approx(counts.sum() ** 2 / (counts**2).sum())
    copies = data.loc[data.index.repeat(counts)].drop(columns="weight").reset_index(drop=True)
    plain = run_analysis(copies, model(ecsi_model, outcomes={**ecsi_model["outcomes"], "recommend": "NPS"},
                                       drivers=[{"outcome": "Satisfaction", "predictors": ["Image", "Value"],
                                                 "bootstrap": 0}]))
    assert result["pls"]["paths"] == pytest.approx(plain["pls"]["paths"], abs=1e-10)
    assert result["drivers"][0]["shapley"] == pytest.approx(plain["drivers"][0]["shapley"], abs=1e-10)
    assert result["nps"]["score"] == pytest.approx(plain["nps"]["score"])
    assert result["nps"]["n_eff"] == pytest.approx(result["weights"]["n_eff"])
    assert "weight" not in result["items"]


def test_a_bad_weights_column_is_refused(mobi: pd.DataFrame, ecsi_model: dict) -> None:
    with pytest.raises(AnalysisError, match="weights"):
        run_analysis(mobi, model(ecsi_model, weights="wieght"))
    with pytest.raises(AnalysisError, match="non-negative"):
        run_analysis(mobi.assign(w=-1.0), model(ecsi_model, weights="w"))


def test_respondents_without_a_weight_are_left_out_with_a_warning(mobi: pd.DataFrame, ecsi_model: dict) -> None:
    weights = np.ones(len(mobi))
    weights[:3] = np.nan
    result = run_analysis(mobi.assign(w=weights), model(ecsi_model, weights="w", pls={"bootstrap": 0}))
    assert result["n_used"] == len(mobi) - 3 and result["weights"]["n_eff"] == pytest.approx(len(mobi) - 3)
    assert any("3 respondent(s) without a sampling weight ('w')" in line for line in result["warnings"])
