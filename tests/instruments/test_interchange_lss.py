"""LimeSurvey structure files (.lss): fixtures written from the documented table layout, and our own export."""

from __future__ import annotations

from pathlib import Path

import pytest

from instruments.interchange import export_questionnaire, import_questionnaire
from instruments.interchange.base import ROLES_NOTE
from instruments.interchange.safe_xml import parse_xml
from instruments.registry import load_instruments, validate_instrument
from tests.instruments.conftest import SMALL

FIXTURES = Path(__file__).parent / "fixtures"


def _read(name: str):
    return import_questionnaire(name, (FIXTURES / name).read_bytes())


def test_limesurvey5_file_maps_codes_texts_scales_and_conditions():
    imported = _read("branch_limesurvey5.lss")
    inst = imported.instrument
    assert inst.id == "branch_limesurvey5" and inst.languages == ["zh", "en"]
    assert (inst.title.zh, inst.title.en) == ("分行满意度调查", "Branch satisfaction survey")
    assert (inst.description.zh, inst.description.en) == ("感谢参与", "Thank you for taking part")
    assert [p.title.en for p in inst.pages] == ["Overall", "Ratings"]  # ordered by group_order, not file order
    assert [i.code for i in inst.items] == ["SAT", "CHAN", "VISITS", "WHY", "ARR_SPEED", "ARR_STAFF", "REC", "REASON",
                                            "APPQ", "DEPT", "CLEAN_ROOM", "COMPLEX", "DEPTOK"]
    sat = inst.item("SAT")
    assert (sat.text.zh, sat.text.en, sat.help.en, sat.required) == (
        "您对我们的服务满意吗？", "Are you satisfied with our service?", "Pick one", True)
    assert [(o.value, o.label.zh, o.label.en) for o in inst.scale_of("SAT").options] == [
        ("A1", "很满意", "Very satisfied"), ("A2", "一般", "Neutral"), ("A3", "不满意", "Dissatisfied")]
    channels = inst.scale_of("CHAN")
    assert channels.kind == "multiple" and [o.value for o in channels.options] == ["web", "app"]
    assert not inst.item("CHAN").required
    visits = inst.scale_of("VISITS")
    assert (visits.kind, visits.min, visits.max) == ("numeric", 0, 50)
    assert inst.scale_of("WHY").kind == "text" and inst.scale_of("WHY").max_length == 500
    assert inst.item("WHY").text.en == "Why are you dissatisfied?"  # HTML paragraphs become plain text
    # F array: a matrix, one row per subquestion on the array's answers; the question text is the matrix's
    assert inst.item("ARR_STAFF").text.zh == "员工 & 礼貌"
    assert inst.item("ARR_SPEED").scale == inst.item("ARR_STAFF").scale
    assert (inst.item("ARR_SPEED").matrix, inst.item("ARR_STAFF").matrix) == ("ARR", "ARR")
    assert inst.scale_of("ARR_SPEED").values() == [1, 2, 3]
    assert inst.pages[1].matrices["ARR"].text.en == "Please rate the following"
    assert inst.item("REC").scale == "yesno"
    assert (inst.scale_of("APPQ").kind, inst.scale_of("APPQ").min, inst.scale_of("APPQ").max) == ("rating", 1, 5)
    assert inst.scale_of("DEPT").values() == [1, 2]
    assert inst.scale_of("CLEAN_ROOM").points() == [1, 2, 3, 4, 5]
    # relevance equations of the simple forms become show_if
    assert inst.item("WHY").show_if.model_dump(by_alias=True) == {"item": "SAT", "in": ["A3"]}
    assert inst.item("REASON").show_if.model_dump(by_alias=True) == {"item": "REC", "in": [1]}
    assert inst.item("APPQ").show_if.model_dump(by_alias=True) == {"item": "CHAN", "in": ["app"]}
    assert inst.item("DEPTOK").show_if.model_dump(by_alias=True) == {"item": "DEPT", "in": [1, 2]}
    # the common forms an author writes: ! and &&, >= and <= (between), and/or, a multiple-choice subquestion
    assert inst.item("COMPLEX").show_if.model_dump(by_alias=True) == {"any": [
        {"item": "VISITS", "between": [2, 10]},
        {"all": [{"item": "SAT", "in": ["A1"]}, {"not": {"item": "CHAN", "in": ["web"]}}]}]}
    assert inst.pages[1].show_if.model_dump(by_alias=True) == {"all": [
        {"item": "SAT", "answered": True}, {"not": {"item": "SAT", "in": ["A3"]}}]}
    # piping, random orders, group description, welcome and end pages
    assert inst.item("REC").text.en == "You chose “{{answer:SAT}}”; would you recommend us?"
    assert inst.item("REASON").text.en == "Please tell us why, {TOKEN:FIRSTNAME}"
    assert inst.item("CHAN").randomize_options and not inst.item("SAT").randomize_options
    assert (inst.pages[0].randomize, inst.pages[1].randomize) == (False, True)
    assert inst.pages[0].intro.en == "About your visit"
    assert (inst.welcome.text.zh, inst.welcome.text.en) == ("欢迎", "Welcome")
    assert (inst.end.text.en, inst.end.redirect) == ("Thank you for your views.", "https://bank.example.com/thanks")
    assert {i.role for i in inst.items} == {"attribute", "other"}
    assert inst.item("APPQ").role == "attribute" and inst.item("SAT").role == "other"
    assert imported.not_mapped == [
        "quotas are not mapped", "assessments are not mapped",
        "REASON: placeholder {TOKEN:FIRSTNAME} not mapped (only the answer of a question on an earlier page, or the "
        "unit)",
        "DEPT: the 'Other' answer is not mapped", "RANK: question type 'R' is not mapped",
        "WHEN: question type 'D' is not mapped", ROLES_NOTE]


