"""A manager builds a whole survey in the browser's questionnaire editor - every kind of question, a matrix, a
condition, skips to a page and to the end, piping of an answer and of the unit, shuffled orders, a welcome page - in
Chinese on a phone and in English on a desktop; a respondent then answers it in the browser, and the answers are
found in the CSV export and in the analysis.

Covered here: 9 question kinds (likert, rating, NPS, single, multiple, numeric, text, Kano pair, SERVQUAL pair);
condition tests ``ge``, ``lt``, ``gt``, ``in``, ``contains_any`` combined by ``all`` and ``any``, a negated test
(``not``); a skip to a page and a skip to the end; ``{{answer:CODE}}`` and ``{{unit}}``; shuffled options and a
shuffled page; a matrix; welcome and end pages.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, Survey, Unit
from survey_app.services.analysis import analyze_survey
from survey_app.services.instruments import sync_instruments
from survey_app.services.surveys import instrument_of
from survey_app.services.synthetic import add_synthetic_responses
from survey_app.services.users import create_user

PASSWORD = "manager password 1"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
#: what the respondent reads, in each language
SEES = {
    "zh": {"minutes": "约 3 分钟", "price": "价格", "waiting": "等待", "unit": "北区", "channel": "网站",
           "features": "特性", "end": "谢谢您的参与！"},
    "en": {"minutes": "About 3 minutes", "price": "Price", "waiting": "Waiting", "unit": "North",
           "channel": "Website", "features": "Features", "end": "Thank you for taking part!"},
}
#: the synthetic responses added beside the respondent's, so that the analysis has a sample to work on
SYNTHETIC = 40


def _shots(tmp_path: Path) -> Path:
    """Where screenshots go: SCREENSHOT_DIR when set (to look at them), else the test's own directory."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _fits(page) -> None:
    # after the stylesheet and the fonts: a check made while they load measures an unstyled page
    page.wait_for_load_state("load")
    assert page.evaluate("document.fonts.ready.then(() => document.documentElement.scrollWidth"
                         " <= document.documentElement.clientWidth)"), page.url


def _overview(page) -> None:
    page.wait_for_selector("#analyses")
    _fits(page)


