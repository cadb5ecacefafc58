"""The editor's logic screens through the test client: conditions built row by row and shown in words, skip rules,
matrices made, extended and undone, shuffled orders, piping, welcome and end pages; each problem beside its field,
and a move that would break a condition or a skip refused with the reason."""

from __future__ import annotations

import io
import re

import pytest
import yaml

from survey_app.extensions import db
from survey_app.services import editor
from survey_app.services.surveys import get_survey, instrument_of
from tests.survey_app.test_editor_routes import _new_blank, _revision, _survey, signed_in  # noqa: F401

URL = "/admin/surveys/poll/questionnaire"


def _text(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


#: three pages: a rating, a multiple choice and a numeric; two likert items; a free text
QUESTIONNAIRE = {
    "id": "poll", "version": "1", "title": _text("测验", "Poll"), "languages": ["zh", "en"],
    "scales": {"PRICEY": {"kind": "multiple", "options": [
        {"value": "price", "label": _text("价格", "Price")}, {"value": "wait", "label": _text("等待", "Waiting")}]}},
    "pages": [
        {"id": "p1", "title": _text("第一页", "First"), "items": [
            {"code": "SAT", "text": _text("满意吗", "Satisfied?"), "scale": "rating10", "role": "satisfaction"},
            {"code": "ISSUES", "text": _text("问题", "Issues"), "scale": "PRICEY", "role": "other",
             "required": False},
            {"code": "AGE", "text": _text("年龄", "Age"), "scale": "numeric", "role": "demographic"}]},
        {"id": "p2", "title": _text("第二页", "Second"), "items": [
            {"code": "A1", "text": _text("甲", "Staff"), "scale": "likert5"},
            {"code": "A2", "text": _text("乙", "Speed"), "scale": "likert5"},
            {"code": "NOTE", "text": _text("备注", "Note"), "scale": "text", "role": "open_text", "required": False},
            {"code": "A3", "text": _text("丙", "Price"), "scale": "likert5"}]},
        {"id": "p3", "title": _text("第三页", "Third"), "items": [
            {"code": "WHY", "text": _text("为什么", "Why?"), "scale": "text", "role": "open_text",
             "required": False}]},
    ],
}


@pytest.fixture
def poll(app, client, signed_in):  # noqa: F811
    """A draft holding QUESTIONNAIRE, imported as a manager would; returns the CSRF token."""
    token = signed_in
    _new_blank(client, token)
    page = client.get(URL)
    imported = client.post(f"{URL}/import", data={
        "csrf_token": token, "revision": _revision(page.text),
        "file": (io.BytesIO(yaml.safe_dump(QUESTIONNAIRE, allow_unicode=True).encode()), "poll.yaml")},
        content_type="multipart/form-data")
    assert imported.status_code == 200 and "not-mapped" not in imported.text
    return token


def _post(client, token, path, fields, *, lang="en"):
    """Post ``fields`` to the form at ``path`` (a button of the overview: up, down, delete), as read just now."""
    button = path.rsplit("/", 1)[-1] in ("up", "down", "delete")
    page = client.get(f"{URL}?lang={lang}" if button else f"{URL}/{path}?lang={lang}")
    assert page.status_code == 200, page.text[:2000]
    return client.post(f"{URL}/{path}?lang={lang}", data={"csrf_token": token, "revision": _revision(page.text),
                                                          **fields})


def _instrument(app):
    return instrument_of(_survey(app))


def test_a_condition_is_built_from_earlier_questions_and_shown_in_words(app, client, poll):
    form = client.get(f"{URL}/questions/A1/condition?lang=en").text
    # only questions asked before A1 can be tested
    assert re.findall(r'<option value="(\w+)"', form.split('id="c_0_item"')[1].split("</select>")[0]) == [
        "SAT", "ISSUES", "AGE"]
    shown = client.post(f"{URL}/questions/A1/condition?lang=en", data={
        "csrf_token": poll, "revision": _revision(form), "action": "refresh", "c_rows": "1", "c_0_item": "ISSUES"})
    # the tests and answers that fit a multiple choice
    ops = re.findall(r'<option value="(\w+)"', shown.text.split('id="c_0_op"')[1].split("</select>")[0])
    assert ops == ["contains_any", "contains", "answered", "unanswered"]
    assert 'name="c_0_values" value="price"' in shown.text and 'name="c_0_number"' not in shown.text
    more = client.post(f"{URL}/questions/A1/condition?lang=en", data={
        "csrf_token": poll, "revision": _revision(form), "action": "more", "c_rows": "1", "c_0_item": "SAT"})
    assert 'id="c_1_item"' in more.text and 'name="c_0_number"' in more.text

    saved = _post(client, poll, "questions/A1/condition", {
        "action": "save", "c_rows": "2", "c_join": "all", "c_0_item": "SAT", "c_0_op": "ge", "c_0_number": "7",
        "c_1_item": "ISSUES", "c_1_op": "contains_any", "c_1_values": "price"})
    assert saved.status_code == 302
    condition = _instrument(app).item("A1").show_if.model_dump(by_alias=True)
    assert condition == {"all": [{"item": "SAT", "ge": 7}, {"item": "ISSUES", "contains_any": ["price"]}]}
    overview = client.get(f"{URL}?lang=en").text
    assert "Shown if SAT is at least 7 and ISSUES includes &#39;Price&#39;" in overview
    zh = client.get(f"{URL}?lang=zh").text
    assert "显示条件：SAT 至少为 7 且 ISSUES 包含“价格”" in zh

    # edited again: the rows come back as stored; any of them, each negated or the whole
    again = client.get(f"{URL}/questions/A1/condition?lang=en").text
    assert re.search(r'id="c_0_number" name="c_0_number" value="7"', again)
    assert re.search(r'name="c_1_values" value="price" checked', again)
    _post(client, poll, "questions/A1/condition", {
        "action": "save", "c_rows": "2", "c_join": "any", "c_negate": "y", "c_0_item": "AGE", "c_0_op": "between",
        "c_0_number": "18", "c_0_number2": "30", "c_1_item": "ISSUES", "c_1_op": "unanswered", "c_1_not": "y"})
    condition = _instrument(app).item("A1").show_if.model_dump(by_alias=True)
    assert condition == {"not": {"any": [{"item": "AGE", "between": [18, 30]},
                                         {"not": {"item": "ISSUES", "answered": False}}]}}
    assert ("Shown if not (AGE is between 18 and 30 or not (ISSUES is not answered))"
            in client.get(f"{URL}?lang=en").text)

    removed = _post(client, poll, "questions/A1/condition", {"action": "remove", "c_rows": "1"})
    assert removed.status_code == 302 and _instrument(app).item("A1").show_if is None


def test_a_page_condition(app, client, poll):
    assert "SAT" not in client.get(f"{URL}/pages/p1/condition?lang=en").text.split("<form")[-1]
    saved = _post(client, poll, "pages/p2/condition", {"action": "save", "c_rows": "1", "c_0_item": "SAT",
                                                       "c_0_op": "in", "c_0_values": ["1", "2"]})
    assert saved.status_code == 302
    assert _instrument(app).pages[1].show_if.model_dump(by_alias=True) == {"item": "SAT", "in": [1, 2]}
    assert "Page shown if SAT is one of 1, 2" in client.get(f"{URL}?lang=en").text


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"c_0_item": "ISSUES", "c_0_op": "ge", "c_0_number": "1"}, "c_0_op", "Choose a comparison that fits"),
    ({"c_0_item": "SAT", "c_0_op": "ge", "c_0_number": "many"}, "c_0_value", "Give a number."),
    ({"c_0_item": "SAT", "c_0_op": "in"}, "c_0_value", "Choose at least one answer."),
    ({"c_0_item": "SAT", "c_0_op": "gt", "c_0_number": "12"}, "c_0_value",
     "12 is outside the scale of &#39;SAT&#39; (1 to 10)"),
    ({"c_0_item": "NOTE", "c_0_op": "answered"}, "c_0_item", "Choose a question from the list."),
])
def test_a_wrong_test_is_shown_beside_its_row(app, client, poll, fields, field, message):
    refused = _post(client, poll, "questions/A2/condition", {"action": "save", "c_rows": "1", **fields})
    assert refused.status_code == 422
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', refused.text), refused.text
    assert _instrument(app).item("A2").show_if is None


