"""Exported SurveyJS models loaded by the real client library (survey-core under Node.js, tests/js/).

``make install-test`` installs the pinned survey-core with ``npm ci``; this test fails, never skips, when Node.js
or the package is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from instruments.flow import visible_items, walk
from instruments.interchange import export_questionnaire
from instruments.registry import load_instruments, validate_instrument
from instruments.schema import POINT_KINDS, Instrument
from tests.instruments.conftest import LOGIC, SMALL
from tests.instruments.test_interchange_logic import RESPONDENTS

JS_DIR = Path(__file__).resolve().parents[1] / "js"
TYPES = {"single": "radiogroup", "multiple": "checkbox", "numeric": "text", "text": "comment"}


def _load(tmp_path: Path, models: dict[str, bytes], answers: dict[str, dict] | None = None) -> dict[str, dict]:
    node = shutil.which("node")
    assert node, "Node.js is needed for this test: install the Debian package nodejs (make install-test)"
    assert (JS_DIR / "node_modules" / "survey-core" / "package.json").exists(), \
        "survey-core is not installed: run `make install-test` (npm ci in tests/js)"
    arguments = []
    for name, data in models.items():
        path = tmp_path / f"{name}.json"
        path.write_bytes(data)
        argument = str(path)
        if answers and name in answers:
            answer_path = tmp_path / f"{name}.answers.json"
            answer_path.write_text(json.dumps(answers[name]))
            argument += f"={answer_path}"
        arguments.append(argument)
    done = subprocess.run([node, str(JS_DIR / "load_model.js"), *arguments], capture_output=True, text=True,
                          timeout=120, check=False, cwd=JS_DIR)
    assert done.returncode == 0, done.stderr
    reports = [json.loads(line) for line in done.stdout.splitlines()]
    return {Path(r["file"]).stem: r for r in reports}


def _expected_type(instrument: Instrument, code: str) -> str:
    scale = instrument.scale_of(code)
    if scale.kind in POINT_KINDS:
        return "rating"
    if scale.kind == "single" and scale.values() == [1, 0]:
        return "boolean"
    return TYPES[scale.kind]


def test_survey_core_loads_every_exported_instrument_as_written(tmp_path):
    instruments = {**load_instruments(), "small": validate_instrument(SMALL, source="small")}
    reports = _load(tmp_path, {key: export_questionnaire(inst, "surveyjs").data for key, inst in instruments.items()})
    assert set(reports) == set(instruments)
    for key, instrument in instruments.items():
        report = reports[key]
        assert report["errors"] == [], key
        assert report["title"] == {"en": instrument.title.en, "zh": instrument.title.zh}
        assert report["manyi"]["id"] == instrument.id
        assert [p["name"] for p in report["pages"]] == [p.id for p in instrument.pages]
        questions = {q["name"]: q for page in report["pages"] for q in page["questions"]}
        assert list(questions) == [i.code for i in instrument.items], key
        for item in instrument.items:
            question, scale = questions[item.code], instrument.scale_of(item)
            where = f"{key}.{item.code}"
            assert question["type"] == _expected_type(instrument, item.code), where
            assert question["title"] == {"en": item.text.en, "zh": item.text.zh}, where
            assert question["isRequired"] == item.required, where
            assert question["manyi"]["role"] == item.role, where
            if question["type"] in ("radiogroup", "checkbox"):
                assert [c["value"] for c in question["choices"]] == scale.values(), where
                assert [c["text"] for c in question["choices"]] == [
                    {"en": o.label.en, "zh": o.label.zh} for o in scale.options], where
            elif question["type"] == "rating":
                assert question["rates"] == scale.points(), where
            elif question["type"] == "boolean":
                assert question["values"] == [1, 0], where
            elif question["type"] == "text":
                shown = (question["inputType"], question.get("min"), question.get("max"))
                assert shown == ("number", scale.min, scale.max), where
            if item.show_if is not None:
                assert question["visibleIfParses"] is True, where


@pytest.mark.parametrize(("answers", "visible"), [
    ({}, set()),
    ({"PROBLEM": 1, "CHANNELS": ["web", "shop"], "UNIT": "north"}, {"PROBLEM_TEXT", "WEB_OK", "NORTH_OK"}),
    ({"PROBLEM": 0, "CHANNELS": ["shop"], "UNIT": "south"}, set()),
])
def test_survey_core_shows_conditional_questions_as_show_if_says(tmp_path, answers, visible):
    small = validate_instrument(SMALL, source="small")
    report = _load(tmp_path, {"small": export_questionnaire(small, "surveyjs").data}, {"small": answers})["small"]
    conditional = {q["name"]: q["isVisible"] for page in report["pages"] for q in page["questions"]
                   if q["visibleIf"]}
    assert set(conditional) == {"PROBLEM_TEXT", "WEB_OK", "NORTH_OK"}
    assert {name for name, shown in conditional.items() if shown} == visible


# -- logic as the real library runs it ---------------------------------------------------------------------------
def _as_surveyjs(instrument: Instrument, answers: dict) -> dict:
    """Answers by SurveyJS value name: a matrix's rows become one object under the matrix's name."""
    out: dict = {}
    for page in instrument.pages:
        for item in page.items:
            if item.code in answers:
                if item.matrix is not None:
                    out.setdefault(item.matrix, {})[item.code] = answers[item.code]
                else:
                    out[item.code] = answers[item.code]
    return out


@pytest.mark.parametrize("respondent", range(len(RESPONDENTS)))
def test_survey_core_leads_a_respondent_through_exported_logic_as_manyi_does(tmp_path, respondent):
    instrument = validate_instrument(LOGIC, source="logic")
    answers = RESPONDENTS[respondent]
    options = {"walk": True, "locale": "", "variables": {"unit": "North branch"},
               "answers": _as_surveyjs(instrument, answers)}
    report = _load(tmp_path, {"logic": export_questionnaire(instrument, "surveyjs").data}, {"logic": options})["logic"]
    assert report["errors"] == []
    assert all(t["parses"] for t in report["triggers"]) and all(
        p["visibleIfParses"] is not False for p in report["pages"])
    walked = report["walk"]
    assert walked["state"] == "completed", walked
    start, *pages = walked["pages"]
    assert start == {"name": "welcome", "start": True}
    # the same pages (a skip trigger moves on, a complete trigger ends), and on each the same questions
    way = walk(instrument, answers)
    assert [p["name"] for p in pages] == [instrument.pages[i].id for i in way.pages]
    for page, index in zip(pages, way.pages, strict=True):
        visible = [i.code for i in visible_items(instrument.pages[index], way.answers)]
        shown = [row for q in page["questions"] for row in (q["rows"] if q["rows"] is not None else [q["name"]])]
        assert shown == visible, page["name"]


def test_survey_core_shows_piped_answers_and_the_unit(tmp_path):
    instrument = validate_instrument(LOGIC, source="logic")
    options = {"walk": True, "locale": "", "variables": {"unit": "North branch"},
               "answers": _as_surveyjs(instrument, RESPONDENTS[2] | {"NICK": "Ann"})}
    report = _load(tmp_path, {"logic": export_questionnaire(instrument, "surveyjs").data}, {"logic": options})["logic"]
    pages = {p["name"]: p for p in report["walk"]["pages"]}
    assert pages["visits"]["description"] == "These questions are about North branch."
    assert pages["ratings"]["description"] == "You came 5 times last year."
    matrix = pages["ratings"]["questions"][0]
    assert (matrix["name"], matrix["title"]) == ("M", "How do you rate North branch on the following?")
    sat = pages["overall"]["questions"][0]
    assert sat["title"] == "Ann, overall how satisfied are you?"
    assert sat["description"] == "Channels you use: Website, App"
    described = {p["name"]: p for p in report["pages"]}
    assert described["visits"]["questionsOrder"] == "random"
    channels = next(q for q in described["visits"]["questions"] if q["name"] == "CHANNELS")
    assert channels["choicesOrder"] == "random"
    assert report["firstPageIsStarted"] is True
    assert report["completedHtml"]["en"] == "Your views go to the branch manager."
    assert [(t["type"], t["gotoName"]) for t in report["triggers"]] == [("completetrigger", None),
                                                                       ("skiptrigger", "SAT")]