def _fill(page, fields: dict[str, str | bool]) -> None:
    for selector, value in fields.items():
        if value is True or value is False:
            page.set_checked(selector, value)
        elif page.locator(selector).evaluate("e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)


def _add(page, where: str, kind: str, fields: dict[str, str | bool]) -> None:
    """A question of ``kind`` added to page ``where`` (an id, or "new" for a new page) through the overview."""
    select = "#kind-new-page" if where == "new" else f"#kind-{where}"
    page.select_option(select, kind)
    page.locator(f"form.add-question:has({select}) button").click()
    page.wait_for_selector("#save")
    _fits(page)
    _fill(page, fields)
    page.click("#save")
    _overview(page)


def _texts(zh: str, en: str, name: str = "text") -> dict[str, str]:
    return {f"#{name}_zh": zh, f"#{name}_en": en}


def _test_row(page, prefix: str, k: int, code: str, op: str, *, number: str | None = None,
              values: list[int] = (), negate: bool = False) -> None:
    """Row ``k`` of the builder ``prefix``: the question, its tests shown, the test and its value(s)."""
    row = f"{prefix}{k}_"
    page.select_option(f"#{row}item", code)
    page.locator(f"#{row}item ~ button[value=refresh]").click()
    page.wait_for_selector(f"#{row}op")
    page.select_option(f"#{row}op", op)
    if number is not None:
        page.fill(f"#{row}number", number)
    for index in values:
        page.check(f"#{row}v{index}")
    if negate:
        page.check(f"#{row}not")


def _build(page, live_server: str, lang: str, shots: Path, size: str) -> None:
    """The whole questionnaire, through the editor as a manager would, keyboard-reachable controls only."""
    page.goto(f"{live_server}/admin/surveys/new")
    page.fill("#slug", "full")
    page.check("#start-1")  # a blank questionnaire: Q1, a rating of satisfaction, on page p1
    page.locator("#start-1").press("Enter")
    page.wait_for_url(f"{live_server}/admin/surveys/full/questionnaire")

    # page 1: the unit, a single and a multiple choice (shuffled), a number
    _add(page, "p1", "single", {"#code": "UNIT", **_texts("您在哪个区？", "Which area are you in?"),
                                "#option_0_value": "north", "#option_0_zh": "北区", "#option_0_en": "North",
                                "#option_1_value": "south", "#option_1_zh": "南区", "#option_1_en": "South",
                                "#role": "unit"})
    _add(page, "p1", "single", {"#code": "CHANNEL", **_texts("您通过什么渠道？", "Which channel do you use?"),
                                "#option_0_value": "web", "#option_0_zh": "网站", "#option_0_en": "Website",
                                "#option_1_value": "shop", "#option_1_zh": "门店", "#option_1_en": "Shop",
                                "#role": "other"})
    _add(page, "p1", "multiple", {"#code": "ISSUES", **_texts("遇到过哪些问题？", "Which issues did you meet?"),
                                  "#option_0_value": "price", "#option_0_zh": "价格", "#option_0_en": "Price",
                                  "#option_1_value": "wait", "#option_1_zh": "等待", "#option_1_en": "Waiting",
                                  "#role": "other", "#required": False, "#randomize_options": True})
    _add(page, "p1", "numeric", {"#code": "VISITS", **_texts("去年来了几次？", "How many visits last year?"),
                                 "#role": "other"})
    # page 2: two likert statements measuring a new construct (to become a matrix), NPS and a free text
    _add(page, "new", "likert", {"#code": "L1", **_texts("员工很友好", "Staff are friendly"),
                                 **_texts("评价", "Ratings", "page_title"), "#new_construct": "Service",
                                 "#new_construct_zh": "服务", "#new_construct_en": "Service"})
    _add(page, "p2", "likert", {"#code": "L2", **_texts("服务很快", "Service is fast"), "#construct": "Service"})
    _add(page, "p2", "nps", {"#code": "NPS", **_texts("您来了 {{answer:VISITS}} 次：您有多大可能推荐我们？",
                                                      "You came {{answer:VISITS}} times: how likely are you to "
                                                      "recommend us?"), "#role": "recommend"})
    _add(page, "p2", "text", {"#code": "WHY", **_texts("哪里可以更好？", "What could be better?"),
                              "#required": False})
    # page 3 (to be skipped), page 4 with a Kano and a SERVQUAL pair (shuffled), page 5 (after the end)
    _add(page, "new", "text", {"#code": "STORE", **_texts("关于门店", "About the shop"),
                               **_texts("门店", "Shop", "page_title"), "#required": False})
    _add(page, "new", "kano", {"#attribute": "wifi", "#code_a": "KF", "#code_b": "KD",
                               **_texts("如果有无线网络", "If there is wifi", "text_a"),
                               **_texts("如果没有无线网络", "If there is no wifi", "text_b"),
                               **_texts("特性", "Features", "page_title")})
    _add(page, "p4", "servqual", {"#attribute": "speed", "#code_a": "SE", "#code_b": "SP",
                                  **_texts("优秀的公司很快", "Excellent firms are fast", "text_a"),
                                  **_texts("这家公司很快", "This firm is fast", "text_b")})
    _add(page, "new", "text", {"#code": "EXTRA", **_texts("还有吗？", "Anything else?"),
                               **_texts("其他", "More", "page_title"), "#required": False})

    # a matrix of L1 and L2, asking with the channel piped in
    page.click("a[href$='/pages/p2/matrix']")
    _fill(page, {"#row-L1": True, "#row-L2": True, **_texts("您如何评价{{answer:CHANNEL}}？",
                                                             "How do you rate {{answer:CHANNEL}}?")})
    _fits(page)
    page.screenshot(path=str(shots / f"editor-matrix-new-{lang}-{size}.png"), full_page=True)
    page.click("#save")
    _overview(page)
    page.click("a[href$='/pages/p2/matrices/M1']")
    page.wait_for_selector("#dissolve")
    _fits(page)
    page.screenshot(path=str(shots / f"editor-matrix-{lang}-{size}.png"), full_page=True)
    page.goto(f"{live_server}/admin/surveys/full/questionnaire")

    # the unit's name in page 2's introduction; page 4 shuffled
    page.click("a[href$='/questionnaire/pages/p2']")
    _fill(page, _texts("以下是关于{{unit}}的问题", "Questions about {{unit}}", "intro"))
    page.click("#save")
    _overview(page)
    page.click("a[href$='/questionnaire/pages/p4']")
    page.check("#randomize")
    page.click("#save")
    _overview(page)

    # WHY shown if Q1 >= 7 and ISSUES includes Price and not VISITS < 1
    page.click("a[href$='/questions/WHY/condition']")
    _test_row(page, "c_", 0, "Q1", "ge", number="7")
    page.click("button[value=more]")
    _test_row(page, "c_", 1, "ISSUES", "contains_any", values=[0])
    page.click("button[value=more]")
    _test_row(page, "c_", 2, "VISITS", "lt", number="1", negate=True)
    page.select_option("#c_join", "all")
    _fits(page)
    page.screenshot(path=str(shots / f"editor-condition-{lang}-{size}.png"), full_page=True)
    page.click("#save")
    _overview(page)

    # after page 2: to page 4 if the channel is the website or there were over 100 visits; after page 4: the end
    page.click("a[href$='/pages/p2/skips']")
    _test_row(page, "r0_", 0, "CHANNEL", "in", values=[0])
    page.click("button[value=more_0]")
    _test_row(page, "r0_", 1, "VISITS", "gt", number="100")
    page.select_option("#r0_join", "any")
    page.select_option("#r0_to", "p4")
    _fits(page)
    page.screenshot(path=str(shots / f"editor-skips-{lang}-{size}.png"), full_page=True)
    page.click("#save")
    _overview(page)
    page.click("a[href$='/pages/p4/skips']")
    _test_row(page, "r0_", 0, "Q1", "ge", number="7")
    page.select_option("#r0_to", "end")
    page.click("#save")
    _overview(page)

    page.click("a[href$='/questionnaire/welcome']")
    _fill(page, {**_texts("欢迎参加我们的调查", "Welcome to our survey", "welcome"), "#minutes": "3",
                 **_texts("谢谢您的参与！", "Thank you for taking part!", "end")})
    page.click("#save")
    _overview(page)
    page.screenshot(path=str(shots / f"editor-overview-{lang}-{size}.png"), full_page=True)


def _answer(browser, live_server: str, lang: str, viewport: dict[str, int], shots: Path, size: str) -> None:
    """The respondent's way: page 1, page 2 (matrix, piping, the condition), page 3 skipped, page 4, the end."""
    words = SEES[lang]
    context = browser.new_context(viewport=viewport, is_mobile=size == "phone", has_touch=size == "phone")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server}/s/full?lang={lang}")
    assert words["minutes"] in page.content()
    page.locator("a.button.primary").click()

    page.locator("label[for='Q1-7']").click()  # 8
    page.locator("label[for='UNIT-0']").click()  # North
    page.locator("label[for='CHANNEL-0']").click()  # the website
    page.get_by_role("checkbox", name=words["price"]).check()
    page.get_by_role("checkbox", name=words["waiting"]).check()
    page.fill("#VISITS", "3")
    page.locator("button[value=next]").click()

    # piping: the unit in the introduction, the channel in the matrix, the visits in the NPS question
    assert words["unit"] in page.locator(".intro").inner_text()
    assert words["channel"] in page.locator("#m-M1").inner_text()
    assert "3" in page.locator("#q-NPS").inner_text() and "{{" not in page.content()
    assert page.locator("#q-WHY").is_visible()  # Q1 >= 7, Price chosen, not under one visit
    page.locator("label[for='L1-3']").click()  # 4
    page.locator("label[for='L2-4']").click()  # 5
    page.locator("label[for='NPS-9']").click()  # 9
    page.fill("#WHY", "Faster checkout")
    _fits(page)
    page.screenshot(path=str(shots / f"respondent-matrix-{lang}-{size}.png"), full_page=True)
    page.locator("button[value=next]").click()

    # the skip: straight to page 4 (the shop page passed over)
    assert words["features"] in page.locator("h1").inner_text()
    for label in ("KF-0", "KD-4", "SE-5", "SP-4"):
        page.locator(f"label[for='{label}']").click()
    page.locator("button[value=next]").click()
    # the skip to the end: page 5 never shown
    page.wait_for_selector(f"text={words['end']}")
    assert errors == []
    context.close()