def test_a_move_that_breaks_a_condition_is_refused_with_the_reason(app, client, poll):
    _post(client, poll, "questions/A2/condition", {"action": "save", "c_rows": "1", "c_0_item": "A1",
                                                   "c_0_op": "ge", "c_0_number": "4"})
    moved = _post(client, poll, "questions/A2/up", {})
    assert moved.status_code == 302
    assert [item.code for item in _instrument(app).pages[1].items] == ["A1", "A2", "NOTE", "A3"]
    assert "question &#39;A1&#39; is not asked before this: a condition tests only earlier answers" in client.get(
        f"{URL}?lang=en").text
    deleted = _post(client, poll, "questions/A1/delete", {})
    assert deleted.status_code == 302 and "there is no question &#39;A1&#39;" in client.get(f"{URL}?lang=en").text
    assert "A1" in [item.code for item in _instrument(app).items]


def test_a_condition_imported_deeper_than_the_builder_is_kept_and_shown_as_text(app, client, poll):
    with app.app_context():
        survey = get_survey("poll")
        data = editor.questionnaire_data(survey)
        data["pages"][1]["items"][1]["show_if"] = {"any": [{"all": [{"item": "SAT", "ge": 9},
                                                                    {"item": "AGE", "lt": 30}]},
                                                           {"item": "ISSUES", "contains": ["wait"]}]}
        editor.store_questionnaire(survey, editor.validated(data), revision=survey.questionnaire_revision)
        db.session.commit()
    form = client.get(f"{URL}/questions/A2/condition?lang=en").text
    words = "(SAT is at least 9 and AGE is below 30) or ISSUES includes &#39;Waiting&#39;"
    assert words in form and 'id="c_0_item"' not in form
    kept = _post(client, poll, "questions/A2/condition", {"action": "save"})
    assert kept.status_code == 302
    assert _instrument(app).item("A2").show_if.any_[0].all_[1].lt == 30