def test_limesurvey3_file_reads_per_language_rows_and_the_conditions_table():
    imported = _read("hotel_limesurvey3.lss")
    inst = imported.instrument
    assert inst.languages == ["en", "zh"] and inst.title.zh == "酒店入住"
    assert [i.code for i in inst.items] == ["STAFF", "STAFFWHY", "ASPECTS_food", "ASPECTS_noise"]
    assert [(o.value, o.label.zh) for o in inst.scale_of("STAFF").options] == [(1, "友好"), (2, "一般"),
                                                                               (3, "不友好")]
    assert inst.item("STAFFWHY").show_if.model_dump(by_alias=True) == {"item": "STAFF", "in": [3, 2]}
    assert inst.scale_of("ASPECTS_food").points() == list(range(1, 11))
    assert inst.item("ASPECTS_noise").text.zh == "噪音"
    assert "languages: de not mapped (only zh and en are kept)" in imported.not_mapped
    assert "STAFFWHY: no zh text; the en text is used for both" in imported.not_mapped
    assert inst.item("STAFFWHY").text.zh == "What went wrong?"


def test_export_is_a_limesurvey5_document_with_one_question_per_item():
    instrument = validate_instrument(SMALL, source="small")
    exported = export_questionnaire(instrument, "lss")
    assert exported.suffix == ".lss" and exported.media_type == "application/xml"
    assert exported.data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = parse_xml(exported.data)
    assert root.findtext("LimeSurveyDocType") == "Survey" and root.findtext("DBVersion") == "495"
    assert [e.text for e in root.iterfind("languages/language")] == ["zh-Hans", "en"]
    questions = {r.findtext("title"): r for r in root.iterfind("questions/rows/row")}
    # LimeSurvey codes have no underscore; the original code travels in the custom data
    assert list(questions) == ["UNIT", "Q1", "Q2", "Q3", "PROBLEM", "PROBLEMTEXT", "SAT", "NPS", "CHANNELS", "WEBOK",
                               "NORTHOK", "VISITS", "COUNT", "KF", "KD"]
    types = {code: row.findtext("type") for code, row in questions.items()}
    assert types == {"UNIT": "L", "Q1": "L", "Q2": "L", "Q3": "L", "PROBLEM": "Y", "PROBLEMTEXT": "T", "SAT": "L",
                     "NPS": "L", "CHANNELS": "M", "WEBOK": "L", "NORTHOK": "L", "VISITS": "N", "COUNT": "N",
                     "KF": "L", "KD": "L"}
    assert questions["PROBLEMTEXT"].findtext("relevance") == 'PROBLEM.NAOK == "Y"'
    assert questions["WEBOK"].findtext("relevance") == 'CHANNELS_web.NAOK == "Y"'
    assert questions["NORTHOK"].findtext("relevance") == 'UNIT.NAOK == "north"'
    assert questions["PROBLEMTEXT"].findtext("mandatory") == "N" and questions["SAT"].findtext("mandatory") == "Y"
    nps_qid = questions["NPS"].findtext("qid")
    codes = [r.findtext("code") for r in root.iterfind("answers/rows/row") if r.findtext("qid") == nps_qid]
    assert codes == [str(p) for p in range(11)]
    texts = {(r.findtext("qid"), r.findtext("language")): r.findtext("question")
             for r in root.iterfind("question_l10ns/rows/row")}
    assert texts[(nps_qid, "zh-Hans")] == "推荐吗？" and texts[(nps_qid, "en")] == "Recommend us?"
    attributes = {(r.findtext("qid"), r.findtext("attribute")): r.findtext("value")
                  for r in root.iterfind("question_attributes/rows/row")}
    visits_qid = questions["VISITS"].findtext("qid")
    assert (attributes[(visits_qid, "min_num_value_n")], attributes[(visits_qid, "max_num_value_n")]) == ("0", "365")
    assert '"role": "recommend"' in attributes[(nps_qid, "manyi")]
    assert "PROBLEM_TEXT: its LimeSurvey code is PROBLEMTEXT (LimeSurvey codes have only letters and digits); the " \
           "import restores it" in exported.not_mapped


