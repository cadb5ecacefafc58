"""MODEL.yaml parsing: defaults, the documented example, and every kind of broken document."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.errors import AnalysisError
from analysis.model import ALLOWED_KEYS, ModelSpec, Scale, find_cycle, load_model

#: The MODEL.yaml example of the issue, verbatim.
ISSUE_EXAMPLE = """\
constructs:                      # name: [item columns]; one item is allowed
  Image: [IMAG1, IMAG2, IMAG3, IMAG4, IMAG5]
  Satisfaction: [CUSA1, CUSA2, CUSA3]
  Loyalty: [CUSL1, CUSL2, CUSL3]
reverse: [ITEM_X]                # reverse-keyed items
scale: {min: 1, max: 10}         # global, or per construct under `scales:`; used for 0-100 indices
missing: {codes: [-99], method: listwise}   # listwise | pairwise | mean
paths:                           # structural model, target: [sources]
  Satisfaction: [Image]
  Loyalty: [Image, Satisfaction]
pls: {scheme: path, scaled: true, bootstrap: 500, seed: 1}   # path | centroid | factorial
drivers:                         # key-driver analyses; predictors are constructs or raw columns
  - outcome: Satisfaction
    predictors: [Image]
outcomes: {satisfaction: Satisfaction, loyalty: Loyalty, recommend: NPS_ITEM}
attributes: [PERQ1, PERQ2]       # attribute items for the trap diagnostics (separate issue)
"""


def test_issue_example_parses(write_model) -> None:
    spec = load_model(write_model(ISSUE_EXAMPLE))
    assert spec.constructs["Image"] == ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"]
    assert spec.reverse == ["ITEM_X"]
    assert spec.scale == Scale(1.0, 10.0)
    assert spec.missing.codes == [-99] and spec.missing.method == "listwise"
    assert spec.paths == {"Satisfaction": ["Image"], "Loyalty": ["Image", "Satisfaction"]}
    assert (spec.pls.scheme, spec.pls.scaled, spec.pls.bootstrap, spec.pls.seed) == ("path", True, 500, 1)
    assert [(d.outcome, d.predictors) for d in spec.drivers] == [("Satisfaction", ["Image"])]
    assert not spec.drivers_from_paths
    assert spec.recommend == "NPS_ITEM"
    assert spec.attributes == ["PERQ1", "PERQ2"]
    assert spec.items[:6] == ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5", "CUSA1"]
    assert spec.source == "model.yaml"


def test_empty_model_means_all_defaults(write_model) -> None:
    spec = load_model(write_model(""))
    assert spec.constructs == {} and spec.paths == {} and spec.drivers == []
    assert spec.scale is None and spec.missing.method == "listwise"
    assert spec.efa.all_items and spec.efa.constructs is False and spec.efa.rotation == "oblimin"


def test_drivers_default_from_paths() -> None:
    spec = ModelSpec.from_dict({
        "constructs": {"A": ["a1", "a2"], "B": ["b1"], "C": ["c1", "c2"]},
        "paths": {"B": ["A"], "C": ["A", "B"]},
    })
    assert spec.drivers_from_paths
    assert [(d.outcome, d.predictors) for d in spec.drivers] == [("B", ["A"]), ("C", ["A", "B"])]
    # An explicit empty list switches the default off.
    spec = ModelSpec.from_dict({"constructs": {"A": ["a1"], "B": ["b1"]}, "paths": {"B": ["A"]},
                                "drivers": []})
    assert spec.drivers == [] and not spec.drivers_from_paths


def test_instrument_model_spec_keys_are_kept() -> None:
    # Instrument.model_spec() adds per-construct scales and the Kano / SERVQUAL item lists.
    spec = ModelSpec.from_dict({
        "constructs": {"Quality": ["Q1", "Q2"], "Recommend": ["NPS"]},
        "scales": {"Quality": {"min": 1, "max": 7}, "Recommend": {"min": 0, "max": 10}},
        "kano": [{"attribute": "wifi", "functional": "K1F", "dysfunctional": "K1D"}],
        "servqual": [{"dimension": "tangibles", "expectation": "E1", "perception": "P1"}],
    })
    assert spec.scale_of("Quality") == Scale(1, 7) and spec.scale_of("Recommend") == Scale(0, 10)
    assert spec.kano[0]["functional"] == "K1F"
    assert spec.servqual[0]["dimension"] == "tangibles"
    assert spec.to_dict()["kano"] == spec.kano


def test_instrument_model_spec_parses() -> None:
    # The real output of instruments' Instrument.model_spec() for the respondent-flow test instrument.
    from instruments.registry import validate_instrument
    from tests.conftest import FLOW_INSTRUMENT

    document = validate_instrument(FLOW_INSTRUMENT).model_spec()
    spec = ModelSpec.from_dict(document, source="flow_test")
    assert spec.constructs == document["constructs"]
    assert spec.recommend == document["outcomes"]["recommend"]
    assert {name: (s.min, s.max) for name, s in spec.scales.items()} == {
        name: (scale["min"], scale["max"]) for name, scale in document["scales"].items()
    }


def test_short_forms() -> None:
    spec = ModelSpec.from_dict({
        "constructs": {"Single": "ONLY_ITEM", "Numbers": [101, 102]},
        "scale": [0, 10],
        "missing": "pairwise",
        "drivers": {"outcome": "Single", "predictors": "Numbers"},
        "efa": False,
    })
    assert spec.constructs == {"Single": ["ONLY_ITEM"], "Numbers": ["101", "102"]}
    assert spec.scale == Scale(0, 10) and spec.missing.method == "pairwise"
    assert spec.drivers[0].predictors == ["Numbers"]
    assert not spec.efa.all_items and spec.efa.constructs is False


def test_to_dict_round_trips() -> None:
    spec = ModelSpec.from_dict({
        "constructs": {"A": ["a1", "a2", "a3"], "B": ["b1"]},
        "paths": {"B": ["A"]},
        "scale": {"min": 1, "max": 5},
        "missing": {"codes": [-99, "NA"], "method": "mean"},
        "efa": {"constructs": ["A"], "rotation": "varimax", "n_factors": 1},
    })
    again = ModelSpec.from_dict(spec.to_dict())
    assert again.to_dict() == spec.to_dict()


@pytest.mark.parametrize(
    ("document", "fragments"),
    [
        ({"construct": {"A": ["a"]}}, ["unknown key(s) 'construct'", "allowed keys: constructs"]),
        ({"constructs": ["a", "b"]}, ["'constructs' must be a mapping", "a list"]),
        ({"constructs": {"A": None}}, ["construct 'A' lists no items"]),
        ({"constructs": {"A": []}}, ["'constructs.A' is empty"]),
        ({"constructs": {"A": ["a", "a"]}}, ["'constructs.A' lists 'a' more than once"]),
        ({"constructs": {"A": [["a"]]}}, ["'constructs.A[0]' must be a column or construct name"]),
        ({"scale": {"min": 5, "max": 1}}, ["'scale' must have min < max"]),
        ({"scale": {"min": 1}}, ["'scale' needs both 'min' and 'max'"]),
        ({"scale": {"min": "one", "max": 5}}, ["'scale.min' must be a number", "'one'"]),
        ({"scales": {"A": {"low": 1, "max": 5}}}, ["'scales.A' has unknown key(s) 'low'"]),
        ({"missing": {"method": "drop"}}, ["'missing.method' must be one of listwise, pairwise, mean"]),
        ({"missing": {"codes": [[1]]}}, ["'missing.codes[0]' must be a number or a text"]),
        ({"paths": {"B": ["A"]}}, ["'paths' needs 'constructs'"]),
        ({"constructs": {"A": ["a"]}, "paths": {"B": ["A"]}}, ["'paths.B' refers to 'B'", "not a construct"]),
        ({"pls": {"scheme": "magic"}}, ["'pls.scheme' must be one of path, centroid, factorial"]),
        ({"pls": {"bootstrap": -1}}, ["'pls.bootstrap' must be at least 0"]),
        ({"pls": {"bootstrap": 2.5}}, ["'pls.bootstrap' must be a whole number"]),
        ({"pls": {"scaled": "yes"}}, ["'pls.scaled' must be true or false"]),
        ({"pls": {"boot": 10}}, ["'pls' has unknown key(s) 'boot'", "allowed: scheme"]),
        ({"drivers": [{"outcome": "Y"}]}, ["'drivers[0]' needs both 'outcome' and 'predictors'"]),
        ({"drivers": [{"outcome": "Y", "predictors": ["Y", "X"]}]}, ["outcome 'Y' is also listed"]),
        ({"drivers": "Y ~ X"}, ["'drivers' must be a list of analyses"]),
        ({"outcomes": {"recommend": ["a", "b"]}}, ["'outcomes.recommend' must be a column or construct"]),
        ({"efa": {"constructs": ["Nope"]}}, ["'efa.constructs' names 'Nope', which is not a construct"]),
        ({"efa": {"rotation": "spin"}}, ["'efa.rotation' must be one of oblimin"]),
        ({"kano": "K1"}, ["'kano' must be a list"]),
    ],
)
def test_broken_documents_name_the_key(document: dict, fragments: list[str]) -> None:
    with pytest.raises(AnalysisError) as info:
        ModelSpec.from_dict(document, source="MODEL.yaml")
    message = str(info.value)
    assert message.startswith("MODEL.yaml: ")
    for fragment in fragments:
        assert fragment in message


def test_cycle_is_named() -> None:
    document = {
        "constructs": {"A": ["a"], "B": ["b"], "C": ["c"], "D": ["d"]},
        "paths": {"B": ["A"], "C": ["B"], "A": ["C"], "D": ["A"]},
    }
    with pytest.raises(AnalysisError, match=r"cycle: (A -> B -> C -> A|B -> C -> A -> B|C -> A -> B -> C)"):
        ModelSpec.from_dict(document)
    with pytest.raises(AnalysisError, match="cycle: A -> A"):
        ModelSpec.from_dict({"constructs": {"A": ["a"]}, "paths": {"A": ["A"]}})


def test_find_cycle_on_acyclic_and_cyclic_graphs() -> None:
    assert find_cycle({"B": ["A"], "C": ["A", "B"]}) is None
    cycle = find_cycle({"B": ["A"], "C": ["B"], "A": ["C"]})
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == {"A", "B", "C"}


def test_not_a_mapping_and_bad_yaml(write_model, tmp_path: Path) -> None:
    with pytest.raises(AnalysisError, match="the model must be a mapping"):
        load_model(write_model("- constructs\n- paths\n"))
    with pytest.raises(AnalysisError, match=r"not valid YAML at line \d+, column \d+"):
        load_model(write_model("constructs:\n  A: [a, b\n"))
    with pytest.raises(AnalysisError, match="does not exist"):
        load_model(tmp_path / "missing.yaml")
    bad = tmp_path / "gbk.yaml"
    bad.write_bytes("constructs: {满意: [a]}".encode("gbk"))
    with pytest.raises(AnalysisError, match="not UTF-8"):
        load_model(bad)


def test_chinese_names(write_model) -> None:
    text = "constructs:\n  满意度: [满意1, 满意2]\n  忠诚度: [忠诚1]\npaths:\n  忠诚度: [满意度]\n"
    spec = load_model(write_model(text))
    assert spec.paths == {"忠诚度": ["满意度"]}
    assert spec.drivers[0].outcome == "忠诚度"


def test_every_allowed_key_is_accepted() -> None:
    document = {
        "constructs": {"A": ["a1", "a2", "a3"], "B": ["b1"]}, "reverse": ["a1"],
        "scale": {"min": 1, "max": 5},
        "scales": {"B": {"min": 0, "max": 10}}, "missing": {"codes": [9], "method": "pairwise"},
        "paths": {"B": ["A"]}, "pls": {"scheme": "centroid", "bootstrap": 0}, "drivers": [],
        "outcomes": {"loyalty": "B"}, "attributes": ["a2"], "efa": {"constructs": True},
        "kano": [], "servqual": [], "trap": {"stage": "b1"}, "weights": "w",
        "text": {"columns": ["comment"], "language": "zh", "themes": 4, "max_themes": 6, "quotes": 2,
                 "terms": ["食堂"], "seed": 3},
    }
    assert set(document) == set(ALLOWED_KEYS)
    spec = ModelSpec.from_dict(document)
    assert spec.pls.scheme == "centroid" and spec.efa.constructs is True and spec.reverse == ["a1"]
    assert spec.text.themes == 4 and spec.text.terms == ["食堂"] and spec.to_dict()["text"]["seed"] == 3


names = st.text(alphabet="ABCxyz_1", min_size=1, max_size=4)
values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=True) | names,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(names, children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from([*ALLOWED_KEYS, "bogus"]), values, max_size=5))
def test_random_documents_parse_or_raise_analysis_error(document: dict) -> None:
    try:
        spec = ModelSpec.from_dict(document)
    except AnalysisError as error:
        assert str(error)
    else:
        assert isinstance(spec.to_dict(), dict)


def test_trap_block_names_the_columns_of_the_trap_diagnosis():
    spec = ModelSpec.from_dict({"trap": {"stage": "STAGE", "bonds": ["B1", "B2"], "problem": "P", "complained": "C",
                                         "justice": {"outcome": "J1", "procedure": "J2", "interaction": "J3"},
                                         "kano_items": {"speed": "PERQ4"}, "top_boxes": 3}})
    assert spec.trap == {"stage": "STAGE", "bonds": ["B1", "B2"], "problem": "P", "complained": "C",
                         "justice": {"outcome": "J1", "procedure": "J2", "interaction": "J3"},
                         "kano_items": {"speed": "PERQ4"}, "top_boxes": 3}
    assert ModelSpec.from_dict(spec.to_dict()).trap == spec.trap
    with pytest.raises(AnalysisError, match="'trap' has unknown key"):
        ModelSpec.from_dict({"trap": {"stages": "STAGE"}})
    with pytest.raises(AnalysisError, match="trap.justice"):
        ModelSpec.from_dict({"trap": {"justice": {"fairness": "J"}}})