def test_skip_rules_in_order_to_a_later_page_or_the_end(app, client, poll):
    form = client.get(f"{URL}/pages/p1/skips?lang=en").text
    targets = re.findall(r'<option value="(\w+)"', form.split('id="r0_to"')[1].split("</select>")[0])
    assert targets == ["p2", "p3", "end"]  # never this page or one before it
    added = client.post(f"{URL}/pages/p1/skips?lang=en", data={
        "csrf_token": poll, "revision": _revision(form), "action": "more_rules", "rules": "1", "r0_rows": "1",
        "r0_0_item": "SAT", "r0_0_op": "le", "r0_0_number": "3", "r0_to": "end"})
    assert 'id="r1_0_item"' in added.text and re.search(r'id="r0_0_number" name="r0_0_number" value="3"', added.text)
    saved = _post(client, poll, "pages/p1/skips", {
        "action": "save", "rules": "2", "r0_rows": "1", "r0_0_item": "SAT", "r0_0_op": "le", "r0_0_number": "3",
        "r0_to": "end", "r1_rows": "1", "r1_0_item": "ISSUES", "r1_0_op": "contains_any", "r1_0_values": "wait",
        "r1_to": "p3"})
    assert saved.status_code == 302
    rules = [(rule.if_.model_dump(by_alias=True), rule.to) for rule in _instrument(app).pages[0].skip_to]
    assert rules == [({"item": "SAT", "le": 3}, "end"), ({"item": "ISSUES", "contains_any": ["wait"]}, "p3")]
    overview = client.get(f"{URL}?lang=en").text
    assert "After this page, if SAT is at most 3: go to the end of the survey" in overview
    assert "After this page, if ISSUES includes &#39;Waiting&#39;: go to page 3" in overview

    # the second rule first, then the first deleted: only what is saved counts
    form = client.get(f"{URL}/pages/p1/skips?lang=en").text
    swapped = client.post(f"{URL}/pages/p1/skips?lang=en", data={
        "csrf_token": poll, "revision": _revision(form), "action": "up_1", "rules": "2", "r0_rows": "1",
        "r0_0_item": "SAT", "r0_0_op": "le", "r0_0_number": "3", "r0_to": "end", "r1_rows": "1",
        "r1_0_item": "ISSUES", "r1_0_op": "contains_any", "r1_0_values": "wait", "r1_to": "p3"})
    assert swapped.text.index('name="r0_0_values" value="wait" checked') < swapped.text.index('id="r1_0_number"')

    # a move that would make a skip go back: refused, with the reason
    assert _post(client, poll, "pages/p2/skips", {"action": "save", "rules": "1", "r0_rows": "1", "r0_0_item": "A1",
                                                  "r0_0_op": "answered", "r0_to": "p3"}).status_code == 302
    moved = _post(client, poll, "pages/p3/up", {})
    assert moved.status_code == 302 and [p.id for p in _instrument(app).pages] == ["p1", "p2", "p3"]
    assert "a skip goes forward only: page &#39;p3&#39; is not after this page" in client.get(f"{URL}?lang=en").text

    refused = _post(client, poll, "pages/p2/skips", {"action": "save", "rules": "1", "r0_rows": "1",
                                                     "r0_0_item": "A1", "r0_0_op": "answered", "r0_to": "p1"})
    assert refused.status_code == 422 and 'id="r0_to-error">Choose where to go.' in refused.text


