"""The respondent flow of an instrument with logic: welcome and end pages, skips, hidden items, piping, order."""

from __future__ import annotations

import copy
import re

import sqlalchemy as sa

from instruments.registry import validate_instrument
from survey_app.extensions import db
from survey_app.models import Response
from survey_app.services.ordering import page_order, shuffled
from tests.conftest import csrf_token, submission_key
from tests.instruments.conftest import LOGIC

START = {"BRANCH": "north", "USED": "1"}


def _responses(app):
    with app.app_context():
        return db.session.scalars(sa.select(Response).order_by(Response.id)).all()


def _post(client, page, data, nav="next", key=None):
    url = page.request.path + "?" + page.request.query_string.decode()
    payload = {"csrf_token": csrf_token(page.text), "submission_key": key or submission_key(page.text), "nav": nav,
               **data}
    return client.post(url, data=payload)


def _walk(client, start_url, pages, key=None):
    """Answer ``pages`` in turn from ``start_url``; returns the page shown after the last post (or the post)."""
    page = client.get(start_url)
    assert page.status_code == 200
    for n, data in enumerate(pages):
        posted = _post(client, page, data, key=key if n == 0 else None)
        assert posted.status_code == 302, posted.text
        if not posted.headers["Location"].startswith("/s/"):
            return posted
        page = client.get(posted.headers["Location"])
    return page


def _codes_shown(html):
    return re.findall(r'id="q-([A-Z_]+)"', html)


def test_the_welcome_page_comes_first_with_time_and_privacy(client, make_survey):
    make_survey(slug="logic", definition=LOGIC)
    for lang, texts in (("en", ["Thank you for your time.", "About 4 minutes", "Privacy", "Start the survey"]),
                        ("zh", ["感谢您抽出时间。", "大约 4 分钟", "隐私", "开始答题", "您的回答只用于改进服务。"])):
        welcome = client.get(f"/s/logic?lang={lang}")
        assert welcome.status_code == 200
        assert all(text in welcome.text for text in texts), lang
        assert 'href="/s/logic?page=1"' in welcome.text and "<form" not in welcome.text
    first = client.get("/s/logic?page=1&lang=en")
    assert "Which branch do you use?" in first.text


def test_an_anonymous_surveys_welcome_page_shows_the_anonymity_statement_once(client, make_survey):
    make_survey(slug="logic", definition=LOGIC, anonymous=True)
    welcome = client.get("/s/logic?lang=en")
    assert "This survey is anonymous" in welcome.text and "Your answers are used only" in welcome.text
    assert "This survey is anonymous" not in client.get("/s/logic?page=1&lang=en").text


def test_a_skip_to_the_end_submits_with_the_first_pages_answers(app, client, make_survey):
    make_survey(slug="logic", definition=LOGIC)
    thanks = _walk(client, "/s/logic?page=1&lang=en", [{"BRANCH": "south", "USED": "0", "NICK": "Li"}])
    assert "Thank you!" in thanks.text and "Your views go to the branch manager." in thanks.text
    [response] = _responses(app)
    assert response.status == "complete"
    assert response.answers == {"BRANCH": "south", "USED": 0, "NICK": "Li"}


def test_a_skip_leaves_out_the_ratings_page_and_its_answers(app, client, make_survey):
    make_survey(slug="logic", definition=LOGIC)
    page2 = _walk(client, "/s/logic?page=1&lang=en", [START])
    assert "Page 2 of 4" in page2.text
    # a rating posted for the skipped page is not stored: it is not on the page answered
    overall = _post(client, page2, {"VISITS": "1", "R_SPEED": "5"})
    assert overall.headers["Location"].endswith("page=4")
    page4 = client.get(overall.headers["Location"])
    assert "Page 3 of 3" in page4.text and "Overall" in page4.text
    assert "<h1>Your visits</h1>" in client.get("/s/logic?page=3&lang=en").text  # the skipped page is not shown
    _post(client, page4, {"SAT": "8"})
    [response] = _responses(app)
    assert response.status == "complete"
    assert response.answers == {"BRANCH": "north", "USED": 1, "VISITS": 1, "SAT": 8}


