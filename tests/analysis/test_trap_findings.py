"""The trap findings speak of the right people and name attributes as a manager knows them."""

from __future__ import annotations

import pytest

from analysis.engine import run_analysis
from analysis.model import ModelSpec
from analysis.trap_findings import findings
from instruments.registry import get_instrument
from instruments.synthetic import synthetic_responses


def _trap(instrument_id: str) -> dict:
    instrument = get_instrument(instrument_id)
    spec = instrument.model_spec()
    spec["pls"] = {"bootstrap": 0}
    spec["drivers"] = []
    spec["efa"] = False
    numeric = [i.code for i in instrument.items if instrument.scale_of(i).is_numeric()]
    stage = [spec["trap"]["stage"]] if "stage" in spec.get("trap", {}) else []
    frame = synthetic_responses(instrument, 3000, seed=3)[numeric + stage]
    return run_analysis(frame, ModelSpec.from_dict(spec))["trap"]


def test_employee_findings_speak_of_employees_with_item_wording():
    trap = _trap("employee_satisfaction")
    first = trap["findings"][0]
    assert "satisfied employees" in first["en"] and "customers" not in first["en"]
    assert "满意员工" in first["zh"] and "客户" not in first["zh"]
    texts = {i.text.en for i in get_instrument("employee_satisfaction").items}
    assert any(f"'{text}'" in first["en"] for text in texts)


def test_customer_findings_name_attributes_by_their_wording():
    trap = _trap("customer_satisfaction")
    wording = {i.code: i.text for i in get_instrument("customer_satisfaction").items_by_role("attribute")}
    joined_en = " ".join(f["en"] for f in trap["findings"])
    joined_zh = " ".join(f["zh"] for f in trap["findings"])
    assert "PERQ" not in joined_en and "PERQ" not in joined_zh
    assert any(text.en in joined_en for text in wording.values())
    assert any(text.zh in joined_zh for text in wording.values())
    assert trap["stages"] and trap["complaints"]["problem_rate"] > 0


def test_unknown_population_is_refused():
    with pytest.raises(ValueError, match="population"):
        findings(object(), population="robots")