def test_long_option_values_get_limesurvey_answer_codes_and_come_back():
    instrument = load_instruments()["customer_satisfaction"]
    exported = export_questionnaire(instrument, "lss")
    root = parse_xml(exported.data)
    stage = next(r for r in root.iterfind("questions/rows/row") if r.findtext("title") == "STAGE")
    codes = [r.findtext("code") for r in root.iterfind("answers/rows/row") if r.findtext("qid") ==
             stage.findtext("qid")]
    assert all(1 <= len(c) <= 5 and c.isalnum() for c in codes)
    assert any(n.startswith("STAGE: answer values 'exploration'") for n in exported.not_mapped)
    assert import_questionnaire("cs.lss", exported.data).instrument.scale_of("STAGE").values() == \
        instrument.scale_of("STAGE").values()


@pytest.mark.parametrize("fixture", ["branch_limesurvey5.lss", "hotel_limesurvey3.lss"])
@pytest.mark.parametrize("fmt", ["lss", "surveyjs", "yaml"])
def test_an_imported_file_exported_again_imports_to_the_same_instrument(fixture, fmt):
    first = _read(fixture).instrument
    exported = export_questionnaire(first, fmt)
    again = import_questionnaire("again" + exported.suffix, exported.data)
    assert again.instrument.model_copy(update={"id": first.id}) == first
    assert ROLES_NOTE not in again.not_mapped  # the roles given on the first import travel as custom data


def test_hand_edited_custom_data_is_listed_not_trusted():
    data = export_questionnaire(validate_instrument(SMALL, source="small"), "lss").data
    data = data.replace(b"&quot;role&quot;: &quot;recommend&quot;", b"&quot;role&quot;: &quot;owner&quot;")
    data = data.replace(b'"role": "recommend"', b'"role": "owner"')
    imported = import_questionnaire("edited.lss", data)
    assert imported.instrument.item("NPS").role == "attribute"
    assert "NPS: unknown role 'owner' not mapped" in imported.not_mapped