def test_going_back_and_changing_an_answer_drops_the_answers_it_skips(app, client, make_survey):
    make_survey(slug="logic", definition=LOGIC)
    page4 = _walk(client, "/s/logic?page=1&lang=en", [
        START, {"VISITS": "5", "CHANNELS": ["web"]},
        {"R_SPEED": "4", "R_STAFF": "5", "R_PRICE": "3", "WEB_EASE": "2"}])
    assert "Page 4 of 4" in page4.text
    [response] = _responses(app)
    assert response.answers["WEB_EASE"] == 2 and response.answers["R_SPEED"] == 4
    page2 = client.get("/s/logic?page=2&lang=en")
    changed = _post(client, page2, {"VISITS": "1", "CHANNELS": ["web"]})
    assert changed.headers["Location"].endswith("page=4")
    [response] = _responses(app)
    assert response.answers == {"BRANCH": "north", "USED": 1, "VISITS": 1, "CHANNELS": ["web"]}


def test_an_item_hidden_by_a_combined_condition_keeps_no_answer(app, client, make_survey):
    make_survey(slug="logic", definition=LOGIC)
    page3 = _walk(client, "/s/logic?page=1&lang=en", [START, {"VISITS": "9", "CHANNELS": ["app"]}])
    assert re.search(r'id="q-WEB_EASE"[^>]*hidden', page3.text)  # hidden when the page opens
    _post(client, page3, {"R_SPEED": "4", "R_STAFF": "5", "R_PRICE": "3", "WEB_EASE": "2"})
    [response] = _responses(app)
    assert "WEB_EASE" not in response.answers and response.answers["R_PRICE"] == 3


def test_piped_answers_and_the_unit_are_shown_escaped(app, client, make_survey):
    make_survey(slug="logic", definition=LOGIC)
    page2 = _walk(client, "/s/logic?page=1&lang=en",
                  [{**START, "NICK": '<img src=x onerror="alert(1)">'}])
    assert "These questions are about North." in page2.text
    page4 = _walk(client, "/s/logic?page=2&lang=en", [{"VISITS": "1", "CHANNELS": ["web", "shop"]}])
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;, overall how satisfied are you?" in page4.text
    assert "<img src=x" not in page4.text
    assert "Channels you use: Website, Shop" in page4.text
    zh = client.get("/s/logic?page=4&lang=zh")
    assert "您用的渠道：网站、门店" in zh.text


def test_a_piped_number_reads_as_the_number(client, make_survey):
    make_survey(slug="logic", definition=LOGIC)
    page3 = _walk(client, "/s/logic?page=1&lang=en", [START, {"VISITS": "12"}])
    assert "You came 12 times last year." in page3.text
    assert "How do you rate North on the following?" in page3.text


def test_shuffled_items_and_options_keep_their_order_per_response(app, client, make_survey):
    make_survey(slug="logic", definition=LOGIC)
    instrument = validate_instrument(LOGIC)
    page2 = _walk(client, "/s/logic?page=1&lang=en", [START], key="response-a")
    expected = shuffled(["VISITS", "CHANNELS", "FIRST"], "response-a:page:visits")
    assert _codes_shown(page2.text) == expected
    options = re.findall(r'data-item="CHANNELS" id="CHANNELS-\d" name="CHANNELS" type="checkbox" value="(\w+)"',
                         page2.text)
    assert options == shuffled(["web", "app", "shop", "phone"], "response-a:options:CHANNELS")
    assert _codes_shown(client.get("/s/logic?page=2&lang=en").text) == expected  # a reload
    back = _post(client, page2, {"VISITS": "3"}, nav="back")
    client.get(back.headers["Location"])
    assert _codes_shown(client.get("/s/logic?page=2&lang=zh").text) == expected  # Back, another language
    [response] = _responses(app)
    assert response.display_order == page_order(instrument, 1, "response-a", None)
    assert response.display_order["page:visits"] == expected

    other = app.test_client()
    page2b = _walk(other, "/s/logic?page=1&lang=en", [START], key="response-b")
    assert _codes_shown(page2b.text) == shuffled(["VISITS", "CHANNELS", "FIRST"], "response-b:page:visits")
    assert shuffled(["VISITS", "CHANNELS", "FIRST"], "response-b:page:visits") != expected


