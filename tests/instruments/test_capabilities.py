"""Which analyses a questionnaire supports, read from its analysis model: shipped and hand-built instruments."""

from __future__ import annotations

from instruments.capabilities import capabilities
from instruments.registry import get_instrument
from instruments.schema import Instrument


def _supported(instrument: Instrument) -> dict[str, bool]:
    return {c.key: c.supported for c in capabilities(instrument)}


def test_shipped_instruments():
    assert _supported(get_instrument("customer_satisfaction")) == {
        "reliability": True, "factors": True, "pls": True, "drivers": True, "nps": True, "trap": True,
        "kano": False, "servqual": False, "recovery": True, "units": True}
    assert _supported(get_instrument("kano")) == {key: key == "kano" for key in _supported(get_instrument("kano"))}
    servqual = _supported(get_instrument("servqual"))
    assert servqual["servqual"] and servqual["reliability"] and not servqual["trap"]
    employee = {c.key: c for c in capabilities(get_instrument("employee_satisfaction"))}
    assert employee["nps"].supported and employee["nps"].name["en"].startswith("Employee Net Promoter")


def _instrument(*items: dict, constructs: tuple[str, ...] = ()) -> Instrument:
    return Instrument.model_validate({
        "id": "hand", "version": "1", "title": {"zh": "手工", "en": "Hand"},
        "constructs": {name: {"label": {"zh": name, "en": name}} for name in constructs},
        "pages": [{"id": "p1", "title": {"zh": "页", "en": "Page"}, "items": [
            {"text": {"zh": "题", "en": "Question"}, "scale": "likert5", **item} for item in items]}]})


def test_what_is_missing_is_said_in_both_languages():
    only_satisfaction = _instrument({"code": "SAT", "role": "satisfaction"})
    trap = {c.key: c for c in capabilities(only_satisfaction)}["trap"]
    assert not trap.supported
    assert trap.note["en"] == "add a loyalty question to get the satisfaction trap"
    assert trap.note["zh"] == "添加一道忠诚度题即可进行满意度陷阱分析"

    with_loyalty = _instrument({"code": "SAT", "role": "satisfaction"}, {"code": "LOY", "role": "loyalty"})
    assert _supported(with_loyalty)["trap"]


def test_constructs_drivers_and_units():
    two = _instrument({"code": "A1", "construct": "A"}, {"code": "A2", "construct": "A"}, constructs=("A",))
    found = _supported(two)
    assert found["reliability"] and not found["factors"] and not found["drivers"]
    three = _instrument(*({"code": f"A{i}", "construct": "A"} for i in range(3)), {"code": "SAT", "role":
                                                                                   "satisfaction"}, constructs=("A",))
    found = _supported(three)
    assert found["factors"] and found["drivers"] and not found["units"]
    note = {c.key: c for c in capabilities(two)}["drivers"].note["en"]
    assert "satisfaction" in note and "attribute" in note
