"""A person answers the customer survey in Chinese on a phone-sized screen, in a real browser."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import upgrade  # noqa: F401  (the app fixture migrates)

from instruments.registry import get_instrument
from survey_app.extensions import db
from survey_app.models import Response
from survey_app.services.answers import is_visible
from survey_app.services.instruments import sync_instruments
from survey_app.services.surveys import create_survey

PHONE = {"width": 390, "height": 844}


def test_customer_survey_in_chinese_on_a_phone(app, live_server, browser, tmp_path):
    with app.app_context():
        sync_instruments()
        create_survey(slug="demo-customer", instrument_keys=["customer_satisfaction"])
        db.session.commit()
    instrument = get_instrument("customer_satisfaction")
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server}/s/demo-customer?lang=zh")
    assert page.locator("html").get_attribute("lang") == "zh-CN"

    chosen: dict[str, object] = {}
    for page_number in range(1, len(instrument.pages) + 2):
        if "thanks" in page.url:
            break
        assert "第 " in page.locator(".progress-text").inner_text()
        # the page fits the phone: no horizontal scrolling (measured once its stylesheet has loaded)
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        for item in instrument.pages[_page_index(page, instrument)].items:
            question = page.locator(f"#q-{item.code}")
            if not question.is_visible():
                continue
            scale = instrument.scale_of(item)
            if scale.kind in ("likert", "rating", "nps", "single"):
                options = question.locator("label.option")
                choice = options.nth(options.count() - 2 if options.count() > 1 else 0)
                choice.click()  # tapping the label selects the radio: labels are wired to inputs
                chosen[item.code] = choice.locator("input").get_attribute("value")
            elif scale.kind == "multiple":
                question.locator("label.option").first.click()
                chosen[item.code] = [question.locator("input").first.get_attribute("value")]
            elif scale.kind == "numeric":
                question.locator("input").fill("3")
                chosen[item.code] = "3"
            elif item.required:
                question.locator("textarea").fill("服务很好，谢谢！")
                chosen[item.code] = "服务很好，谢谢！"
        page.get_by_role("button", name="提交" if _is_last(page) else "下一页").click()
        page.wait_for_load_state()
        assert page_number <= len(instrument.pages), "the survey did not finish"
    assert "感谢您的参与" in page.content()
    assert console_errors == []

    with app.app_context():
        [response] = db.session.scalars(sa.select(Response)).all()
    assert response.status == "complete" and response.language == "zh"
    for code, value in chosen.items():
        stored = response.answers[code]
        assert [str(v) for v in stored] == value if isinstance(value, list) else str(stored) == value, code
    required_visible = [i.code for i in instrument.items if i.required and is_visible(i, response.answers)]
    assert set(required_visible) <= set(response.answers)
    context.close()


def _page_index(page, instrument) -> int:
    title = page.locator("h1").inner_text()
    return next(i for i, p in enumerate(instrument.pages) if p.title.get("zh") == title)


def _is_last(page) -> bool:
    return page.get_by_role("button", name="提交").count() == 1