@pytest.mark.parametrize(("lang", "size"), [("zh", "phone"), ("en", "desktop")])
def test_build_answer_export_and_analyse_a_survey_with_logic(app, live_server, browser, tmp_path, lang, size):
    shots = _shots(tmp_path)
    with app.app_context():
        sync_instruments()
        create_user("manager@example.com", PASSWORD, role="manager")
        db.session.commit()
    viewport = SIZES[size]
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server}/admin/login?lang={lang}")
    page.fill("#email", "manager@example.com")
    page.fill("#password", PASSWORD)
    page.locator("#password").press("Enter")
    page.wait_for_url(f"{live_server}/admin/")

    _build(page, live_server, lang, shots, size)
    overview = page.locator("main").inner_text()
    if lang == "en":
        assert "Shown if Q1 is at least 7 and ISSUES includes 'Price' and not (VISITS is below 1)" in overview
        assert "After this page, if CHANNEL is 'Website' or VISITS is above 100: go to page 4" in overview
        assert "After this page, if Q1 is at least 7: go to the end of the survey" in overview
    else:
        assert "显示条件：Q1 至少为 7 且 ISSUES 包含“价格” 且 并非（VISITS 小于 1）" in overview
        assert "此页之后，如果 Q1 至少为 7：转到问卷结束" in overview

    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="full"))
        instrument = instrument_of(survey)
        kinds = {instrument.scale_of(item).kind for item in instrument.items}
        assert kinds == {"likert", "rating", "nps", "single", "multiple", "numeric", "text"}
        assert {item.role for item in instrument.items} >= {"kano_functional", "kano_dysfunctional",
                                                            "servqual_expectation", "servqual_perception",
                                                            "satisfaction", "recommend", "unit"}
        assert [item.matrix for item in instrument.pages[1].items] == ["M1", "M1", None, None]
        assert instrument.pages[3].randomize and instrument.item("ISSUES").randomize_options
        # one unit (the unit question's option)
        db.session.add(Unit(survey_id=survey.id, code="north", name="North", names={"zh": "北区", "en": "North"},
                            kind="region"))
        db.session.commit()

    # the owner previews the draft under a test banner (its welcome page first), then launches it
    en = lang == "en"
    page.goto(f"{live_server}/admin/surveys/full")
    page.get_by_role("link", name="Preview in English" if en else "以中文预览").click()
    assert ("Test / preview" if en else "测试 / 预览") in page.locator("#preview-banner").inner_text()
    page.get_by_role("link", name="Back to the console" if en else "返回管理后台").click()
    page.get_by_role("button", name="Launch" if en else "发布").click()
    page.wait_for_load_state()
    with app.app_context():
        assert db.session.scalar(sa.select(Survey.status).filter_by(slug="full")) == "open"

    _answer(browser, live_server, lang, viewport, shots, size)

    with app.app_context():
        [response] = db.session.scalars(sa.select(Response)).all()
        assert response.status == "complete"
        assert {code: value for code, value in response.answers.items() if code != "ISSUES"} == {
            "Q1": 8, "UNIT": "north", "CHANNEL": "web", "VISITS": 3, "L1": 4, "L2": 5, "NPS": 9,
            "WHY": "Faster checkout", "KF": 1, "KD": 5, "SE": 6, "SP": 5}
        assert sorted(response.answers["ISSUES"]) == ["price", "wait"]

    # the export, downloaded by the manager
    exported = page.request.get(f"{live_server}/admin/surveys/full/export.csv")
    assert exported.ok
    [row] = list(csv.DictReader(io.StringIO(exported.body().decode("utf-8-sig"))))
    assert (row["Q1"], row["CHANNEL"], row["VISITS"], row["L1"], row["NPS"], row["WHY"], row["KD"], row["SP"]) == (
        "8", "web", "3", "4", "9", "Faster checkout", "5", "5")
    assert row["STORE"] == "" and row["EXTRA"] == ""  # skipped pages
    context.close()

    # the analysis: the roles of the edited questionnaire make its model; the answer is in its figures
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="full"))
        spec = instrument_of(survey).model_spec()
        assert spec["outcomes"] == {"satisfaction": "Q1", "loyalty": "NPS", "recommend": "NPS"}
        assert spec["constructs"]["Service"] == ["L1", "L2"]
        assert spec["kano"] == [{"attribute": "wifi", "functional": "KF", "dysfunctional": "KD"}]
        assert spec["servqual"] == [{"attribute": "speed", "dimension": None, "expectation": "SE",
                                     "perception": "SP"}]
        add_synthetic_responses(survey, SYNTHETIC, seed=7)
        db.session.commit()
        result = analyze_survey(survey)
        synthetic = [r.answers for r in db.session.scalars(sa.select(Response).filter_by(channel="synthetic"))]
    answers = [*synthetic, {"NPS": 9, "SE": 6}]  # the respondent's among them
    assert result["n"] == result["nps"]["n"] == SYNTHETIC + 1
    promoters = sum(1 for a in answers if a["NPS"] >= 9)
    detractors = sum(1 for a in answers if a["NPS"] <= 6)
    assert result["nps"]["score"] == pytest.approx(100 * (promoters - detractors) / len(answers))
    speed = result["servqual"]["items"]["speed"]
    assert speed["n"] == len(answers) and speed["expectation"] == pytest.approx(
        sum(a["SE"] for a in answers) / len(answers))
    assert "Service" in result["constructs"], sorted(result["constructs"])