def test_a_matrix_is_made_extended_and_undone(app, client, poll):
    apart = _post(client, poll, "pages/p2/matrix", {"rows": ["A1", "A3"], "text_zh": "评价", "text_en": "Rate"})
    assert apart.status_code == 422
    assert 'id="rows-error">the rows of a matrix follow each other' in apart.text
    mixed = _post(client, poll, "pages/p2/matrix", {"rows": ["A2", "NOTE"], "text_zh": "评价", "text_en": "Rate"})
    assert 'id="rows-error">the rows of a matrix share one scale' in mixed.text
    untitled = _post(client, poll, "pages/p2/matrix", {"rows": ["A1", "A2"], "text_zh": "评价", "text_en": ""})
    assert 'id="text_en-error">this text is missing in English' in untitled.text

    made = _post(client, poll, "pages/p2/matrix", {"rows": ["A1", "A2"], "text_zh": "请评价", "text_en": "Rate us",
                                                   "help_zh": "", "help_en": ""})
    assert made.status_code == 302
    page = _instrument(app).pages[1]
    assert page.matrices["M1"].text.en == "Rate us"
    assert [item.matrix for item in page.items] == ["M1", "M1", None, None]
    assert "Matrix M1</strong>: Rate us" in client.get(f"{URL}?lang=en").text

    row = _post(client, poll, "pages/p2/matrices/M1", {"action": "add_row", "row_code": "A4", "row_text_zh": "丁",
                                                       "row_text_en": "Cleanliness"})
    assert row.status_code == 302
    page = _instrument(app).pages[1]
    assert [(item.code, item.matrix, item.scale) for item in page.items][:3] == [
        ("A1", "M1", "likert5"), ("A2", "M1", "likert5"), ("A4", "M1", "likert5")]
    taken = _post(client, poll, "pages/p2/matrices/M1", {"action": "add_row", "row_code": "A1", "row_text_zh": "戊",
                                                         "row_text_en": "Again"})
    assert 'id="row_code-error">another question already has the code' in taken.text

    # a row moved out of the block is refused; undone, its rows stay as questions
    _post(client, poll, "questions/A4/down", {})
    assert [item.code for item in _instrument(app).pages[1].items][:4] == ["A1", "A2", "A4", "NOTE"]
    assert "the rows of matrix &#39;M1&#39; must follow each other" in client.get(f"{URL}?lang=en").text
    undone = _post(client, poll, "pages/p2/matrices/M1", {"action": "dissolve"})
    assert undone.status_code == 302
    page = _instrument(app).pages[1]
    assert page.matrices == {} and all(item.matrix is None for item in page.items)


