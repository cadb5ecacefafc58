"""The questionnaire editor through the test client: a draft built with every kind of question, saved, reloaded,
exported as YAML and imported again; errors beside their field; a second tab's older copy refused."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from survey_app.extensions import db
from survey_app.models import Survey
from survey_app.services.surveys import instrument_of
from survey_app.services.users import create_user
from tests.conftest import csrf_token

PASSWORD = "correct horse battery"


@pytest.fixture
def signed_in(app, client, runner):
    runner.invoke(args=["instruments", "load"])
    with app.app_context():
        create_user("manager@example.com", PASSWORD, role="manager")
        create_user("other@example.com", PASSWORD, role="manager")
        db.session.commit()
    page = client.get("/admin/login?lang=en")
    client.post("/admin/login", data={"csrf_token": csrf_token(page.text), "email": "manager@example.com",
                                      "password": PASSWORD})
    return csrf_token(client.get("/admin/?lang=en").text)


def _survey(app, slug="poll") -> Survey:
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        db.session.expunge(survey)
        return survey


def _revision(html: str) -> str:
    return re.search(r'name="revision" value="(\d+)"', html)[1]


def _new_blank(client, token, slug="poll"):
    made = client.post("/admin/surveys/new", data={"csrf_token": token, "slug": slug, "start": "blank",
                                                   "languages": ["zh", "en"]})
    assert made.status_code == 302 and made.headers["Location"].endswith(f"/admin/surveys/{slug}/questionnaire")


def _add(client, slug, token, kind, page, fields, *, code_rev=None):
    url = f"/admin/surveys/{slug}/questionnaire/new?kind={kind}&page={page}&lang=en"
    form = client.get(url)
    assert form.status_code == 200
    data = {"csrf_token": token, "revision": code_rev or _revision(form.text), "action": "save"}
    # the form's own defaults (scale, kind, rows), then the fields of the test
    for name, value in re.findall(r'<input type="(?:text|hidden)" id="[^"]*" name="([^"]+)" value="([^"]*)"',
                                  form.text):
        data.setdefault(name, value)
    for name, value in re.findall(r'<input type="hidden" name="(option_rows)" value="([^"]*)"', form.text):
        data[name] = value
    for select in re.findall(r'<select id="([^"]+)" name="[^"]+">(.*?)</select>', form.text, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', select[1])
        if chosen:
            data.setdefault(select[0], chosen[1])
    if "required" in form.text and 'name="required" value="y" checked' in form.text:
        data["required"] = "y"
    data.update(fields)
    return client.post(url, data=data)


def test_a_questionnaire_with_every_kind_is_built_saved_exported_and_imported(app, client, signed_in):
    token = signed_in
    _new_blank(client, token)
    survey = _survey(app)
    assert survey.status == "draft"
    overview = client.get("/admin/surveys/poll/questionnaire?lang=en")
    assert "Overall, how satisfied are you?" in overview.text and "Satisfaction trap" in overview.text

    saved = _add(client, "poll", token, "likert", "p1", {
        "code": "SERV1", "text_zh": "服务很周到", "text_en": "The service is attentive", "role": "attribute",
        "new_construct": "Service", "new_construct_zh": "服务", "new_construct_en": "Service"})
    assert saved.status_code == 302, saved.text
    for code, kind, fields in [
        ("SERV2", "likert", {"construct": "Service", "reverse": "y"}),
        ("LOY", "rating", {"role": "loyalty"}),
        ("NPS", "nps", {"role": "recommend"}),
        ("CHANNEL", "single", {"option_0_value": "web", "option_0_zh": "网站", "option_0_en": "Website",
                               "option_1_value": "shop", "option_1_zh": "门店", "option_1_en": "Shop"}),
        ("USES", "multiple", {"option_0_value": "1", "option_0_zh": "早上", "option_0_en": "Morning",
                              "option_1_value": "2", "option_1_zh": "晚上", "option_1_en": "Evening",
                              "required": ""}),
        ("VISITS", "numeric", {"scale_min": "0", "scale_max": "365", "role": "other"}),
        ("COMMENT", "text", {"required": "", "help_zh": "可选", "help_en": "Optional"}),
    ]:
        reply = _add(client, "poll", token, kind, "p1", {"code": code, "text_zh": f"{code} 题", "text_en": f"{code}?",
                                                         **fields})
        assert reply.status_code == 302, (code, reply.text[:3000])
    kano = _add(client, "poll", token, "kano", "", {"attribute": "wifi", "code_a": "WIFI_F", "code_b": "WIFI_D",
                                                   "text_a_zh": "如果有无线网络", "text_a_en": "If there is wifi",
                                                   "text_b_zh": "如果没有无线网络", "text_b_en": "If there is no wifi",
                                                   "page_title_zh": "特性", "page_title_en": "Features"})
    assert kano.status_code == 302, kano.text
    servqual = _add(client, "poll", token, "servqual", "p1", {
        "attribute": "speed", "code_a": "SPEED_E", "code_b": "SPEED_P", "text_a_zh": "优秀的公司很快",
        "text_a_en": "Excellent firms are fast", "text_b_zh": "这家公司很快", "text_b_en": "This firm is fast"})
    assert servqual.status_code == 302, servqual.text

    instrument = instrument_of(_survey(app))
    kinds = {instrument.scale_of(item).kind for item in instrument.items}
    assert kinds == {"likert", "rating", "nps", "single", "multiple", "numeric", "text"}
    assert [item.role for item in instrument.items if item.attribute == "wifi"] == ["kano_functional",
                                                                                   "kano_dysfunctional"]
    assert instrument.item("SERV2").reverse and instrument.item("SERV2").construct == "Service"
    assert instrument.item("COMMENT").help.en == "Optional" and not instrument.item("COMMENT").required
    spec = instrument.model_spec()
    assert spec["kano"] and spec["servqual"] and spec["outcomes"]["recommend"] == "NPS"
    assert _survey(app).questionnaire_revision == 10

    reloaded = client.get("/admin/surveys/poll/questionnaire/questions/CHANNEL?lang=en")
    assert 'value="Website"' in reloaded.text and 'value="shop"' in reloaded.text
    overview = client.get("/admin/surveys/poll/questionnaire?lang=en")
    assert re.search(r"Satisfaction trap</strong>:\s*<span class=\"yes\">", overview.text)
    assert re.search(r"Kano categories</strong>:\s*<span class=\"yes\">", overview.text)

    exported = client.get("/admin/surveys/poll/questionnaire.yaml")
    assert exported.status_code == 200 and "filename=poll-questionnaire.yaml" in exported.headers["Content-Disposition"]
    document = yaml.safe_load(exported.data)
    assert [i["code"] for p in document["pages"] for i in p["items"]][:3] == ["Q1", "SERV1", "SERV2"]

    _new_blank(client, token, slug="copy-poll")
    page = client.get("/admin/surveys/copy-poll/questionnaire?lang=en")
    imported = client.post("/admin/surveys/copy-poll/questionnaire/import", data={
        "csrf_token": token, "revision": _revision(page.text),
        "file": (io.BytesIO(exported.data), "poll.yaml")}, content_type="multipart/form-data")
    assert imported.status_code == 200 and "Questionnaire imported." in imported.text
    assert instrument_of(_survey(app, "copy-poll")) == instrument


def test_moving_and_deleting_questions_and_pages(app, client, signed_in):
    token = signed_in
    _new_blank(client, token)
    _add(client, "poll", token, "nps", "p1", {"code": "NPS", "text_zh": "推荐", "text_en": "Recommend"})
    _add(client, "poll", token, "text", "", {"code": "WHY", "text_zh": "为什么", "text_en": "Why",
                                            "page_title_zh": "原因", "page_title_en": "Reasons"})

    def codes():
        return [[item.code for item in page.items] for page in instrument_of(_survey(app)).pages]

    def post(path):
        page = client.get("/admin/surveys/poll/questionnaire")
        return client.post(f"/admin/surveys/poll/questionnaire/{path}", data={"csrf_token": token,
                                                                             "revision": _revision(page.text)})
    assert codes() == [["Q1", "NPS"], ["WHY"]]
    post("questions/NPS/up")
    assert codes() == [["NPS", "Q1"], ["WHY"]]
    post("questions/Q1/down")  # past the end of its page: to the start of the next
    assert codes() == [["NPS"], ["Q1", "WHY"]]
    post("pages/p2/up")
    assert codes() == [["Q1", "WHY"], ["NPS"]]
    post("questions/WHY/delete")
    post("pages/p2/delete")
    assert codes() == [["NPS"]]
    refused = post("questions/NPS/delete")
    assert refused.status_code == 302 and codes() == [["NPS"]]
    assert "at least one" in client.get("/admin/surveys/poll/questionnaire?lang=en").text
    assert post("questions/NOPE/up").status_code == 404


def test_errors_are_shown_beside_their_field_and_the_input_is_kept(app, client, signed_in):
    token = signed_in
    _new_blank(client, token)
    missing = _add(client, "poll", token, "likert", "p1", {"code": "A1", "text_zh": "很好", "text_en": ""})
    assert missing.status_code == 422
    assert re.search(r'id="text_en"[^>]*aria-invalid="true"', missing.text)
    assert 'id="text_en-error">this text is missing in English' in missing.text
    assert 'value="很好"' in missing.text and 'value="A1"' in missing.text

    duplicate = _add(client, "poll", token, "likert", "p1", {"code": "Q1", "text_zh": "好", "text_en": "Good"})
    assert 'id="code-error">another question already has the code' in duplicate.text

    bad_code = _add(client, "poll", token, "likert", "p1", {"code": "1x", "text_zh": "好", "text_en": "Good"})
    assert 'id="code-error">A code starts with a letter' in bad_code.text

    bad_range = _add(client, "poll", token, "rating", "p1", {"code": "R", "text_zh": "好", "text_en": "Good",
                                                            "scale": "", "scale_min": "5", "scale_max": "2"})
    assert 'id="scale_min-error">the lowest point must be below the highest' in bad_range.text

    same_value = _add(client, "poll", token, "single", "p1", {
        "code": "S", "text_zh": "选", "text_en": "Pick", "option_0_value": "1", "option_0_zh": "甲",
        "option_0_en": "A", "option_1_value": "1", "option_1_zh": "乙", "option_1_en": "B"})
    assert 'id="option_1_value-error">two options have the value 1' in same_value.text

    no_label = _add(client, "poll", token, "single", "p1", {
        "code": "S", "text_zh": "选", "text_en": "Pick", "option_0_value": "1", "option_0_zh": "甲",
        "option_0_en": "", "option_1_value": "2", "option_1_zh": "乙", "option_1_en": "B"})
    assert 'id="option_0_en-error">this text is missing in English' in no_label.text

    unpaired = _add(client, "poll", token, "likert", "p1", {"code": "K", "text_zh": "好", "text_en": "Good",
                                                           "role": "kano_functional"})
    assert 'id="attribute-error">this role needs an attribute name' in unpaired.text

    zh = client.get("/admin/surveys/poll/questionnaire/new?kind=likert&page=p1&lang=zh")
    missing_zh = client.post("/admin/surveys/poll/questionnaire/new?kind=likert&page=p1", data={
        "csrf_token": token, "revision": _revision(zh.text), "action": "save", "code": "A2", "text_zh": "",
        "text_en": "Fine", "scale": "likert5", "scale_kind": "likert", "role": "attribute"})
    assert "此文本缺少中文" in missing_zh.text
    assert instrument_of(_survey(app)).items[-1].code == "Q1"  # nothing was stored


def test_a_second_tab_cannot_overwrite(app, client, signed_in):
    token = signed_in
    _new_blank(client, token)
    first = client.get("/admin/surveys/poll/questionnaire/pages/p1?lang=en")
    second = client.get("/admin/surveys/poll/questionnaire/pages/p1?lang=en")
    saved = client.post("/admin/surveys/poll/questionnaire/pages/p1", data={
        "csrf_token": token, "revision": _revision(first.text), "title_zh": "开始", "title_en": "Start",
        "intro_zh": "欢迎", "intro_en": "Welcome"})
    assert saved.status_code == 302
    stale = client.post("/admin/surveys/poll/questionnaire/pages/p1", data={
        "csrf_token": token, "revision": _revision(second.text), "title_zh": "旧", "title_en": "Old"},
        follow_redirects=True)
    assert "changed elsewhere" in stale.text
    page = instrument_of(_survey(app)).pages[0]
    assert page.title.en == "Start" and page.intro.en == "Welcome"


def test_start_from_modules_or_an_earlier_survey_and_access(app, client, signed_in):
    token = signed_in
    made = client.post("/admin/surveys/new", data={"csrf_token": token, "slug": "from-modules", "start": "modules",
                                                   "instruments": ["kano"], "languages": ["zh", "en"]})
    assert made.status_code == 302 and _survey(app, "from-modules").status == "draft"
    copied = client.post("/admin/surveys/new", data={"csrf_token": token, "slug": "copied", "start": "copy",
                                                     "copy_from": "from-modules", "languages": ["zh", "en"]})
    assert copied.status_code == 302
    assert instrument_of(_survey(app, "copied")) == instrument_of(_survey(app, "from-modules"))
    nothing = client.post("/admin/surveys/new?lang=en", data={"csrf_token": token, "slug": "nothing",
                                                              "start": "copy", "languages": ["zh"]})
    assert "Choose the survey to copy." in nothing.text
    assert 'href="/admin/surveys/copied/questionnaire"' in client.get("/admin/surveys/copied").text

    client.post("/admin/logout", data={"csrf_token": token})
    page = client.get("/admin/login?lang=en")
    client.post("/admin/login", data={"csrf_token": csrf_token(page.text), "email": "other@example.com",
                                      "password": PASSWORD})
    assert client.get("/admin/surveys/copied/questionnaire").status_code == 404
    assert client.get("/admin/surveys/copied/questionnaire.yaml").status_code == 404


FIXTURES = Path(__file__).parents[1] / "instruments" / "fixtures"


@pytest.mark.parametrize("fmt, suffix", [("lss", "lss"), ("surveyjs", "json")])
def test_limesurvey_and_surveyjs_files_go_out_and_back_through_the_console(app, client, signed_in, fmt, suffix):
    token = signed_in
    made = client.post("/admin/surveys/new", data={"csrf_token": token, "slug": "modules", "start": "modules",
                                                   "instruments": ["customer_satisfaction"], "languages": ["zh", "en"]})
    assert made.status_code == 302
    exported = client.get(f"/admin/surveys/modules/questionnaire.{fmt}")
    assert exported.status_code == 200 and f"modules-questionnaire.{suffix}" in exported.headers["Content-Disposition"]
    _new_blank(client, token, slug="copy")
    page = client.get("/admin/surveys/copy/questionnaire?lang=en")
    imported = client.post("/admin/surveys/copy/questionnaire/import", data={
        "csrf_token": token, "revision": _revision(page.text),
        "file": (io.BytesIO(exported.data), f"copy.{suffix}")}, content_type="multipart/form-data")
    assert imported.status_code == 200 and 'id="not-mapped"' not in imported.text
    assert instrument_of(_survey(app, "copy")).items == instrument_of(_survey(app, "modules")).items


def test_a_foreign_file_lists_what_did_not_map_on_the_page_not_in_the_session(app, client, signed_in):
    token = signed_in
    _new_blank(client, token)
    page = client.get("/admin/surveys/poll/questionnaire?lang=zh")
    imported = client.post("/admin/surveys/poll/questionnaire/import?lang=zh", data={
        "csrf_token": token, "revision": _revision(page.text),
        "file": (io.BytesIO((FIXTURES / "branch_limesurvey5.lss").read_bytes()), "branch.lss")},
        content_type="multipart/form-data")
    assert imported.status_code == 200
    listed = re.search(r'<div class="flash flash-warning" role="status" id="not-mapped">(.*?)</div>', imported.text,
                       re.S)
    assert listed and "未导入" in listed[1] and listed[1].count("<li") >= 3
    assert [i.code for i in instrument_of(_survey(app)).items]  # the questionnaire was replaced
    # still signed in: the list did not go into the session cookie
    assert client.get("/admin/surveys/poll/questionnaire?lang=en").status_code == 200
