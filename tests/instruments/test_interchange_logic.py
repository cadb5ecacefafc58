"""Logic, piping, matrices, random orders, welcome and end pages through LimeSurvey and SurveyJS, both ways.

Our own export imports back to an equal instrument (custom data keeps what a format cannot say); without the
custom data, the native forms alone still lead a respondent along the same pages and questions.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from instruments.flow import visible_items, walk
from instruments.interchange import FORMATS, export_questionnaire, import_questionnaire
from instruments.interchange.expression import Answered, ExpressionError
from instruments.interchange.lss_logic import read_condition
from instruments.interchange.safe_xml import parse_xml
from instruments.registry import validate_instrument
from instruments.schema import Instrument
from tests.instruments.conftest import LOGIC

#: Respondents of the logic instrument (by item code), chosen to take every way through it.
RESPONDENTS: list[dict[str, Any]] = [
    {"BRANCH": "north", "USED": 0},
    {"BRANCH": "south", "NICK": "Ann", "USED": 1, "VISITS": 1, "SAT": 9},
    {"BRANCH": "north", "USED": 1, "VISITS": 5, "CHANNELS": ["web", "app"], "R_SPEED": 4, "R_STAFF": 5,
     "R_PRICE": 3, "WEB_EASE": 4, "SAT": 5, "WHY": "slow"},
    {"BRANCH": "north", "NICK": "Bo", "USED": 1, "VISITS": 3, "CHANNELS": ["shop"], "R_SPEED": 2, "R_STAFF": 2,
     "R_PRICE": 2, "SAT": 8},
    {"BRANCH": "south", "NICK": "Cy", "USED": 1, "VISITS": 2, "CHANNELS": ["web"], "R_SPEED": 1, "R_STAFF": 1,
     "R_PRICE": 1, "WEB_EASE": 2, "SAT": 3, "WHY": "rude"},
]


def _logic() -> Instrument:
    return validate_instrument(LOGIC, source="logic")


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_logic_instrument_survives_export_and_import_exactly(fmt):
    instrument = _logic()
    exported = export_questionnaire(instrument, fmt)
    back = import_questionnaire("logic" + exported.suffix, exported.data)
    assert back.instrument == instrument
    assert back.not_mapped == []


def test_limesurvey_export_lists_exactly_what_it_cannot_say():
    assert export_questionnaire(_logic(), "lss").not_mapped == [
        "WEB_EASE: its LimeSurvey code is WEBEASE (LimeSurvey codes have only letters and digits); the import "
        "restores it",
        "likert, rating and NPS questions are written as list (radio) questions with one answer per point (2 "
        "questions); the import restores them",
        "skip rules: LimeSurvey has no skip; each is written into the relevance of the pages it skips (and of all "
        "later pages for a skip to the end); the import restores the rules",
        "welcome: the estimated time and the privacy notice have no place in LimeSurvey's welcome page; kept in the "
        "custom data 'manyi'",
        "{{unit}} is written as {TOKEN:ATTRIBUTE_1}: fill participant attribute 1 with each invitee's unit name in "
        "LimeSurvey",
        "roles, constructs, paths and scale names are kept in the question attribute 'manyi', which LimeSurvey keeps "
        "but does not use"]


def test_surveyjs_export_lists_exactly_what_it_cannot_say():
    assert export_questionnaire(_logic(), "surveyjs").not_mapped == [
        "welcome: SurveyJS has no estimated time; kept in the custom data 'manyi'",
        "skip rules are SurveyJS triggers, which run as soon as the answer that fires them is given; set "
        "settings.triggers.executeSkipOnValueChanged = false in the form to wait for Next as Manyi does",
        "{{unit}} is written as {unit}: set it with survey.setVariable('unit', unit name) in the SurveyJS form",
        "roles, constructs, paths and scale names are kept in the custom property 'manyi'; register it in SurveyJS "
        "Creator (Serializer.addProperty) to keep it when editing there"]


# -- the native forms -------------------------------------------------------------------------------------------
def _lss_tables(data: bytes) -> tuple[dict[str, str], dict[str, str], dict[tuple[str, str], str], Any]:
    root = parse_xml(data)
    questions = {r.findtext("title"): r for r in root.iterfind("questions/rows/row")}
    relevance = {code: row.findtext("relevance") for code, row in questions.items()}
    groups = [r.findtext("grelevance") for r in root.iterfind("groups/rows/row")]
    descriptions = {(r.findtext("gid"), r.findtext("language")): r.findtext("description")
                    for r in root.iterfind("group_l10ns/rows/row")}
    return relevance, dict(enumerate(groups)), descriptions, root


def test_limesurvey_export_writes_relevance_skips_piping_arrays_and_random_order():
    relevance, groups, descriptions, root = _lss_tables(export_questionnaire(_logic(), "lss").data)
    assert relevance["WEBEASE"] == '(CHANNELS_web.NAOK == "Y" and VISITS.NAOK >= 2)'
    assert relevance["WHY"] == "((SAT.NAOK >= 1 and SAT.NAOK <= 6) or is_empty(NICK.NAOK))"
    # the skip to the end hides every later page; the skip from "visits" to "overall" hides "ratings"
    assert groups == {0: "1", 1: '!(USED.NAOK == "N")',
                      2: '!(USED.NAOK == "N" or (!(USED.NAOK == "N") and (!is_empty(VISITS.NAOK) and '
                         'VISITS.NAOK < 2)))',
                      3: '!(USED.NAOK == "N")'}
    assert descriptions[("2", "en")] == "These questions are about {TOKEN:ATTRIBUTE_1}."
    assert descriptions[("3", "zh-Hans")] == "您去年来了{VISITS.shown}次。"
    texts = {(r.findtext("qid"), r.findtext("language")): (r.findtext("question"), r.findtext("help"))
             for r in root.iterfind("question_l10ns/rows/row")}
    questions = {r.findtext("title"): r for r in root.iterfind("questions/rows/row")}
    sat = questions["SAT"].findtext("qid")
    assert texts[(sat, "en")] == ("{NICK.shown}, overall how satisfied are you?",
                                  'Channels you use: {list(if(CHANNELS_web.NAOK == "Y", "Website", ""), '
                                  'if(CHANNELS_app.NAOK == "Y", "App", ""), if(CHANNELS_shop.NAOK == "Y", "Shop", ""), '
                                  'if(CHANNELS_phone.NAOK == "Y", "Phone", ""))}')
    matrix = questions["M"]
    assert matrix.findtext("type") == "F" and texts[(matrix.findtext("qid"), "en")] == (
        "How do you rate {TOKEN:ATTRIBUTE_1} on the following?", "One answer per row.")
    rows = [r.findtext("title") for r in root.iterfind("subquestions/rows/row")
            if r.findtext("parent_qid") == matrix.findtext("qid")]
    assert rows == ["RSPEED", "RSTAFF", "RPRICE"]
    attributes = {(r.findtext("qid"), r.findtext("attribute")): r.findtext("value")
                  for r in root.iterfind("question_attributes/rows/row")}
    assert attributes[(questions["CHANNELS"].findtext("qid"), "random_order")] == "1"
    shuffled = {code for code, row in questions.items() if (row.findtext("qid"), "random_group") in attributes}
    assert shuffled == {"VISITS", "CHANNELS", "FIRST"}
    settings = {r.findtext("surveyls_language"): r for r in root.iterfind("surveys_languagesettings/rows/row")}
    assert settings["en"].findtext("surveyls_welcometext") == "Thank you for your time."
    assert settings["zh-Hans"].findtext("surveyls_endtext") == "您的意见已送达门店经理。"


def _without_custom_data(fmt: str, data: bytes) -> bytes:
    if fmt == "lss":
        return re.sub(rb"<row>\s*<qid>[^<]*</qid>\s*<attribute>manyi</attribute>.*?</row>", b"", data, flags=re.DOTALL)

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "manyi"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return json.dumps(strip(json.loads(data))).encode()


def _way(instrument: Instrument, answers: dict[str, Any]) -> list[tuple[int, list[int]]]:
    """The pages a respondent sees and the positions of the questions shown on each."""
    way = walk(instrument, answers)
    out = []
    for index in way.pages:
        page = instrument.pages[index]
        shown = visible_items(page, way.answers)
        out.append((index, [page.items.index(item) for item in shown]))
    return out


@pytest.mark.parametrize("fmt", ["lss", "surveyjs"])
def test_without_custom_data_the_native_logic_leads_the_same_way(fmt):
    instrument = _logic()
    data = _without_custom_data(fmt, export_questionnaire(instrument, fmt).data)
    assert b"manyi" not in data
    imported = import_questionnaire("native." + ("lss" if fmt == "lss" else "json"), data)
    native = imported.instrument
    codes = dict(zip((i.code for i in instrument.items), (i.code for i in native.items), strict=True))
    for answers in RESPONDENTS:
        renamed = {codes[code]: value for code, value in answers.items()}
        assert _way(native, renamed) == _way(instrument, answers), answers
    # piping, matrices, random orders, intro, welcome and end read from the native forms
    assert native.pages[3].items[0].text.en == f"{{{{answer:{codes['NICK']}}}}}, overall how satisfied are you?"
    assert native.pages[3].items[0].help.en == f"Channels you use: {{{{answer:{codes['CHANNELS']}}}}}"
    assert native.pages[1].randomize and native.item(codes["CHANNELS"]).randomize_options
    assert [i.matrix is not None for i in native.pages[2].items] == [True, True, True, False]
    # the unit placeholder needs the custom data in LimeSurvey (a participant attribute may hold anything)
    unit = "{TOKEN:ATTRIBUTE_1}" if fmt == "lss" else "{{unit}}"
    assert list(native.pages[2].matrices.values())[0].text.en == f"How do you rate {unit} on the following?"
    if fmt == "lss":
        assert "page g2: placeholder {TOKEN:ATTRIBUTE_1} not mapped (only the answer of a question on an " \
               "earlier page, or the unit)" in imported.not_mapped
    assert native.pages[2].intro.en == f"You came {{{{answer:{codes['VISITS']}}}}} times last year."
    assert native.welcome.text.en == "Thank you for your time."
    assert native.end.text.en == "Your views go to the branch manager."


def test_limesurvey_relevance_forms_an_author_writes():
    resolve = {"Q1": Answered("Q1", "single", {"1": 1, "2": 2, "A1": "a"}), "N": Answered("N", "numeric"),
               "Q2_SQ001": Answered("Q2", "multiple", option="x"), "T": Answered("T", "text")}.get
    forms = {
        "Q1 == 1": {"item": "Q1", "in": [1]},
        'Q1.NAOK == "A1"': {"item": "Q1", "in": ["a"]},
        "N >= 7": {"item": "N", "ge": 7},
        "N ge 7 && N lt 10": {"all": [{"item": "N", "ge": 7}, {"item": "N", "lt": 10}]},
        "!is_empty(T)": {"not": {"item": "T", "answered": False}},
        'T.NAOK != ""': {"item": "T", "answered": True},
        'Q2_SQ001 == "Y" or N > 1': {"any": [{"item": "Q2", "in": ["x"]}, {"item": "N", "gt": 1}]},
        '!(Q2_SQ001.NAOK == "Y")': {"not": {"item": "Q2", "in": ["x"]}},
        "1": None,
    }
    for expression, condition in forms.items():
        assert read_condition(expression, resolve) == condition, expression
    for expression in ("Q9 == 1", "sum(N, 1) > 2", 'Q2_SQ001 == "N"', "N > 'many'", "N =="):
        with pytest.raises(ExpressionError):
            read_condition(expression, resolve)


def test_an_edited_relevance_wins_over_the_custom_data():
    data = export_questionnaire(_logic(), "lss").data
    edited = data.replace(b"((SAT.NAOK &gt;= 1 and SAT.NAOK &lt;= 6) or is_empty(NICK.NAOK))", b"SAT.NAOK &lt;= 4", 1)
    assert edited != data
    imported = import_questionnaire("edited.lss", edited)
    assert imported.instrument.item("WHY").show_if.model_dump(by_alias=True) == {"item": "SAT", "le": 4}
    group = data.replace(b"<grelevance>!(USED.NAOK == \"N\")</grelevance>", b"<grelevance>1</grelevance>", 1)
    imported = import_questionnaire("edited.lss", group)
    assert imported.instrument.pages[1].show_if is None
    assert "page visits: its condition was edited in LimeSurvey, so its skip rules are not mapped (the condition " \
           "is read as it stands)" in imported.not_mapped


def test_a_condition_on_an_answer_the_scale_cannot_give_is_listed():
    data = export_questionnaire(_logic(), "lss").data.replace(
        b"CHANNELS_web.NAOK == \"Y\" and VISITS.NAOK &gt;= 2", b"VISITS.NAOK &gt;= 400")
    imported = import_questionnaire("bad.lss", data)
    assert imported.instrument.item("WEB_EASE").show_if is None
    assert "WEB_EASE: condition `(VISITS.NAOK >= 400)` not mapped (value 400 is outside the scale of 'VISITS' (0 " \
           "to 365))" in imported.not_mapped


@pytest.mark.parametrize("fmt", ["lss", "surveyjs"])
def test_an_attribute_placeholder_is_written_natively_and_read_back_as_ours(fmt):
    import copy

    logic = copy.deepcopy(LOGIC)
    logic["pages"][1]["intro"] = {"zh": "{{attribute:Cost centre}}的问题", "en": "For {{attribute:Cost centre}}"}
    exported = export_questionnaire(validate_instrument(logic), fmt)
    native = "{TOKEN:COST_CENTRE}" if fmt == "lss" else "{attribute_cost_centre}"
    assert native in exported.data.decode("utf-8")
    back = import_questionnaire("q.lss" if fmt == "lss" else "q.json", exported.data).instrument
    assert back.pages[1].intro.en == "For {{attribute:Cost centre}}"
