"""Hypothesis on answer validation: any submitted value is stored as an allowed answer or refused with an
AnswerError whose key has a message - never another exception; and the API's check_submission the same."""

from __future__ import annotations

import math
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from instruments.registry import get_instrument, validate_instrument
from survey_app.services.answers import AnswerError, check_items, coerce_answer
from survey_app.services.submissions import _PROBLEMS, SubmissionInvalid, check_submission
from tests.conftest import FLOW_INSTRUMENT

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
INSTRUMENTS = [validate_instrument(FLOW_INSTRUMENT), get_instrument("employee_satisfaction"),
               get_instrument("customer_satisfaction")]
SCALES = [(instrument, instrument.scale_of(item)) for instrument in INSTRUMENTS for item in instrument.items]
KEYS = {*_PROBLEMS, "out_of_range"}

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-10**5000, max_value=10**5000),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.text(alphabet="0123456789 .,-+eE", max_size=12),
    st.sampled_from(["north", " north ", "NORTH", "web", "1", "10", "0", "-0", "1e309", "nan", "inf", "１０",
                     "٣", "<script>", "=1+1", "\u202e10", "1_0", "0x10", "x" * 5000]),
)
raw_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)


def _allowed(scale, value) -> bool:
    if scale.kind in ("single", "multiple"):
        options = [option.value for option in scale.options]
        return all(v in options for v in value) if scale.kind == "multiple" else value in options
    if scale.kind in ("likert", "rating", "nps"):
        return value in scale.points()
    if scale.kind == "numeric":
        return (isinstance(value, int | float) and math.isfinite(value)
                and (scale.min is None or value >= scale.min) and (scale.max is None or value <= scale.max))
    return isinstance(value, str) and len(value) <= scale.max_length


@FUZZ
@given(st.sampled_from(SCALES), raw_values)
def test_any_value_is_an_allowed_answer_or_an_answer_error(pair, raw):
    _, scale = pair
    try:
        value = coerce_answer(scale, raw)
    except AnswerError as exc:
        assert exc.key in KEYS
        # the API's sentence for it can be written (every parameter the message names is there)
        assert "ITEM" in str(SubmissionInvalid({"ITEM": exc.key}, details={"ITEM": exc.params}))
        return
    if value is not None:
        assert _allowed(scale, value), (scale.kind, raw, value)


@FUZZ
@given(st.sampled_from(INSTRUMENTS), st.data())
def test_a_page_of_random_answers_gives_values_and_errors_only(instrument, data):
    page = data.draw(st.sampled_from(instrument.pages))
    codes = [item.code for item in page.items]
    raw = data.draw(st.dictionaries(st.sampled_from(codes) | st.text(max_size=6), raw_values, max_size=8))
    values, errors = check_items(instrument, page.items, raw, {})
    assert set(values) <= set(codes) and set(errors) <= set(codes)
    assert not set(values) & set(errors)
    assert all(isinstance(error, AnswerError) and error.key in KEYS for error in errors.values())
    for code, value in values.items():
        assert _allowed(instrument.scale_of(code), value)


@FUZZ
@given(st.one_of(raw_values, st.fixed_dictionaries({}, optional={
    "answers": st.dictionaries(st.sampled_from([i.code for i in INSTRUMENTS[0].items]) | st.text(max_size=5),
                               raw_values, max_size=10) | raw_values,
    "language": raw_values, "channel": raw_values, "extra": raw_values})))
def test_api_bodies_are_a_submission_or_a_described_refusal(body):
    survey = SimpleNamespace(languages=["zh", "en"])
    try:
        submission = check_submission(survey, INSTRUMENTS[0], body)
    except SubmissionInvalid as exc:
        assert str(exc).endswith(".") and (exc.errors or exc.fields)
        return
    for code, value in submission.answers.items():
        assert _allowed(INSTRUMENTS[0].scale_of(code), value)
