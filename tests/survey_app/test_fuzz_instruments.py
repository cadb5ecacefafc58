"""Hypothesis on instrument loading: random YAML, random bytes and mutated instruments give either a valid
instrument or an InstrumentError with a message - never another exception (which would be a 500 or a traceback
in ``flask add-instruments``)."""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from instruments.registry import InstrumentError, load_instrument, parse_instrument, validate_instrument
from instruments.schema import Instrument
from tests.conftest import FLOW_INSTRUMENT

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: JSON/YAML-like values: what a careless or hostile questionnaire author can write
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**6, max_value=10**6),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
                    st.sampled_from(["", "zh", "en", "likert5", "single", "text", "nps11", "satisfaction",
                                     "SAT", "p1", "-1", "0", "1e309"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8) | st.sampled_from(["zh", "en", "items", "code"]),
                                        inner, max_size=4), max_leaves=12)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            out += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            out += _paths(child, (*prefix, index))
    return out


PATHS = [p for p in _paths(FLOW_INSTRUMENT) if p]


def _mutate(document: dict, path: tuple, action: str, value: Any) -> dict:
    mutated = copy.deepcopy(document)
    parent = mutated
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if not isinstance(parent, dict | list):  # an earlier mutation replaced a container with a scalar
        raise TypeError(f"cannot mutate inside a {type(parent).__name__}")
    if action == "delete":
        del parent[last]
    elif action == "replace":
        parent[last] = value
    elif isinstance(parent, dict):  # add a sibling
        parent[f"extra_{len(parent)}"] = value
    else:
        parent.append(value)
    return mutated


def outcome(load, *args) -> Instrument | None:
    """The instrument, or None after an InstrumentError that says what is wrong; anything else fails."""
    try:
        instrument = load(*args)
    except InstrumentError as exc:
        message = str(exc)
        assert message and "Traceback" not in message
        return None
    assert isinstance(instrument, Instrument)
    # a valid instrument survives its own snapshot, as surveys store it
    assert Instrument.from_snapshot(instrument.snapshot()).snapshot() == instrument.snapshot()
    return instrument


def test_the_unmutated_instrument_is_valid():
    assert outcome(validate_instrument, copy.deepcopy(FLOW_INSTRUMENT)) is not None


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(PATHS), st.sampled_from(["delete", "replace", "add"]), values),
                min_size=1, max_size=3))
def test_mutated_instruments_are_valid_or_refused_with_an_instrument_error(mutations):
    document = copy.deepcopy(FLOW_INSTRUMENT)
    for path, action, value in mutations:
        try:
            document = _mutate(document, path, action, value)
        except (KeyError, IndexError, TypeError):  # an earlier mutation removed the path
            continue
    outcome(validate_instrument, document)
    # the same through YAML text, as a file would arrive
    outcome(parse_instrument, yaml.safe_dump(document, allow_unicode=True))


@FUZZ
@given(st.text(max_size=400))
def test_random_text_is_an_instrument_or_an_instrument_error(text):
    outcome(parse_instrument, text)


@FUZZ
@given(values)
def test_random_documents_are_refused_cleanly(document):
    assert outcome(validate_instrument, document) is None


HOSTILE_YAML = {
    "billion laughs": "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                      "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
    "python object tag": "!!python/object/apply:os.system ['echo hacked']\n",
    "deep nesting": "[" * 5000 + "]" * 5000,
    "self reference": "&a [*a]\n",
    "duplicate keys": "id: a\nid: b\nversion: '1'\n",
    "tab indentation": "id: x\n\tversion: 1\n",
    "merge key loop": "a: &a {<<: *a}\n",
}


def test_hostile_yaml_is_refused_without_running_anything(tmp_path):
    for name, text in HOSTILE_YAML.items():
        assert outcome(parse_instrument, text) is None, name
    assert not (tmp_path / "hacked").exists()


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_in_a_file_are_refused(data):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_bytes(data)
        outcome(load_instrument, path)
