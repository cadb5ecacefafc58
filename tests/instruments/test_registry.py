"""Loading, validating and combining instruments; errors name the broken file, the key and the problem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from instruments.registry import (
    INSTRUMENT_DIR,
    InstrumentError,
    combine,
    get_instrument,
    load_instrument,
    load_instruments,
    parse_instrument,
    validate_instrument,
)
from instruments.schema import Instrument, Text
from instruments.synthetic import synthetic_responses
from tests.instruments.conftest import SMALL

SHIPPED = ("customer_satisfaction", "employee_satisfaction", "kano", "servqual", "recovery_followup")


# -- the shipped instruments -------------------------------------------------------------------------------
def test_every_shipped_instrument_loads_and_validates():
    found = load_instruments()
    assert set(found) == set(SHIPPED)
    for key, instrument in found.items():
        assert isinstance(instrument, Instrument)
        assert instrument.id == key
        assert (INSTRUMENT_DIR / f"{key}.yaml").exists()
        for item in instrument.items:
            assert item.text.zh.strip() and item.text.en.strip()
            instrument.scale_of(item)  # every scale resolves


def test_get_instrument_returns_independent_copies():
    first = get_instrument("customer_satisfaction")
    first.pages[0].items[0].text.en = "changed"
    assert get_instrument("customer_satisfaction").pages[0].items[0].text.en != "changed"
    with pytest.raises(KeyError, match="no_such_instrument"):
        get_instrument("no_such_instrument")


def test_load_instruments_rejects_two_files_with_one_id(tmp_path, small, write_yaml):
    write_yaml(small, "a")
    write_yaml(small, "b")
    expected = r"^b\.yaml: id: instrument id 'small' is also used by a\.yaml$"
    with pytest.raises(InstrumentError, match=expected):
        load_instruments(tmp_path)


def test_load_small_instrument_from_file(small, write_yaml):
    instrument = load_instrument(write_yaml(small, "small"))
    assert [i.code for i in instrument.items][:3] == ["UNIT", "Q1", "Q2"]
    assert instrument.item("PROBLEM_TEXT").show_if.in_ == [1]


# -- broken instruments --------------------------------------------------------------------------------------
def _set(path: tuple, value: Any) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _delete(path: tuple) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _item(page: int, index: int, **changes: Any) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        doc["pages"][page]["items"][index].update(changes)

    return mutate


BROKEN = [
    # (case id, mutation, expected "key path: problem" after "broken.yaml: ")
    ("unknown top-level key", _set(("bogus",), 1), "bogus: unknown key 'bogus' (allowed: id, version"),
    ("unknown item key", _item(0, 1, colour="red"), "pages[0].items[1].colour: unknown key 'colour'"),
    ("unknown option key", _set(("scales", "branch", "options", 0, "weight"), 2),
     "scales.branch.options[0].weight: unknown key 'weight' (allowed: value, label)"),
    ("duplicate item code", _item(1, 0, code="Q1"),
     "pages[1].items[0].code: duplicate item code 'Q1' (also pages[0].items[1])"),
    ("missing en text", _delete(("pages", 0, "items", 1, "text", "en")),
     "pages[0].items[1].text.en: required key 'en' missing"),
    ("empty zh text", _set(("pages", 1, "title", "zh"), "  "), "pages[1].title.zh: is empty"),
    ("text without languages", _set(("title",), "Small"), "title: needs both languages"),
    ("unknown scale", _item(0, 2, scale="likert9"),
     "pages[0].items[2].scale: unknown scale 'likert9' (known: branch, channels, kano5, likert5"),
    ("unknown construct", _item(0, 2, construct="Qualty"),
     "pages[0].items[2].construct: unknown construct 'Qualty' (declared: Quality, Satisfaction)"),
    ("unknown role", _item(0, 2, role="driver"), "pages[0].items[2].role: input should be 'attribute'"),
    ("bad item code", _item(0, 2, code="2nd"),
     "pages[0].items[2].code: item code '2nd' must start with a letter"),
    ("show_if unknown item", _item(0, 5, show_if={"item": "NOPE", "in": [1]}),
     "pages[0].items[5].show_if.item: refers to an unknown item 'NOPE'"),
    ("show_if later item", _item(0, 5, show_if={"item": "SAT", "in": [10]}),
     "pages[0].items[5].show_if.item: must refer to an earlier item 'SAT'"),
    ("show_if on itself", _item(0, 5, show_if={"item": "PROBLEM_TEXT", "in": ["x"]}),
     "pages[0].items[5].show_if.item: item 'PROBLEM_TEXT' cannot depend on itself"),
    ("show_if value outside scale", _item(0, 5, show_if={"item": "PROBLEM", "in": [2]}),
     "pages[0].items[5].show_if.in: value 2 is not an answer of 'PROBLEM' (allowed: 1, 0)"),
    ("show_if value outside option list", _item(1, 4, show_if={"item": "UNIT", "in": ["east"]}),
     "pages[1].items[4].show_if.in: value 'east' is not an answer of 'UNIT' (allowed: north, south)"),
    ("show_if on free text", _item(1, 0, show_if={"item": "PROBLEM_TEXT", "in": ["x"]}),
     "pages[1].items[0].show_if.item: cannot depend on the free-text item 'PROBLEM_TEXT'"),
    ("show_if with yes/no words", _item(0, 5, show_if={"item": "PROBLEM", "in": [True]}),
     "pages[0].items[5].show_if.in[0]: must be a whole number or a text, not true/false"),
    ("path to unknown construct", _set(("paths", "Satisfaction"), ["Quality", "Value"]),
     "paths.Satisfaction[1]: unknown construct 'Value' (declared: Quality, Satisfaction)"),
    ("path from unknown construct", _set(("paths", "Loyalty"), ["Satisfaction"]),
     "paths.Loyalty: unknown construct 'Loyalty'"),
    ("path cycle", _set(("paths", "Quality"), ["Satisfaction"]),
     "paths.Satisfaction: the path model has a cycle: Quality -> Satisfaction -> Quality"),
    ("likert min >= max", _set(("scales", "agree"), {"kind": "likert", "min": 5, "max": 1}),
     "scales.agree.min: min (5) must be below max (1)"),
    ("rating min == max", _set(("scales", "score"), {"kind": "rating", "min": 10, "max": 10}),
     "scales.score.min: min (10) must be below max (10)"),
    ("nps not 0-10", _set(("scales", "nps"), {"kind": "nps", "min": 1, "max": 10}),
     "scales.nps.min: an nps scale runs from 0 to 10, not 1 to 10"),
    ("likert without max", _set(("scales", "agree"), {"kind": "likert", "min": 1}),
     "scales.agree.max: a likert scale needs both min and max"),
    ("anchor outside scale", _set(("scales", "agree"), {"kind": "likert", "min": 1, "max": 5,
                                                        "anchors": {7: {"zh": "七", "en": "Seven"}}}),
     "scales.agree.anchors[7]: anchor 7 is outside the scale (1 to 5)"),
    ("single choice without options", _set(("scales", "branch", "options"), []),
     "scales.branch.options: a single-choice scale needs a non-empty list of options"),
    ("multiple choice without options", _delete(("scales", "channels", "options")),
     "scales.channels.options: a multiple-choice scale needs a non-empty list of options"),
    ("duplicate option values", _set(("scales", "branch", "options", 1, "value"), "north"),
     "scales.branch.options[1].value: duplicate option value 'north' (also options[0])"),
    ("option values equal as text", _set(("scales", "ab"), {"kind": "single", "options": [
        {"value": 1, "label": {"zh": "一", "en": "One"}},
        {"value": "1", "label": {"zh": "一", "en": "One"}}]}),
     "scales.ab.options[1].value: duplicate option value '1'"),
    ("unknown scale kind", _set(("scales", "branch", "kind"), "dropdown"),
     "scales.branch.kind: input should be 'likert'"),
    ("duplicate page id", _set(("pages", 1, "id"), "p1"),
     "pages[1].id: duplicate page id 'p1' (also pages[0])"),
    ("page without items", _set(("pages", 1, "items"), []), "pages[1].items: must not be empty"),
    ("no pages", _set(("pages",), []), "pages: must not be empty"),
    ("missing id", _delete(("id",)), "id: required key 'id' missing"),
    ("unknown language", _set(("languages",), ["zh", "fr"]), "languages[1]: input should be 'zh' or 'en'"),
    ("kano item without partner", _item(1, 8, role="other"),
     "pages[1].items[7].attribute: attribute 'speed' has 0 kano_dysfunctional items (none); "
     "it needs exactly one"),
    ("kano item without attribute", _item(1, 7, attribute=None),
     "pages[1].items[7].attribute: a kano_functional item needs an attribute name to pair it"),
    ("items not a list", _set(("pages", 0, "items"), "Q1"), "pages[0].items: must be a list, not 'Q1'"),
]


@pytest.mark.parametrize(("mutate", "expected"), [case[1:] for case in BROKEN],
                         ids=[case[0] for case in BROKEN])
def test_broken_instrument_names_file_key_and_problem(small, write_yaml, mutate, expected):
    mutate(small)
    with pytest.raises(InstrumentError) as caught:
        load_instrument(write_yaml(small))
    message = str(caught.value)
    assert message.startswith("broken.yaml: " + expected), message


def test_yaml_syntax_error_gives_line_and_column(write_yaml):
    text = "id: small\nversion: '1'\ntitle: {zh: 小, en: Small\npages: []\n"
    with pytest.raises(InstrumentError, match=r"^broken\.yaml: line 4, column 6: invalid YAML: "):
        load_instrument(write_yaml(text))


def test_yaml_key_given_twice_is_an_error_with_its_line(write_yaml):
    text = "id: small\nversion: '1'\nid: other\n"
    expected = r"^broken\.yaml: line 3, column 1: invalid YAML: key 'id' appears twice"
    with pytest.raises(InstrumentError, match=expected):
        load_instrument(write_yaml(text))


@pytest.mark.parametrize(("text", "kind"), [("", "empty"), ("- 1\n- 2\n", "a list"), ("just", "a str")])
def test_top_level_must_be_a_mapping(write_yaml, text, kind):
    expected = rf"^broken\.yaml: \(top level\): must be a mapping .*not {kind}$"
    with pytest.raises(InstrumentError, match=expected):
        load_instrument(write_yaml(text))


def test_unreadable_files_are_instrument_errors(tmp_path):
    with pytest.raises(InstrumentError, match=r"^missing\.yaml: file not found"):
        load_instrument(tmp_path / "missing.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("title: caf\xe9".encode("latin-1"))
    with pytest.raises(InstrumentError, match=r"^latin\.yaml: not UTF-8 text"):
        load_instrument(latin)


def test_first_problem_is_reported_with_a_count_of_the_rest(small):
    del small["id"]
    del small["version"]
    with pytest.raises(InstrumentError, match=r"^x: id: required key 'id' missing \(and 1 more problem\)$"):
        validate_instrument(small, source="x")


# -- combine -----------------------------------------------------------------------------------------------
def test_combine_concatenates_pages_and_merges_definitions():
    customer, kano, servqual = (get_instrument(k) for k in ("customer_satisfaction", "kano", "servqual"))
    both = combine([customer, kano, servqual], id="customer+kano+servqual")
    assert both.id == "customer+kano+servqual"
    assert [i.code for i in both.items] == [i.code for p in (customer, kano, servqual) for i in p.items]
    assert [p.id for p in both.pages] == [p.id for p in (*customer.pages, *kano.pages, *servqual.pages)]
    assert set(both.constructs) == set(customer.constructs) | set(servqual.constructs)
    assert both.paths == customer.paths
    assert both.version == "customer_satisfaction@1+kano@1+servqual@1"
    assert both.title.en == ("Customer satisfaction survey + Service features (Kano) + "
                             "Service quality (SERVQUAL)")
    assert both.scale_of("KF_SPEED").kind == "single" and both.scale_of("PERQ1").max == 10
    spec = both.model_spec()
    assert len(spec["kano"]) == 6 and len(spec["servqual"]) == 15 and "Satisfaction" in spec["paths"]
    custom = combine([customer, kano], id="c+k", title=Text(zh="客户调查", en="Customer survey"))
    assert custom.title.zh == "客户调查"


def test_combine_rejects_duplicate_codes_naming_them():
    customer, employee = get_instrument("customer_satisfaction"), get_instrument("employee_satisfaction")
    with pytest.raises(InstrumentError) as caught:
        combine([customer, employee], id="everything")
    message = str(caught.value)
    assert message.startswith("everything: pages: duplicate item codes: ")
    assert "'UNIT' (customer_satisfaction and employee_satisfaction)" in message
    assert "'COMMENT' (customer_satisfaction and employee_satisfaction)" in message


def test_combine_rejects_conflicting_scales_and_prefixes_clashing_page_ids(small):
    first = validate_instrument(small, source="small")
    other = {
        "id": "other", "version": "2", "title": {"zh": "另一个", "en": "Other"},
        "scales": {"branch": {"kind": "single",
                              "options": [{"value": "x", "label": {"zh": "甲", "en": "X"}}]}},
        "pages": [{"id": "p1", "title": {"zh": "页", "en": "Page"}, "items": [
            {"code": "B", "text": {"zh": "网点", "en": "Branch"}, "scale": "branch"}]}],
    }
    with pytest.raises(InstrumentError, match=r"^both: scales\.branch: defined differently in other"):
        combine([first, validate_instrument(other, source="other")], id="both")
    other["scales"] = {}
    other["pages"][0]["items"][0]["scale"] = "likert5"
    merged = combine([first, validate_instrument(other, source="other")], id="both")
    assert [p.id for p in merged.pages] == ["p1", "p2", "other.p1"]
    with pytest.raises(InstrumentError, match="at least one"):
        combine([], id="none")


# -- robustness: junk never escapes as anything but InstrumentError -----------------------------------------
_KEYS = ["id", "version", "title", "zh", "en", "pages", "items", "code", "text", "scale", "scales", "kind",
         "min", "max", "options", "value", "label", "anchors", "show_if", "item", "in", "paths", "constructs",
         "role", "construct", "attribute", "required", "reverse", "languages", "help", "description",
         "max_length"]
_WORDS = ["likert", "rating", "nps", "single", "multiple", "numeric", "text", "likert5", "rating10", "yesno",
          "Q1", "SAT", "Quality", "Satisfaction", "attribute", "satisfaction", "zh", "en", "", "1"]
_SCALARS = (st.none() | st.booleans() | st.integers(-3, 12) | st.floats(allow_nan=True)
            | st.sampled_from(_WORDS) | st.text(max_size=6))
_JUNK = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(_KEYS) | st.integers(0, 3) | st.text(max_size=4), inner, max_size=5),
    max_leaves=30,
)


def _replace_somewhere(doc: Any, path: list[int], junk: Any) -> Any:
    """Replace the node reached by following ``path`` (indexes into keys / list positions) with ``junk``."""
    if not path or not isinstance(doc, dict | list) or not doc:
        return junk
    keys = list(doc) if isinstance(doc, dict) else list(range(len(doc)))
    key = keys[path[0] % len(keys)]
    doc[key] = _replace_somewhere(doc[key], path[1:], junk)
    return doc


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(junk=st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=5), _JUNK, max_size=8))
def test_junk_mappings_only_raise_instrument_errors(junk):
    try:
        parse_instrument(yaml.safe_dump(junk, allow_unicode=True), source="junk.yaml")
    except InstrumentError as exc:
        assert str(exc).startswith("junk.yaml: ")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.lists(st.integers(0, 20), min_size=1, max_size=6), junk=_JUNK)
def test_junk_inside_a_valid_instrument_only_raises_instrument_errors(path, junk):
    import copy

    doc = _replace_somewhere(copy.deepcopy(SMALL), path, junk)
    try:
        instrument = validate_instrument(doc, source="mutated.yaml")
    except InstrumentError as exc:
        assert str(exc).startswith("mutated.yaml: ")
    else:
        # Whatever validates must be usable: its snapshot round-trips, its model spec builds and it can be
        # filled with synthetic answers.
        assert Instrument.from_snapshot(instrument.snapshot()).snapshot() == instrument.snapshot()
        assert isinstance(instrument.model_spec()["constructs"], dict)
        assert synthetic_responses(instrument, 40, seed=0).shape == (40, len(instrument.items))


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=80))
def test_junk_text_only_raises_instrument_errors(text):
    try:
        parse_instrument(text, source="text.yaml")
    except InstrumentError as exc:
        assert str(exc).startswith("text.yaml: ")


def test_loading_uses_the_file_name_in_messages(tmp_path: Path):
    path = tmp_path / "customer_satisfaction.yaml"
    document = yaml.safe_load((INSTRUMENT_DIR / "customer_satisfaction.yaml").read_text(encoding="utf-8"))
    document["pages"][2]["items"][3]["scale"] = "likert9"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InstrumentError) as caught:
        load_instrument(path)
    assert str(caught.value).startswith("customer_satisfaction.yaml: pages[2].items[3].scale: "
                                        "unknown scale 'likert9' (known: agree10, branch, ")


def test_readme_example_is_a_valid_instrument():
    readme = (INSTRUMENT_DIR / "README.md").read_text(encoding="utf-8")
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    instrument = parse_instrument(example, source="README.md")
    assert [item.code for item in instrument.items] == ["SAT1", "WHY"]
    assert instrument.scale_of("SAT1").points() == list(range(1, 11))