def test_shuffled_orders_and_piping(app, client, poll):
    page_form = _post(client, poll, "pages/p2", {"title_zh": "第二页", "title_en": "Second", "randomize": "y"})
    assert page_form.status_code == 302 and _instrument(app).pages[1].randomize
    question = client.get(f"{URL}/questions/ISSUES?lang=en").text
    assert 'id="randomize_options"' in question
    assert "{{unit}}" in question and "{{answer:SAT}}" not in question  # the same page: not known yet
    later = client.get(f"{URL}/questions/A1?lang=en").text
    assert "{{answer:SAT}}" in later and "{{answer:ISSUES}}" in later and 'id="randomize_options"' not in later

    fields = {"action": "save", "code": "A1", "text_zh": "{{answer:SAT}} 分：员工",
              "text_en": "You gave {{answer:SAT}}", "scale": "likert5", "role": "attribute", "required": "y"}
    assert _post(client, poll, "questions/A1", fields).status_code == 302
    assert _instrument(app).item("A1").text.en == "You gave {{answer:SAT}}"
    same_page = _post(client, poll, "questions/A2", {**fields, "code": "A2", "text_en": "After {{answer:A1}}"},
                      lang="zh")
    assert same_page.status_code == 422
    assert 'id="text_en-error">还不知道“A1”的回答：只能插入前面各页的回答' in same_page.text
    unknown = _post(client, poll, "questions/A2", {**fields, "code": "A2", "text_en": "{{answers:SAT}}"})
    assert 'id="text_en-error">unknown placeholder' in unknown.text

    # a rename follows into conditions and placeholders
    renamed = _post(client, poll, "questions/SAT", {"action": "save", "code": "OVERALL", "text_zh": "满意吗",
                                                    "text_en": "Satisfied?", "scale": "rating10",
                                                    "role": "satisfaction", "required": "y"})
    assert renamed.status_code == 302
    assert _instrument(app).item("A1").text.en == "You gave {{answer:OVERALL}}"

    shuffled = _post(client, poll, "questions/ISSUES", {
        "action": "save", "code": "ISSUES", "text_zh": "问题", "text_en": "Issues", "scale": "PRICEY",
        "scale_kind": "multiple", "option_rows": "2", "option_0_value": "price", "option_0_zh": "价格",
        "option_0_en": "Price", "option_1_value": "wait", "option_1_zh": "等待", "option_1_en": "Waiting",
        "role": "other", "randomize_options": "y"})
    assert shuffled.status_code == 302 and _instrument(app).item("ISSUES").randomize_options
    overview = client.get(f"{URL}?lang=en").text
    assert "Options in random order for each respondent" in overview
    assert "Questions in random order for each respondent" in overview


def test_welcome_and_end_pages(app, client, poll):
    bad = _post(client, poll, "welcome", {"welcome_zh": "欢迎", "welcome_en": "Welcome", "minutes": "ten",
                                          "redirect": ""})
    assert bad.status_code == 422 and 'id="minutes-error">Give the minutes as a whole number' in bad.text
    assert 'value="欢迎"' in bad.text
    bad = _post(client, poll, "welcome", {"welcome_zh": "欢迎", "welcome_en": "Welcome", "minutes": "5",
                                          "redirect": "javascript:alert(1)"})
    assert 'id="redirect-error">give a full web address, such as https://example.com' in bad.text
    bad = _post(client, poll, "welcome", {"welcome_zh": "", "welcome_en": "", "minutes": "5"})
    assert 'id="welcome-error">write the welcome text' in bad.text
    half = _post(client, poll, "welcome", {"welcome_zh": "", "welcome_en": "Welcome", "minutes": ""}, lang="zh")
    assert 'id="welcome_zh-error">此文本缺少中文' in half.text
    piped = _post(client, poll, "welcome", {"welcome_zh": "欢迎", "welcome_en": "Welcome to {{unit}}"})
    assert 'id="welcome_en-error">answers cannot be inserted into the welcome and end pages' in piped.text

    saved = _post(client, poll, "welcome", {
        "welcome_zh": "欢迎参加", "welcome_en": "Welcome", "minutes": "4", "privacy_zh": "仅用于改进服务",
        "privacy_en": "Only used to improve", "end_zh": "谢谢", "end_en": "Thanks", "redirect": "https://example.com/x"})
    assert saved.status_code == 302
    instrument = _instrument(app)
    assert instrument.welcome.minutes == 4 and instrument.welcome.privacy.en == "Only used to improve"
    assert instrument.end.text.zh == "谢谢" and instrument.end.redirect == "https://example.com/x"
    overview = client.get(f"{URL}?lang=en").text
    assert "Welcome: Welcome · about 4 minutes · with a privacy notice" in overview
    assert "then to https://example.com/x" in overview

    cleared = _post(client, poll, "welcome", {"welcome_zh": "", "welcome_en": "", "minutes": "", "redirect": ""})
    assert cleared.status_code == 302
    assert _instrument(app).welcome is None and _instrument(app).end is None
