"""The questionnaire editor in a real browser, by a manager in Chinese and in English, on a phone and a desktop:
a blank draft gets a likert question measuring a new construct, an NPS question and a single choice."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Survey
from survey_app.services.instruments import sync_instruments
from survey_app.services.surveys import instrument_of
from survey_app.services.users import create_user

PASSWORD = "manager password 1"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
WORDS = {
    "zh": {"login": "登录", "create": "创建问卷", "add": "添加", "save": "保存题目", "yes": "满意度陷阱"},
    "en": {"login": "Sign in", "create": "Create survey", "add": "Add", "save": "Save the question",
           "yes": "Satisfaction trap"},
}


def _no_sideways_scroll(page) -> None:
    # after the stylesheet and the fonts: a check made while they load measures an unstyled page
    page.wait_for_load_state("load")
    assert page.evaluate("document.fonts.ready.then(() => document.documentElement.scrollWidth"
                         " <= document.documentElement.clientWidth)"), page.url


def _add_question(page, kind: str, fields: dict[str, str], lang: str) -> None:
    page.select_option("#kind-p1", kind)
    page.locator("form.add-question").first.get_by_role("button").click()
    page.wait_for_selector("#code")
    _no_sideways_scroll(page)
    for selector, value in fields.items():
        if selector in ("#role", "#scale_kind"):
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    page.click("#save")
    page.wait_for_selector("#analyses")


@pytest.mark.parametrize(("lang", "viewport"), [("zh", PHONE), ("en", PHONE), ("zh", DESKTOP), ("en", DESKTOP)],
                         ids=["zh-phone", "en-phone", "zh-desktop", "en-desktop"])
def test_build_a_small_survey_in_the_editor(app, live_server, browser, tmp_path, lang, viewport):
    with app.app_context():
        sync_instruments()
        create_user("manager@example.com", PASSWORD, role="manager")
        db.session.commit()
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{live_server}/admin/login?lang={lang}")
    page.fill("#email", "manager@example.com")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name=WORDS[lang]["login"]).click()
    page.wait_for_url(f"{live_server}/admin/")

    page.goto(f"{live_server}/admin/surveys/new")
    page.fill("#slug", "team-poll")
    page.check("#start-1")  # a blank questionnaire
    page.get_by_role("button", name=WORDS[lang]["create"]).click()
    page.wait_for_url(f"{live_server}/admin/surveys/team-poll/questionnaire")

    _add_question(page, "likert", {"#code": "CARE", "#text_zh": "员工很关心我", "#text_en": "Staff care about me",
                                   "#role": "satisfaction", "#new_construct": "Care", "#new_construct_zh": "关怀",
                                   "#new_construct_en": "Care"}, lang)
    # a question with its English text left out is refused, the missing text marked beside its field
    page.select_option("#kind-p1", "nps")
    page.locator("form.add-question").first.get_by_role("button").click()
    page.fill("#code", "NPS")
    page.fill("#text_zh", "您有多大可能推荐我们？")
    page.click("#save")
    assert page.locator("#text_en-error").is_visible()
    assert page.locator("#text_en").get_attribute("aria-invalid") == "true"
    page.screenshot(path=str(tmp_path / f"question-error-{lang}-{viewport['width']}.png"), full_page=True)
    page.fill("#text_en", "How likely are you to recommend us?")
    page.click("#save")
    page.wait_for_selector("#analyses")
    _add_question(page, "single", {"#code": "TEAM", "#text_zh": "您在哪个团队？", "#text_en": "Which team are you in?",
                                   "#option_0_zh": "销售", "#option_0_en": "Sales", "#option_1_zh": "服务",
                                   "#option_1_en": "Service", "#role": "other"}, lang)

    # keyboard: the move buttons are reachable and work with Enter
    page.get_by_role("button", name={"zh": "上移 TEAM", "en": "Move up TEAM"}[lang]).focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#analyses")
    _no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / f"editor-{lang}-{viewport['width']}.png"), full_page=True)

    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="team-poll"))
        instrument = instrument_of(survey)
        assert survey.status == "draft"
        assert [item.code for item in instrument.items] == ["Q1", "CARE", "TEAM", "NPS"]
        assert instrument.item("CARE").construct == "Care" and instrument.item("CARE").role == "satisfaction"
        assert instrument.scale_of("NPS").kind == "nps" and instrument.item("NPS").role == "recommend"
        assert [o.label.en for o in instrument.scale_of("TEAM").options] == ["Sales", "Service"]
    supported = page.locator("#analyses li.supported").all_inner_texts()
    assert any("NPS" in text for text in supported)
