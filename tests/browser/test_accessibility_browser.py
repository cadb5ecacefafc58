"""Accessibility in a real browser (issue 19): axe-core finds no violation on survey and console pages in zh and
en, on a phone and a desktop; a keyboard alone answers a page; the language switch keeps the answers; Enter means
Next; an error summary's links move the focus; Back after the thank-you page says "already submitted".

axe-core comes from the PyPI package axe-playwright-python (its bundled axe.min.js, requirements-test.txt).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from instruments.registry import get_instrument
from survey_app.extensions import db
from survey_app.services.instruments import sync_instruments
from survey_app.services.surveys import create_survey
from survey_app.services.users import create_user

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SCREENS = {"phone": PHONE, "desktop": DESKTOP}
PASSWORD = "console password 1"
#: the question kinds of the shipped instruments, each of which the survey walk below must meet
SHIPPED_KINDS = {"single", "rating", "likert", "nps", "numeric", "text"}
AXE = Axe()


@pytest.fixture
def surveys(app) -> None:
    """The two shipped questionnaires as surveys (customer: identified; employee: anonymous), and an admin."""
    with app.app_context():
        sync_instruments()
        create_survey(slug="customer", instrument_keys=["customer_satisfaction"])
        create_survey(slug="staff", instrument_keys=["employee_satisfaction"], anonymous=True)
        create_user("admin@example.com", PASSWORD, role="admin")
        db.session.commit()


def _no_violations(page: Page, what: str, shots: Path) -> None:
    """axe-core's WCAG 2.x A/AA and best-practice rules on the page as shown; a screenshot is kept beside."""
    page.screenshot(path=shots / f"{re.sub(r'[^a-z0-9]+', '-', what.lower())}.png", full_page=True)
    violations = AXE.run(page).response["violations"]
    found = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in violations]
    assert found == [], f"{what}: {found}"


def _answer_visible(page: Page) -> set[str]:
    """Answer every visible question with a mouse or a finger; returns the kinds of the questions met."""
    kinds = set()
    for _pass in range(4):  # an answer can reveal a follow-up question, and its answer another
        for question in page.locator(".question:visible").all():
            kind = re.search(r"\bq-(\w+)", question.get_attribute("class")).group(1)
            kinds.add(kind)
            if kind == "numeric":
                question.locator("input").fill("3")
            elif kind == "text":
                question.locator("textarea").fill("fine")
            elif question.locator("input:checked").count() == 0:
                options = question.locator("label.option")
                options.nth(max(options.count() - 2, 0)).click()
    return kinds


def _next(page: Page) -> None:
    page.locator("form.survey-form button[name=nav][value=next]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_survey_pages_have_no_axe_violations(app, live_server, browser, surveys, tmp_path, lang, screen):
    context = browser.new_context(viewport=SCREENS[screen], locale="zh-CN" if lang == "zh" else "en-US")
    page = context.new_page()
    page.goto(f"{live_server}/s/customer?lang={lang}")
    # a page with its error summary: Next with nothing answered
    _next(page)
    expect(page.locator("#error-summary")).to_be_visible()
    _no_violations(page, f"{lang} {screen} customer errors", tmp_path)
    kinds: set[str] = set()
    for number in range(1, len(get_instrument("customer_satisfaction").pages) + 1):
        _no_violations(page, f"{lang} {screen} customer page {number}", tmp_path)
        kinds |= _answer_visible(page)
        _next(page)
    assert "thanks" in page.url, page.locator("#error-summary").all_inner_texts()
    assert kinds >= SHIPPED_KINDS, kinds
    _no_violations(page, f"{lang} {screen} thanks", tmp_path)
    page.go_back()
    expect(page.locator("h1")).to_have_text("您已提交过答卷" if lang == "zh" else
                                            "You have already submitted your answers")
    _no_violations(page, f"{lang} {screen} already submitted", tmp_path)
    # the anonymous survey's first page, with its anonymity statement
    page.goto(f"{live_server}/s/staff?lang={lang}")
    expect(page.locator(".anonymity")).to_be_visible()
    _no_violations(page, f"{lang} {screen} staff page 1", tmp_path)
    context.close()


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_console_pages_have_no_axe_violations(app, live_server, browser, surveys, tmp_path, lang, screen):
    context = browser.new_context(viewport=SCREENS[screen])
    page = context.new_page()
    page.goto(f"{live_server}/admin/login?lang={lang}")
    _no_violations(page, f"{lang} {screen} console login", tmp_path)
    page.locator("#email").fill("admin@example.com")
    page.locator("#password").fill(PASSWORD)
    page.locator("form.admin-form button[type=submit]").click()
    page.wait_for_url(f"{live_server}/admin/")
    _no_violations(page, f"{lang} {screen} console surveys", tmp_path)
    page.goto(f"{live_server}/admin/surveys/customer")
    _no_violations(page, f"{lang} {screen} console survey", tmp_path)
    page.goto(f"{live_server}/admin/surveys/new")
    _no_violations(page, f"{lang} {screen} console new survey", tmp_path)
    page.locator("#slug").fill("Not a slug!")
    page.locator("form.admin-form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#slug")).to_have_attribute("aria-invalid", "true")
    _no_violations(page, f"{lang} {screen} console new survey errors", tmp_path)
    context.close()