def test_the_matrix_is_one_fieldset_of_labelled_radio_groups(client, make_survey):
    make_survey(slug="logic", definition=LOGIC)
    page3 = _walk(client, "/s/logic?page=1&lang=en", [START, {"VISITS": "9"}])
    matrix = page3.text[page3.text.index('id="m-M"'):page3.text.index("</fieldset>", page3.text.index('id="m-M"'))]
    assert "<legend>How do you rate North on the following?</legend>" in matrix
    rows = re.findall(r'role="radiogroup" id="q-(\w+)" aria-labelledby="(\w+)-label" aria-required="true"', matrix)
    assert rows == [("R_SPEED", "R_SPEED"), ("R_STAFF", "R_STAFF"), ("R_PRICE", "R_PRICE")]
    assert 'id="R_SPEED-label">Speed of service' in matrix
    assert matrix.count('class="option-label">Strongly agree</span>') == 3  # every radio keeps its label
    refused = _post(client, page3, {"R_SPEED": "4"})
    assert refused.status_code == 200
    assert re.search(r'id="q-R_STAFF"[^>]*aria-invalid="true" aria-describedby="R_STAFF-error"', refused.text)
    assert '<a href="#q-R_PRICE">Prices</a>' in refused.text


def test_an_end_redirect_sends_the_respondent_on(app, client, make_survey):
    definition = copy.deepcopy(LOGIC)
    definition["id"] = "logic_redirect"
    definition["end"]["redirect"] = "https://example.org/after?survey=1"
    make_survey(slug="logic", definition=definition)
    done = _walk(client, "/s/logic?page=1&lang=en", [{"BRANCH": "north", "USED": "0"}])
    assert done.headers["Location"] == "https://example.org/after?survey=1"
    assert _responses(app)[0].status == "complete"
    thanks = client.get("/s/logic/thanks?lang=en")
    assert 'href="https://example.org/after?survey=1"' in thanks.text


def test_an_api_submission_follows_the_skip(app, client, make_survey):
    from survey_app.models import Survey
    from survey_app.services.submissions import check_submission
    make_survey(slug="logic", definition=LOGIC)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey))
        body = {"answers": {"BRANCH": "north", "USED": 0, "VISITS": 4, "SAT": 9}, "language": "en"}
        submission = check_submission(survey, validate_instrument(LOGIC), body)
    assert submission.answers == {"BRANCH": "north", "USED": 0}


def test_leaving_out_items_keeps_the_logic_valid_or_names_what_depends_on_them():
    import pytest

    from survey_app.messages import TranslatableError
    from survey_app.services.surveys import without_items
    instrument = validate_instrument(LOGIC)
    fewer = without_items(instrument, ["R_SPEED", "R_STAFF", "R_PRICE", "WEB_EASE"])
    assert [page.id for page in fewer.pages] == ["start", "visits", "overall"]
    assert fewer.pages[1].skip_to[0].to == "overall"
    no_ratings_page = without_items(instrument, ["SAT", "WHY"])
    assert no_ratings_page.pages[1].skip_to[0].to == "end"  # the page it skipped to is gone: the survey ends
    with pytest.raises(TranslatableError, match="depends on the answer to"):
        without_items(instrument, ["USED"])
    with pytest.raises(TranslatableError, match="is shown depending on"):
        without_items(instrument, ["NICK"])
