"""SurveyJS JSON models: a fixture written from the survey-library's JSON schema, and our own export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from instruments.interchange import export_questionnaire, import_questionnaire
from instruments.interchange.base import ROLES_NOTE
from instruments.interchange.expression import Answered, ExpressionError
from instruments.interchange.surveyjs_logic import read_condition
from instruments.registry import load_instruments, validate_instrument
from tests.instruments.conftest import SMALL

FIXTURE = Path(__file__).parent / "fixtures" / "clinic_surveyjs.json"


def test_surveyjs_model_maps_pages_types_texts_and_conditions():
    imported = import_questionnaire("Clinic survey.json", FIXTURE.read_bytes())
    inst = imported.instrument
    assert inst.id == "clinic_survey" and inst.languages == ["en", "zh"]
    assert (inst.title.zh, inst.description.en) == ("门诊就诊调查", "Five minutes about your visit")
    assert [p.id for p in inst.pages] == ["visit", "opinion", "followup"]  # the start page is the welcome page
    assert [i.code for i in inst.items] == ["dept", "wait", "services", "lab_note", "age", "visits", "email",
                                            "again", "why_not", "staff_doctor", "staff_nurse", "nurse_note",
                                            "dental_wait", "complex", "extra", "late"]
    dept = inst.item("dept")
    assert (dept.text.zh, dept.text.en, dept.required) == ("哪个科室？", "Which department?", True)
    assert [(o.value, o.label.zh) for o in inst.scale_of("dept").options] == [("gp", "全科"), ("dental", "口腔科")]
    wait = inst.scale_of("wait")
    assert (wait.kind, wait.min, wait.max, wait.anchors[1].zh, wait.anchors[5].en) == (
        "rating", 1, 5, "太久", "Very short")
    assert inst.scale_of("services").kind == "multiple"
    assert inst.scale_of("services").values() == ["lab", "xray", "pharmacy"]
    assert inst.scale_of("lab_note").max_length == 300
    age = inst.scale_of("age")
    assert (age.kind, age.min, age.max) == ("numeric", 0, 120)  # from inside a panel
    assert inst.scale_of("visits").values() == [1, 2, 3] and inst.scale_of("visits").options[2].label.zh == "3次及以上"
    assert inst.item("again").scale == "yesno" and inst.item("again").required
    assert inst.scale_of("staff_doctor").values() == [1, 2] and inst.item("staff_nurse").matrix == "staff"
    assert inst.pages[1].matrices["staff"].text.zh == "请评价我们的员工"
    assert inst.item("staff_doctor").required  # isAllRowRequired
    dental = inst.scale_of("dental_wait")
    assert (dental.kind, dental.points(), sorted(dental.anchors)) == ("rating", [1, 2, 3], [1, 3])
    conditions = {i.code: i.show_if.model_dump(by_alias=True) for i in inst.items if i.show_if}
    simple = {code: conditions[code] for code in ("lab_note", "why_not", "nurse_note", "dental_wait")}
    assert simple == {"lab_note": {"item": "services", "in": ["lab"]},
                          "why_not": {"item": "again", "in": [0]},
                          "nurse_note": {"item": "staff_nurse", "in": [1]},
                          "dental_wait": {"item": "dept", "in": ["dental", "gp"]}}
    assert conditions["complex"] == {"all": [{"item": "age", "gt": 60}, {"item": "again", "in": [1]}]}
    assert conditions["late"] == {"any": [{"item": "services", "in": ["lab", "pharmacy"]}, {"all": [
        {"item": "age", "le": 30}, {"not": {"item": "staff_doctor", "in": [1]}}]}]}
    followup = inst.pages[2]
    assert followup.show_if.model_dump(by_alias=True) == {"all": [
        {"not": {"item": "services", "contains": ["lab", "xray"]}}, {"item": "age", "answered": True}]}
    # triggers: a skip goes from the page of the question it tests to the page of gotoName; complete ends
    assert [r.model_dump(by_alias=True) for r in inst.pages[0].skip_to] == [
        {"if": {"item": "dept", "in": ["dental"]}, "to": "followup"}]
    assert [r.model_dump(by_alias=True) for r in inst.pages[1].skip_to] == [
        {"if": {"all": [{"item": "again", "in": [0]}, {"item": "age", "lt": 18}]}, "to": "end"}]
    # piping, random orders, page description, start page, end page and redirect
    assert (followup.intro.en, followup.intro.zh) == ("About {{answer:dept}}", "关于{{answer:dept}}")
    assert inst.item("extra").text.en == "Anything else for {{unit}}?"
    assert inst.item("late").text.en == "How was {wait_note}?"
    assert inst.pages[0].randomize and inst.pages[0].intro.en == "About today"
    assert inst.item("services").randomize_options and not inst.item("dept").randomize_options
    assert (inst.welcome.text.en, inst.welcome.privacy.zh) == ("Welcome to our clinic survey.", "您的回答是匿名的。")
    assert (inst.end.text.zh, inst.end.redirect) == ("谢谢", "https://clinic.example.org/done")
    assert imported.not_mapped == [
        "dept: its 'Other' answer is not mapped", "panel about_you: its title is not mapped (its questions are)",
        "email: asked as plain text; its input type 'email' is not mapped",
        "email: no zh text; the en text is used for both", "note: element type 'html' is not mapped",
        "priorities: element type 'ranking' is not mapped",
        "late: placeholder {wait_note} not mapped (only the answer of a question on an earlier page, or the unit "
        "variable {unit})",
        "survey: a setvalue trigger is not mapped (skip and complete are)", ROLES_NOTE]


RESOLVE = {"q": Answered("q", "single", {"1": 1, "2": 2}), "n": Answered("n", "numeric"),
           "m": Answered("m", "multiple"), "b": Answered("b", "single", {"true": 1, "false": 0}),
           "M.r": Answered("r", "single")}.get


@pytest.mark.parametrize(("expression", "condition"), [
    ("{q} = 1", {"item": "q", "in": [1]}),
    ("{q} == 'a b'", {"item": "q", "in": ["a b"]}),
    ('{m} anyof ["x", "y"]', {"item": "m", "in": ["x", "y"]}),
    ("{m} allof ['x', 'y']", {"item": "m", "contains": ["x", "y"]}),
    ("{m} contains 'web'", {"item": "m", "contains": ["web"]}),
    ("({q} = 1) or ({q} = 2)", {"any": [{"item": "q", "in": [1]}, {"item": "q", "in": [2]}]}),
    ("{b} = true", {"item": "b", "in": [1]}),
    ("{n} >= 7", {"item": "n", "ge": 7}),
    ("7 < {n}", {"item": "n", "gt": 7}),
    ("{n} notempty", {"item": "n", "answered": True}),
    ("{n} empty", {"item": "n", "answered": False}),
    ("!({q} = 1) && {M.r} <> 2", {"all": [{"not": {"item": "q", "in": [1]}}, {"not": {"item": "r", "in": [2]}}]}),
    ("not {q} = 1", {"not": {"item": "q", "in": [1]}}),
    ("{q} = 1 and {n} > 2 or {m} noneof ['x']", {"any": [
        {"all": [{"item": "q", "in": [1]}, {"item": "n", "gt": 2}]}, {"not": {"item": "m", "in": ["x"]}}]}),
])
def test_visible_if_forms(expression, condition):
    assert read_condition(expression, RESOLVE) == condition


@pytest.mark.parametrize("expression", ["{other} = 1", "({q} = 1", "age({q}) > 2", "{n} > 'many'", "{q} = 1 +"])
def test_visible_if_forms_that_do_not_map(expression):
    with pytest.raises(ExpressionError):
        read_condition(expression, RESOLVE)


def test_export_writes_the_survey_library_model():
    instrument = validate_instrument(SMALL, source="small")
    exported = export_questionnaire(instrument, "surveyjs")
    assert exported.suffix == ".json" and exported.media_type == "application/json"
    model = json.loads(exported.data)
    assert model["title"] == {"default": "Small survey", "zh-cn": "小问卷"} and model["locale"] == "zh-cn"
    elements = {e["name"]: e for page in model["pages"] for e in page["elements"]}
    assert [p["name"] for p in model["pages"]] == ["p1", "p2"]
    assert {name: e["type"] for name, e in elements.items()} == {
        "UNIT": "radiogroup", "Q1": "rating", "Q2": "rating", "Q3": "rating", "PROBLEM": "boolean",
        "PROBLEM_TEXT": "comment", "SAT": "rating", "NPS": "rating", "CHANNELS": "checkbox", "WEB_OK": "rating",
        "NORTH_OK": "rating", "VISITS": "text", "COUNT": "text", "KF": "radiogroup", "KD": "radiogroup"}
    assert elements["NPS"]["rateMin"] == 0 and elements["NPS"]["rateMax"] == 10
    assert elements["NPS"]["minRateDescription"] == {"default": "Not at all likely", "zh-cn": "完全不可能"}
    assert elements["WEB_OK"]["rateValues"][0] == {"value": 1, "text": {"default": "Strongly disagree",
                                                                       "zh-cn": "非常不同意"}}
    assert (elements["PROBLEM"]["valueTrue"], elements["PROBLEM"]["valueFalse"]) == (1, 0)
    assert elements["VISITS"]["inputType"] == "number" and elements["VISITS"]["max"] == 365
    assert elements["UNIT"]["choices"][0] == {"value": "north", "text": {"default": "North", "zh-cn": "北区"}}
    assert elements["PROBLEM_TEXT"]["visibleIf"] == "{PROBLEM} = 1"
    assert elements["WEB_OK"]["visibleIf"] == "{CHANNELS} anyof ['web']"
    assert elements["NORTH_OK"]["visibleIf"] == "{UNIT} = 'north'"
    assert elements["SAT"]["manyi"] == {"code": "SAT", "role": "satisfaction", "scale": "rating10", "kind": "rating",
                                        "construct": "Satisfaction"}
    assert model["manyi"]["paths"] == {"Satisfaction": ["Quality"]}
    assert "PROBLEM_TEXT" not in {k for k, e in elements.items() if e.get("isRequired")}


def test_a_foreign_model_exported_again_imports_to_the_same_instrument():
    first = import_questionnaire("clinic.json", FIXTURE.read_bytes()).instrument
    for fmt in ("surveyjs", "lss"):
        exported = export_questionnaire(first, fmt)
        again = import_questionnaire("clinic" + exported.suffix, exported.data)
        assert again.instrument == first, fmt
        assert ROLES_NOTE not in again.not_mapped


def test_a_model_with_only_elements_and_plain_strings_is_one_english_page():
    model = {"elements": [{"type": "text", "name": "name", "title": "Your name"},
                          {"type": "rating", "name": "score", "rateCount": 3}]}
    imported = import_questionnaire("plain.json", json.dumps(model).encode())
    inst = imported.instrument
    assert inst.languages == ["en"] and len(inst.pages) == 1
    assert inst.item("name").text.zh == "Your name" and inst.scale_of("score").points() == [1, 2, 3]


def test_chinese_default_locale_reads_default_strings_as_chinese():
    model = {"locale": "zh-cn", "title": "满意度", "pages": [{"name": "p", "elements": [
        {"type": "boolean", "name": "ok", "title": {"default": "好吗？", "en": "OK?"}}]}]}
    inst = import_questionnaire("zh.json", json.dumps(model).encode()).instrument
    assert inst.languages == ["zh", "en"] and inst.item("ok").text.zh == "好吗？" and inst.item("ok").text.en == "OK?"


def test_shipped_instrument_roles_survive_surveyjs():
    instrument = load_instruments()["employee_satisfaction"]
    back = import_questionnaire("e.json", export_questionnaire(instrument, "surveyjs").data).instrument
    assert [i.role for i in back.items] == [i.role for i in instrument.items]