def test_a_keyboard_alone_answers_a_page_and_reaches_the_next(app, live_server, browser, surveys):
    page = browser.new_context(viewport=DESKTOP).new_page()
    page.goto(f"{live_server}/s/customer?lang=en")
    questions = page.locator("fieldset.question:visible")
    count = questions.count()
    assert count > 1
    page.keyboard.press("Tab")  # the skip link first
    expect(page.locator(".skip-link")).to_be_focused()
    first_name = questions.nth(0).locator("input").first.get_attribute("name")
    for _ in range(8):  # past the language buttons and the progress bar to the first question
        if page.evaluate("document.activeElement.name") == first_name:
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == first_name
    for index in range(count):
        question = questions.nth(index)
        focused = page.evaluate_handle("document.activeElement")
        assert question.evaluate("(q, el) => q.contains(el)", focused), f"question {index + 1} has the focus"
        # the focus ring: an outline in the stylesheet's focus colour
        assert page.evaluate("getComputedStyle(document.activeElement).outlineColor") == "rgb(179, 89, 0)"
        page.keyboard.press("Space")  # the first option
        page.keyboard.press("ArrowRight")  # one further: the second option is chosen
        expect(question.locator("input").nth(1)).to_be_checked()
        if index < count - 1:
            page.keyboard.press("Tab")  # on to the next question's radio group
    page.keyboard.press("Enter")  # on a radio button: the form's default button, Next
    page.wait_for_url(re.compile(r"page=2"))
    expect(page.locator(".progress-text")).to_contain_text("Page 2 of")


def test_enter_goes_to_the_next_page_not_back(app, live_server, browser, surveys):
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server}/s/customer?lang=en")
    _answer_visible(page)
    _next(page)
    expect(page.locator(".progress-text")).to_contain_text("Page 2 of")
    expect(page.locator(".lang-switch button[hidden]")).to_be_hidden()  # the default button is not shown
    page.locator("fieldset.question").first.locator("label.option").first.click()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    # Next checks the page: an unanswered page 2 stays (with its error summary), it never goes back to page 1
    expect(page.locator(".progress-text")).to_contain_text("Page 2 of")
    expect(page.locator("#error-summary")).to_be_visible()


def test_switching_language_keeps_the_ticked_answers(app, live_server, browser, surveys):
    page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    page.goto(f"{live_server}/s/customer?lang=zh")
    unit, rating = page.locator("fieldset.question").nth(0), page.locator("fieldset.q-rating").nth(1)
    unit.locator("label.option").nth(2).click()
    rating.locator("label.option").nth(4).click()
    page.get_by_role("button", name="English").click()
    page.wait_for_url(re.compile(r"lang=en"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".progress-text")).to_contain_text("Page 1 of")
    expect(page.locator("fieldset.question").nth(0).locator("input").nth(2)).to_be_checked()
    expect(page.locator("fieldset.q-rating").nth(1).locator("input").nth(4)).to_be_checked()
    expect(page.locator("input:checked")).to_have_count(2)
    expect(page.locator("#error-summary")).to_have_count(0)  # a switch asks for no missing answer
    page.get_by_role("button", name="中文").click()
    page.wait_for_url(re.compile(r"lang=zh"))
    expect(page.locator("fieldset.question").nth(0).locator("input").nth(2)).to_be_checked()


def test_an_error_summary_link_puts_the_focus_on_its_question(app, live_server, browser, surveys):
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server}/s/customer?lang=en")
    _next(page)
    expect(page.locator("#error-summary")).to_be_focused()
    link = page.locator("#error-summary a").nth(2)
    target = link.get_attribute("href").removeprefix("#")
    link.click()
    focused = page.evaluate("document.activeElement.closest('.question') && "
                            "document.activeElement.closest('.question').id")
    assert focused == target
    # the keyboard then answers it where the focus is
    page.keyboard.press("Space")
    expect(page.locator(f"#{target} input").first).to_be_checked()


def test_scale_anchors_and_required_groups_reach_the_accessibility_tree(app, live_server, browser, surveys):
    page = browser.new_context(viewport=DESKTOP).new_page()
    page.goto(f"{live_server}/s/customer?lang=en")
    rating = page.locator("fieldset.q-rating").first
    anchors = rating.locator(".anchors").inner_text()
    assert "1 = " in anchors and "10 = " in anchors
    for option in (rating.get_by_role("radio", name="1", exact=True), rating.get_by_role("radio", name="7")):
        expect(option).to_have_accessible_description(re.compile(r"^1 = .+ 10 = .+$"))
    group = page.get_by_role("radiogroup").first
    expect(group).to_have_attribute("aria-required", "true")
    expect(group).to_have_accessible_name(re.compile(r".+"))


def test_back_after_the_thank_you_page_says_already_submitted(app, live_server, browser, surveys):
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server}/s/staff?lang=en")
    for _ in range(len(get_instrument("employee_satisfaction").pages)):
        _answer_visible(page)
        _next(page)
    assert "thanks" in page.url
    page.go_back()
    expect(page.locator("h1")).to_have_text("You have already submitted your answers")
    expect(page.locator("form.survey-form")).to_have_count(0)
    page.go_back()
    expect(page.locator("h1")).to_have_text("You have already submitted your answers")
    # a shared device lets the next person start afresh
    page.get_by_role("button", name="Start a new response").click()
    page.wait_for_load_state()
    expect(page.locator(".progress-text")).to_contain_text("Page 1 of")
    expect(page.locator("input:checked")).to_have_count(0)


def test_the_axe_check_finds_the_old_new_survey_form_fault(browser, tmp_path):
    page = browser.new_context(viewport=DESKTOP).new_page()
    page.set_content('<!doctype html><html lang="en"><head><title>t</title></head><body><main><form>'
                     '<label for="slug">Link name</label><input id="slug" name="slug" aria-invalid="None">'
                     '</form></main></body></html>')
    with pytest.raises(AssertionError, match="aria-valid-attr-value"):
        _no_violations(page, "old new survey form", tmp_path)
