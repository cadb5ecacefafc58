"""The condition language, piping and the way through an instrument: evaluation, validation with key paths."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from instruments import piping
from instruments.base import SchemaProblem
from instruments.flow import walk
from instruments.logic import Condition, evaluate, referenced_items
from instruments.registry import InstrumentError, combine, validate_instrument
from tests.instruments.conftest import LOGIC


def _c(data: dict[str, Any]) -> Condition:
    return Condition.model_validate(data)


# -- evaluating ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("condition", "answers", "expected"), [
    ({"item": "A", "in": [1, 2]}, {"A": 2}, True),
    ({"item": "A", "in": [1, 2]}, {"A": 3}, False),
    ({"item": "A", "in": ["north"]}, {"A": "north"}, True),
    ({"item": "A", "in": [1]}, {}, False),
    ({"item": "M", "in": ["web"]}, {"M": ["app", "web"]}, True),  # multiple choice: any chosen (as before)
    ({"item": "M", "contains": "web"}, {"M": ["app", "web"]}, True),
    ({"item": "M", "contains": ["web", "shop"]}, {"M": ["app", "web"]}, False),
    ({"item": "M", "contains_any": ["web", "shop"]}, {"M": ["app", "web"]}, True),
    ({"item": "M", "contains_any": ["shop"]}, {"M": []}, False),
    ({"item": "N", "eq": 3}, {"N": 3}, True),
    ({"item": "N", "ne": 3}, {"N": 4}, True),
    ({"item": "N", "ne": 3}, {}, False),  # not answered: every comparison is false
    ({"item": "N", "lt": 3}, {"N": 2.5}, True),
    ({"item": "N", "le": 3}, {"N": 3}, True),
    ({"item": "N", "gt": 3}, {"N": 3}, False),
    ({"item": "N", "ge": 3}, {"N": 3}, True),
    ({"item": "N", "between": [1, 6]}, {"N": 6}, True),
    ({"item": "N", "between": [1, 6]}, {"N": 7}, False),
    ({"item": "N", "ge": 3}, {"N": "5"}, True),  # a posted text compares as its number
    ({"item": "T", "answered": True}, {"T": "hello"}, True),
    ({"item": "T", "answered": True}, {"T": ""}, False),
    ({"item": "T", "answered": False}, {}, True),
    ({"all": [{"item": "A", "in": [1]}, {"item": "N", "gt": 2}]}, {"A": 1, "N": 3}, True),
    ({"all": [{"item": "A", "in": [1]}, {"item": "N", "gt": 2}]}, {"A": 1, "N": 2}, False),
    ({"any": [{"item": "A", "in": [1]}, {"item": "N", "gt": 2}]}, {"A": 0, "N": 3}, True),
    ({"not": {"item": "A", "in": [1]}}, {"A": 0}, True),
    ({"not": {"any": [{"item": "A", "in": [1]}, {"all": [{"item": "N", "lt": 0}]}]}}, {"A": 0, "N": 5}, True),
])
def test_conditions_evaluate_on_stored_answers(condition, answers, expected):
    assert evaluate(_c(condition), answers) is expected


def test_a_condition_dumps_only_the_keys_written():
    legacy = _c({"item": "A", "in": [1]})
    assert legacy.model_dump(by_alias=True) == {"item": "A", "in": [1]}
    nested = _c({"not": {"all": [{"item": "A", "in": [1]}, {"item": "N", "between": [1, 2]}]}})
    assert nested.model_dump(by_alias=True) == {
        "not": {"all": [{"item": "A", "in": [1]}, {"item": "N", "between": [1, 2]}]}}
    assert referenced_items(nested) == ["A", "N"]


@pytest.mark.parametrize(("condition", "path", "problem"), [
    ({"item": "A"}, ("item",), "needs one test"),
    ({"item": "A", "in": [1], "ge": 2}, ("ge",), "one test per condition"),
    ({"in": [1]}, ("item",), "a condition needs an item"),
    ({"all": [{"item": "A", "in": [1]}], "item": "A"}, ("item",), "stands alone"),
    ({"item": "N", "between": [6, 1]}, ("between",), "the lower end (6) comes first"),
])
def test_a_malformed_condition_names_its_key(condition, path, problem):
    with pytest.raises(ValueError) as raised:
        _c(condition)
    error = raised.value.errors()[0]["ctx"]["error"]  # type: ignore[attr-defined]
    assert isinstance(error, SchemaProblem)
    assert error.path == path and problem in error.problem


# -- the logic instrument and its invalid forms -------------------------------------------------------------
def test_the_logic_instrument_validates_and_survives_its_snapshot():
    instrument = validate_instrument(LOGIC, source="logic")
    again = type(instrument).from_snapshot(instrument.snapshot())
    assert again.snapshot() == instrument.snapshot() and again.pages == instrument.pages
    page = instrument.pages[1]
    assert page.randomize and page.skip_to[0].to == "overall" and page.skip_to[0].if_.lt == 2
    assert instrument.welcome.minutes == 4 and instrument.end.redirect is None  # type: ignore[union-attr]
    assert [i.matrix for i in instrument.pages[2].items] == ["M", "M", "M", None]
    assert instrument.snapshot()["pages"][0]["skip_to"] == [{"if": {"item": "USED", "in": [0]}, "to": "end"}]


def _at(path: tuple[Any, ...], value: Any) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return mutate


def _show(page: int, index: int, condition: Any) -> Callable[[dict], None]:
    return _at(("pages", page, "items", index, "show_if"), condition)


def _both(*mutations: Callable[[dict], None]) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        for mutation in mutations:
            mutation(doc)
    return mutate


INVALID = [
    ("condition on a later item", _show(1, 0, {"item": "SAT", "ge": 5}),
     "pages[1].items[0].show_if.item: must refer to an earlier item 'SAT'"),
    ("condition on an unknown item", _show(1, 0, {"all": [{"item": "USED", "in": [1]}, {"item": "NOPE", "ge": 1}]}),
     "pages[1].items[0].show_if.all[1].item: refers to an unknown item 'NOPE'"),
    ("nested on itself", _show(1, 1, {"not": {"item": "CHANNELS", "answered": True}}),
     "pages[1].items[1].show_if.not.item: item 'CHANNELS' cannot depend on itself"),
    ("comparison outside the scale", _show(3, 1, {"item": "SAT", "gt": 11}),
     "pages[3].items[1].show_if.gt: value 11 is outside the scale of 'SAT' (1 to 10)"),
    ("between end outside the scale", _show(3, 1, {"item": "VISITS", "between": [1, 400]}),
     "pages[3].items[1].show_if.between[1]: value 400 is outside the scale of 'VISITS' (0 to 365)"),
    ("choice outside the options", _show(3, 1, {"item": "CHANNELS", "contains_any": ["fax"]}),
     "pages[3].items[1].show_if.contains_any: value 'fax' is not an answer of 'CHANNELS' (allowed: web, app, shop"),
    ("contains on a single choice", _show(3, 1, {"item": "BRANCH", "contains": ["north"]}),
     "pages[3].items[1].show_if.contains: 'contains' is for multiple-choice items"),
    ("comparing choices that are not numbers", _show(3, 1, {"item": "BRANCH", "ge": 1}),
     "pages[3].items[1].show_if.ge: 'ge' compares numbers"),
    ("a cycle of conditions", _both(_show(2, 0, {"item": "WEB_EASE", "in": [1]}),
                                    _show(2, 3, {"not": {"item": "R_SPEED", "le": 2}})),
     "pages[2].items[0].show_if.item: the display conditions form a cycle: R_SPEED -> WEB_EASE -> R_SPEED"),
    ("page condition on its own item", _at(("pages", 1, "show_if"), {"item": "VISITS", "ge": 1}),
     "pages[1].show_if.item: must refer to an earlier item 'VISITS'"),
    ("skip backwards", _at(("pages", 2, "skip_to"), [{"if": {"item": "USED", "in": [1]}, "to": "start"}]),
     "pages[2].skip_to[0].to: skips back to page 'start', which makes a cycle"),
    ("skip to itself", _at(("pages", 2, "skip_to"), [{"if": {"item": "USED", "in": [1]}, "to": "ratings"}]),
     "pages[2].skip_to[0].to: skips back to page 'ratings', which makes a cycle"),
    ("skip to an unknown page", _at(("pages", 0, "skip_to", 0, "to"), "finish"),
     "pages[0].skip_to[0].to: unknown page 'finish' (pages: start, visits, ratings, overall; or 'end'"),
    ("skip on a later item", _at(("pages", 0, "skip_to", 0, "if"), {"item": "SAT", "le": 3}),
     "pages[0].skip_to[0].if.item: must refer to an earlier item 'SAT'"),
    ("piping a later answer", _at(("pages", 1, "intro", "en"), "About {{answer:SAT}}"),
     "pages[1].intro.en: {{answer:SAT}} must refer to an item on an earlier page 'SAT'"),
    ("piping an answer of the same page", _at(("pages", 3, "items", 1, "text", "zh"), "{{answer:SAT}}?"),
     "pages[3].items[1].text.zh: {{answer:SAT}} must refer to an item on an earlier page 'SAT'"),
    ("piping an unknown item", _at(("pages", 2, "matrices", "M", "text", "en"), "{{answer:Q9}}"),
     "pages[2].matrices.M.text.en: {{answer:Q9}} refers to an unknown item 'Q9'"),
    ("unknown placeholder", _at(("pages", 3, "items", 0, "help", "en"), "{{name}}"),
     "pages[3].items[0].help.en: unknown placeholder '{{name}}'"),
    ("placeholder on the welcome page", _at(("welcome", "text", "en"), "Hello {{unit}}"),
     "welcome.text.en: placeholders ({{...}}) are for question texts"),
    ("matrix not declared", _at(("pages", 2, "items", 3, "matrix"), "N"),
     "pages[2].items[3].matrix: unknown matrix 'N' (this page declares: M)"),
    ("matrix rows apart", _at(("pages", 2, "items", 1, "matrix"), None),
     "pages[2].items[2].matrix: the rows of matrix 'M' must follow each other"),
    ("matrix rows on two scales", _at(("pages", 2, "items", 2, "scale"), "likert7"),
     "pages[2].items[2].matrix: the rows of matrix 'M' share one scale: 'likert5', not 'likert7'"),
    ("matrix of free texts", _at(("pages", 3, "matrices"), {"T": {"text": {"zh": "文", "en": "T"}}}),
     "pages[3].matrices.T: matrix 'T' has no rows"),
    ("shuffled points", _at(("pages", 3, "items", 0, "randomize_options"), True),
     "pages[3].items[0].randomize_options: only the options of single and multiple choice are shuffled"),
    ("redirect that is not http", _at(("end", "redirect"), "javascript:alert(1)"),
     "end.redirect: must be an http:// or https:// address with a host"),
    ("redirect without a host", _at(("end", "redirect"), "https:///path"),
     "end.redirect: must be an http:// or https:// address with a host"),
    ("zero minutes", _at(("welcome", "minutes"), 0), "welcome.minutes: "),
]


@pytest.mark.parametrize(("mutate", "expected"), [pytest.param(m, e, id=i) for i, m, e in INVALID])
def test_each_invalid_logic_form_is_reported_with_its_key_path(logic, mutate, expected):
    mutate(logic)
    with pytest.raises(InstrumentError) as raised:
        validate_instrument(logic, source="logic.yaml")
    assert str(raised.value).startswith("logic.yaml: " + expected), str(raised.value)


def test_a_redirect_to_a_web_address_is_kept(logic):
    logic["end"]["redirect"] = " https://example.org/thanks?from=survey "
    assert validate_instrument(logic).end.redirect == "https://example.org/thanks?from=survey"  # type: ignore[union-attr]


# -- the way through --------------------------------------------------------------------------------------
def _logic():
    return validate_instrument(LOGIC)


def test_a_skip_to_the_end_shows_one_page_and_keeps_only_its_answers():
    way = walk(_logic(), {"BRANCH": "north", "USED": 0, "VISITS": 10, "SAT": 9})
    assert way.pages == [0]
    assert way.answers == {"BRANCH": "north", "USED": 0}
    assert way.after(0) is None


def test_a_skip_to_a_later_page_leaves_out_the_pages_between():
    instrument = _logic()
    way = walk(instrument, {"BRANCH": "north", "USED": 1, "VISITS": 1, "R_SPEED": 4, "SAT": 3})
    assert way.pages == [0, 1, 3]
    assert "R_SPEED" not in way.answers and way.answers["SAT"] == 3
    assert way.after(1) == 3 and way.before(3) == 1 and way.nearest(2) == 1
    full = walk(instrument, {"BRANCH": "north", "USED": 1, "VISITS": 5, "CHANNELS": ["web"], "WEB_EASE": 4})
    assert full.pages == [0, 1, 2, 3] and full.answers["WEB_EASE"] == 4


def test_a_combined_item_condition_hides_the_item_and_drops_its_answer():
    way = walk(_logic(), {"BRANCH": "north", "USED": 1, "VISITS": 5, "CHANNELS": ["app"], "WEB_EASE": 4})
    assert "WEB_EASE" not in way.answers


def test_a_page_condition_skips_the_page(logic):
    logic["pages"][2]["show_if"] = {"item": "BRANCH", "in": ["south"]}
    instrument = validate_instrument(logic)
    assert walk(instrument, {"BRANCH": "north", "USED": 1, "VISITS": 5}).pages == [0, 1, 3]
    assert walk(instrument, {"BRANCH": "south", "USED": 1, "VISITS": 5}).pages == [0, 1, 2, 3]


# -- piping -------------------------------------------------------------------------------------------------
def test_piping_fills_answers_and_the_unit_and_leaves_other_text_alone():
    text = "{{ answer:NICK }}, about {{unit}}: {{answer:GONE}}. {{name}} {single}"
    assert piping.references(text) == ["NICK", piping.UNIT, "GONE", None]
    assert piping.fill(text, {"NICK": "<b>Li</b>"}, "North") == "<b>Li</b>, about North: . {{name}} {single}"
    assert not piping.has_placeholders("no {braces} here")


def test_piping_fills_attributes_by_any_name_and_leaves_a_missing_one_empty():
    text = "{{attribute:Team}} / {{ attribute : cost centre }} / {{attribute:部门}} / {{attribute:gone}}"
    assert piping.references(text) == ["attribute:team", "attribute:cost centre", "attribute:部门", "attribute:gone"]
    assert [piping.attribute_of(r) for r in piping.references(text)] == ["team", "cost centre", "部门", "gone"]
    attributes = {"team": "<b>blue</b>", "cost centre": "C-7", "部门": "销售"}
    assert piping.fill(text, {}, "", attributes) == "<b>blue</b> / C-7 / 销售 / "
    assert piping.fill(text, {}, "") == " /  /  / "  # no personal link: no attributes, never the placeholder
    assert piping.item_of("attribute:team") is None and piping.item_of(piping.UNIT) is None
    assert piping.item_of("NICK") == "NICK"
    # an empty or over-long name, or braces inside, is no attribute placeholder
    assert piping.references("{{attribute:}} {{attribute: }} {{attribute:" + "x" * 101 + "}}") == [None] * 3
    assert piping.references("{{attribute:" + "x" * 100 + "}}") == ["attribute:" + "x" * 100]


def test_an_attribute_placeholder_of_any_name_is_valid_in_question_texts_and_page_intros(logic):
    logic["pages"][0]["intro"] = {"zh": "{{attribute:team}} 团队", "en": "Team {{attribute:team}}"}
    logic["pages"][0]["items"][0]["text"]["en"] = "Any {{attribute:whatever name}} here?"
    validate_instrument(logic)  # free-form names: the participants list comes later
    logic["pages"][0]["items"][0]["text"]["en"] = "Bad {{attribute:}}?"
    with pytest.raises(InstrumentError, match=r"attribute:NAME"):
        validate_instrument(logic)


def test_combining_renames_the_targets_of_skip_rules(logic):
    first = validate_instrument(logic)
    text = json.dumps({**logic, "id": "logic2"})
    for code in [item.code for item in first.items]:
        text = re.sub(rf'"(code|item)": "{code}"', rf'"\1": "{code}_2"', text)
        text = text.replace(f"answer:{code}}}", f"answer:{code}_2}}")
    combined = combine([first, validate_instrument(json.loads(text))], id="both")
    second_visits = combined.pages[5]
    assert second_visits.id == "logic2.visits" and second_visits.skip_to[0].to == "logic2.overall"
    assert combined.pages[1].skip_to[0].to == "overall"
    assert combined.pages[4].skip_to[0].to == "end"
