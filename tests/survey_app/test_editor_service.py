"""The editor's operations on instrument data and its one write: validation paths, revisions, answered surveys."""

from __future__ import annotations

import pytest

from survey_app.extensions import db
from survey_app.messages import TranslatableError
from survey_app.services import editor
from survey_app.services.editor import QuestionEdit, QuestionnaireInvalid, ScaleEdit
from survey_app.services.surveys import get_survey, instrument_of


@pytest.fixture
def draft(app):
    with app.app_context():
        editor.create_draft(slug="draft", instrument=editor.blank_questionnaire("draft", ["zh", "en"]),
                                     title=None, languages=["zh", "en"])
        db.session.commit()
    return "draft"


def _edit(code: str, **kwargs) -> QuestionEdit:
    return QuestionEdit(code=code, text={"zh": "题", "en": "Question"}, **kwargs)


def test_a_draft_is_not_answerable_and_each_save_bumps_the_revision(app, draft):
    with app.app_context():
        survey = get_survey(draft)
        assert survey.status == "draft" and survey.questionnaire_revision == 0
        data = editor.save_question(editor.questionnaire_data(survey), _edit("NPS", role="recommend", scale="nps11"),
                                    page_id="p1")
        editor.store_questionnaire(survey, editor.validated(data), revision=0)
        assert survey.questionnaire_revision == 1
        assert [i.code for i in instrument_of(survey).items] == ["Q1", "NPS"]
        with pytest.raises(editor.RevisionConflict):
            editor.store_questionnaire(survey, editor.validated(data), revision=0)


def test_own_scales_constructs_and_renames(app, draft):
    with app.app_context():
        data = editor.questionnaire_data(get_survey(draft))
        choice = ScaleEdit(kind="single", options=[("1", {"zh": "是", "en": "Yes"}), ("x", {"zh": "否", "en": "No"})])
        data = editor.save_question(data, _edit("PICK", scale=editor.OWN_SCALE, scale_edit=choice,
                                                new_construct=("Fit", {"zh": "匹配", "en": "Fit"})), page_id="p1")
        assert data["scales"]["PICK"]["options"][0]["value"] == 1 and data["constructs"]["Fit"]
        data["pages"][0]["items"].append({"code": "WHY", "text": {"zh": "为何", "en": "Why"}, "scale": "text",
                                          "show_if": {"item": "PICK", "in": [1]}})
        data = editor.save_question(data, _edit("CHOICE", scale="PICK", construct="Fit"), old_code="PICK")
        instrument = editor.validated(data)
        assert instrument.item("WHY").show_if.item == "CHOICE" and instrument.item("CHOICE").construct == "Fit"
        data = editor.delete_question(data, "WHY")
        assert "text" not in data["scales"]


@pytest.mark.parametrize(("change", "path", "key"), [
    (lambda d: editor.save_question(d, QuestionEdit(code="A", text={"zh": "甲", "en": ""}, scale="likert5"),
                                    page_id="p1"), ("pages", 0, "items", 1, "text", "en"),
     "this text is missing in %(language)s"),
    (lambda d: editor.save_question(d, _edit("Q1", scale="likert5"), page_id="p1"),
     ("pages", 0, "items", 1, "code"), "another question already has the code %(code)s"),
    (lambda d: editor.save_question(d, _edit("R", scale=editor.OWN_SCALE, scale_edit=ScaleEdit("rating", 5, 1)),
                                    page_id="p1"),
     ("scales", "R", "min"), "the lowest point must be below the highest"),
    (lambda d: editor.save_question(d, _edit("K", role="kano_functional", scale="kano5"), page_id="p1"),
     ("pages", 0, "items", 1, "attribute"), "this role needs an attribute name that pairs it with its partner "
                                            "question"),
    (lambda d: editor.add_pair(d, "kano", page_id="p1", attribute="wifi", first=_edit("F"), second=_edit("F")),
     ("pages", 0, "items", 2, "code"), "another question already has the code %(code)s"),
    (lambda d: editor.save_page(d, "p1", title={"zh": "", "en": "Page"}, intro=None),
     ("pages", 0, "title", "zh"), "this text is missing in %(language)s"),
    (lambda d: editor.delete_question(d, "Q1"), ("pages",),
     "a questionnaire needs at least one question: add another before deleting the last"),
])
def test_problems_name_the_field(app, draft, change, path, key):
    with app.app_context():
        data = editor.questionnaire_data(get_survey(draft))
        with pytest.raises(QuestionnaireInvalid) as caught:
            editor.validated(change(data))
        assert caught.value.path == path
        assert isinstance(caught.value.problem, TranslatableError) and caught.value.problem.key == key


def test_a_language_the_survey_does_not_offer_may_stay_empty(app):
    with app.app_context():
        data = editor.blank_questionnaire("zh-only", ["zh"]).snapshot()
        data = editor.save_question(data, QuestionEdit(code="A", text={"zh": "甲", "en": ""}, scale="likert5"),
                                    page_id="p1")
        assert editor.validated(data).item("A").text.get("en") == "甲"


def test_moves_and_pairs(app, draft):
    with app.app_context():
        data = editor.questionnaire_data(get_survey(draft))
        data = editor.add_pair(data, "servqual", page_id=editor.NEW_PAGE, attribute="speed",
                               first=_edit("E1"), second=_edit("P1"), page_title={"zh": "差距", "en": "Gaps"})
        instrument = editor.validated(data)
        assert [p.id for p in instrument.pages] == ["p1", "p2"]
        assert instrument.model_spec()["servqual"] == [{"attribute": "speed", "dimension": None, "expectation": "E1",
                                                         "perception": "P1"}]
        data = editor.move_question(data, "E1", -1)
        assert [[i["code"] for i in p["items"]] for p in data["pages"]] == [["Q1", "E1"], ["P1"]]
        data = editor.move_page(data, "p2", -1)
        assert [p["id"] for p in data["pages"]] == ["p2", "p1"]
        assert editor.move_page(data, "p2", -1) == data  # the first page stays first


def test_a_survey_with_answers_gets_a_new_version_keeping_old_answers(app, make_survey):
    from survey_app.services.responses import start_response, write_response
    from survey_app.services.survey_versions import versions

    make_survey(slug="answered")
    with app.app_context():
        survey = get_survey("answered")
        editor.store_questionnaire(survey, instrument_of(survey), revision=0)  # no answers yet: stored
        response, _ = start_response(survey, submission_key="k1", language="zh")
        write_response(db.session.connection(), response)
        assert editor.has_responses(survey)
        editor.store_questionnaire(survey, instrument_of(survey), revision=1)
        assert survey.questionnaire_revision == 2 and len(versions(survey)) == 1
