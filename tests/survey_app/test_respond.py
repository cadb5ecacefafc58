"""The respondent flow through the test client: pages, validation, conditions, resume, duplicates, tokens."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, Response, Survey, Unit
from survey_app.services.invitations import create_invitations
from tests.conftest import csrf_token, submission_key


def _post_page(client, url, html, data):
    payload = {"csrf_token": csrf_token(html), "submission_key": submission_key(html), "nav": "next", **data}
    return client.post(url, data=payload)


def _responses(app):
    with app.app_context():
        return db.session.scalars(sa.select(Response).order_by(Response.id)).all()


def _answer_all(client, base, pages):
    """Post each page's data in turn, following redirects; returns the last response."""
    page = client.get(base)
    assert page.status_code == 200
    for data in pages:
        posted = _post_page(client, page.request.path + "?" + page.request.query_string.decode(), page.text, data)
        assert posted.status_code == 302, posted.text
        page = client.get(posted.headers["Location"])
    return page


PAGE1 = {"SAT": "9", "PROBLEM": "1", "PROBLEM_TEXT": "排队太久"}
PAGE2 = {"BRANCH": "north", "CHANNELS": ["web", "app"], "VISITS": "12"}
PAGE3 = {"NPS": "10", "COMMENT": "很好"}


def test_whole_survey_in_chinese_is_stored(app, client, make_survey):
    make_survey()
    first = client.get("/s/flow?lang=zh")
    assert first.status_code == 200
    assert "总体而言，您有多满意？" in first.text
    assert "第 1 页，共 3 页" in first.text
    assert 'lang="zh-CN"' in first.text
    last = _answer_all(client, "/s/flow", [PAGE1, PAGE2, PAGE3])
    assert "感谢您的参与" in last.text
    [response] = _responses(app)
    assert response.status == "complete"
    assert response.language == "zh"
    assert response.answers == {"SAT": 9, "PROBLEM": 1, "PROBLEM_TEXT": "排队太久", "BRANCH": "north",
                                "CHANNELS": ["web", "app"], "VISITS": 12, "NPS": 10, "COMMENT": "很好"}
    with app.app_context():
        unit = db.session.get(Unit, response.unit_id)
        assert unit.code == "north"


def test_missing_answer_gets_message_in_respondents_language(client, make_survey):
    make_survey()
    for lang, message in (("zh", "请回答此题。"), ("en", "Please answer this question.")):
        page = client.get(f"/s/flow?lang={lang}")
        again = _post_page(client, "/s/flow?page=1", page.text, {"SAT": "7"})
        assert again.status_code == 200
        assert message in again.text
        assert 'aria-invalid="true"' in again.text
        assert re.search(r'<input checked data-item="SAT"[^>]*value="7"', again.text)


def test_out_of_range_and_malformed_answers_are_refused_with_clear_messages(app, client, make_survey):
    make_survey()
    page = client.get("/s/flow?lang=en")
    refused = _post_page(client, "/s/flow?page=1", page.text, {"SAT": "11", "PROBLEM": "0"})
    assert "Please choose one of the options." in refused.text
    assert _responses(app) == []
    ok = _post_page(client, "/s/flow?page=1", page.text, {"SAT": "5", "PROBLEM": "0"})
    assert ok.status_code == 302
    page2 = client.get(ok.headers["Location"])
    for visits, message in (("-1", "Please enter a number from 0 to 365."), ("abc", "Please enter a number.")):
        refused = _post_page(client, "/s/flow?page=2", page2.text, {"BRANCH": "north", "VISITS": visits})
        assert refused.status_code == 200
        assert message in refused.text
    bad_choice = _post_page(client, "/s/flow?page=2", page2.text, {"BRANCH": "atlantis"})
    assert "Please choose one of the options." in bad_choice.text
    [response] = _responses(app)
    assert "BRANCH" not in response.answers


def test_hidden_question_keeps_no_answer(app, client, make_survey):
    make_survey()
    _answer_all(client, "/s/flow", [{"SAT": "3", "PROBLEM": "0", "PROBLEM_TEXT": "should not be kept"}])
    [response] = _responses(app)
    assert response.answers == {"SAT": 3, "PROBLEM": 0}


def test_resume_on_another_device(app, client, make_survey):
    make_survey()
    page2 = _answer_all(client, "/s/flow?lang=en", [PAGE1])
    link = re.search(r'href="(http://[^"]+/resume/[^"]+)"', page2.text).group(1)
    other_device = app.test_client()
    resumed = other_device.get(link.replace("http://localhost", ""), follow_redirects=True)
    assert "Which branch do you use?" in resumed.text
    assert "Page 2 of 3" in resumed.text
    _answer_all(other_device, "/s/flow", [PAGE2, PAGE3])
    [response] = _responses(app)
    assert response.status == "complete"
    assert response.answers["SAT"] == 9 and response.answers["NPS"] == 10


def test_a_resume_token_finds_only_its_own_surveys_response(app, client, make_survey):
    make_survey()
    make_survey(slug="second")
    _answer_all(client, "/s/flow?lang=en", [PAGE1])
    with client.session_transaction() as session:
        # a token remembered under the wrong survey (a forged or stale cookie) must not open the other response
        session["responses"] = {**session["responses"], "second": session["responses"]["flow"]}
    second = client.get("/s/second?lang=en")
    assert "Page 1 of 3" in second.text and "checked" not in second.text
    flow = client.get("/s/flow?lang=en")
    assert "Page 2 of 3" in flow.text  # the first survey still finds its response


def test_back_shows_earlier_answers(client, make_survey):
    make_survey()
    page2 = _answer_all(client, "/s/flow?lang=en", [PAGE1])
    back = client.post("/s/flow?page=2", data={"csrf_token": csrf_token(page2.text), "nav": "back",
                                               "BRANCH": "south"})
    assert back.status_code == 302
    page1 = client.get(back.headers["Location"])
    assert "Page 1 of 3" in page1.text
    assert re.search(r'<input[^>]*checked[^>]*value="9"|<input[^>]*value="9"[^>]*checked', page1.text)
    forward = client.get("/s/flow?page=2")
    assert re.search(r'<input[^>]*value="south"[^>]*checked|<input[^>]*checked[^>]*value="south"', forward.text)


def test_double_posted_first_page_creates_one_response(app, make_survey):
    make_survey()
    browser = app.test_client()
    page = browser.get("/s/flow")
    # the same form sent twice, the second time before the first reply set the session cookie
    retry = app.test_client()
    retry.set_cookie("session", browser.get_cookie("session").value)
    first = _post_page(browser, "/s/flow?page=1", page.text, PAGE1)
    second = _post_page(retry, "/s/flow?page=1", page.text, {**PAGE1, "SAT": "8"})
    assert first.status_code == second.status_code == 302
    [response] = _responses(app)
    assert response.answers["SAT"] == 8

def test_first_page_posts_racing_past_the_look_up_store_one_response(app, make_survey, monkeypatch):
    # both posts look the submission key up before either has committed: the second one's INSERT hits the
    # unique constraint, and that post must land on the stored response instead of failing or storing twice
    from survey_app.respond import routes

    make_survey()
    browser = app.test_client()
    page = browser.get("/s/flow")
    cookie = browser.get_cookie("session").value  # the session as the page left it: nothing remembered yet
    _post_page(browser, "/s/flow?page=1", page.text, PAGE1)
    original, lookups = routes.find_by_submission_key, []

    def not_yet_committed(connection, survey, key):
        lookups.append(key)
        return None if len(lookups) == 1 else original(connection, survey, key)

    monkeypatch.setattr(routes, "find_by_submission_key", not_yet_committed)
    twin = app.test_client()  # the page sent again before the first reply's cookie came: same submission key
    twin.set_cookie("session", cookie)
    raced = _post_page(twin, "/s/flow?page=1", page.text, {**PAGE1, "SAT": "7"})
    assert len(lookups) == 2  # the look-up that found nothing, then the one after the IntegrityError
    assert raced.status_code == 302 and raced.headers["Location"].endswith("/s/flow?page=2")
    [response] = _responses(app)
    assert response.answers["SAT"] == 7  # the later post's page replaced the first one's
    assert response.status == "in_progress" and response.furthest_page == 1
    # the twin can go on: its next page shows, and the response finishes once
    lookups.clear()
    monkeypatch.setattr(routes, "find_by_submission_key", original)
    page2 = twin.get("/s/flow?page=2")
    assert page2.status_code == 200


def test_first_page_racing_a_completed_response_goes_to_the_thanks_page(app, client, make_survey, monkeypatch):
    from survey_app.respond import routes

    make_survey()
    page = client.get("/s/flow")
    cookie = client.get_cookie("session").value
    posted = _post_page(client, "/s/flow?page=1", page.text, PAGE1)
    for url, data in (("/s/flow?page=2", PAGE2), ("/s/flow?page=3", PAGE3)):
        posted = _post_page(client, url, client.get(posted.headers["Location"]).text, data)
    assert posted.headers["Location"].endswith("/s/flow/thanks")
    original, lookups = routes.find_by_submission_key, []

    def not_yet_committed(connection, survey, key):
        lookups.append(key)
        return None if len(lookups) == 1 else original(connection, survey, key)

    monkeypatch.setattr(routes, "find_by_submission_key", not_yet_committed)
    late_tab = app.test_client()
    late_tab.set_cookie("session", cookie)
    late = _post_page(late_tab, "/s/flow?page=1", page.text, PAGE1)
    assert late.status_code == 302 and late.headers["Location"].endswith("/s/flow/thanks")
    [response] = _responses(app)
    assert response.status == "complete" and response.answers["SAT"] == 9



def test_double_posted_last_page_submits_once(app, client, make_survey):
    make_survey()
    page3 = _answer_all(client, "/s/flow", [PAGE1, PAGE2])
    first = _post_page(client, "/s/flow?page=3", page3.text, PAGE3)
    second = _post_page(client, "/s/flow?page=3", page3.text, PAGE3)
    assert first.status_code == 302 and "thanks" in first.headers["Location"]
    assert second.status_code == 302
    assert len(_responses(app)) == 1


def _invited(app, make_survey, reference: str) -> str:
    """The personal link token of one invitation to a new survey "invited"."""
    make_survey(slug="invited")
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="invited"))
        [(_, token)] = create_invitations(survey, [reference])
        db.session.commit()
    return token


def test_invitation_answers_once(app, make_survey):
    token = _invited(app, make_survey, "customer-42")
    client = app.test_client()
    _answer_all(client, f"/s/invited/{token}", [PAGE1, PAGE2, PAGE3])
    [response] = _responses(app)
    with app.app_context():
        invitation = db.session.get(Invitation, response.invitation_id)
        assert invitation.used_at is not None and invitation.external_ref == "customer-42"
    again = app.test_client().get(f"/s/invited/{token}?lang=en")
    assert again.status_code == 409
    assert "already been used" in again.text
    unknown = app.test_client().get("/s/invited/" + "x" * 32 + "?lang=en")
    assert unknown.status_code == 404 and "not valid" in unknown.text


def test_anonymous_survey_keeps_no_link_and_no_exact_time(app, make_survey):
    make_survey(slug="anon", anonymous=True)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="anon"))
        [(_, token)] = create_invitations(survey, ["someone@example.com"])
        db.session.commit()
        invitation = db.session.scalar(sa.select(Invitation))
        assert invitation.external_ref is None
    _answer_all(app.test_client(), f"/s/anon/{token}", [PAGE1, PAGE2, PAGE3])
    [response] = _responses(app)
    assert response.invitation_id is None
    for moment in (response.started_at, response.updated_at, response.submitted_at):
        assert (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)


def test_closed_unknown_and_future_surveys_get_clear_pages(app, client, make_survey):
    make_survey(slug="closed", status="closed")
    make_survey(slug="later", opens_at=datetime.now(UTC) + timedelta(days=3))
    make_survey(slug="ended", closes_at=datetime.now(UTC) - timedelta(hours=1))
    assert client.get("/s/closed?lang=en").status_code == 410
    assert "This survey is closed" in client.get("/s/ended?lang=en").text
    later = client.get("/s/later?lang=en")
    assert later.status_code == 403 and "not open yet" in later.text
    missing = client.get("/s/no-such-survey?lang=zh")
    assert missing.status_code == 404 and "找不到问卷" in missing.text


def test_hostile_text_is_stored_as_given_and_shown_inert(app, client, make_survey):
    make_survey()
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>=HYPERLINK("http://evil")'
    page2 = _answer_all(client, "/s/flow?lang=en", [{**PAGE1, "PROBLEM_TEXT": hostile}])
    [response] = _responses(app)
    assert response.answers["PROBLEM_TEXT"] == hostile
    back = client.post("/s/flow?page=2", data={"csrf_token": csrf_token(page2.text), "nav": "back"})
    page1 = client.get(back.headers["Location"])
    assert "<script>alert" not in page1.text
    assert "&lt;script&gt;alert" in page1.text


def test_post_without_csrf_token_is_refused_and_stores_nothing(app, client, make_survey):
    make_survey()
    client.get("/s/flow")
    refused = client.post("/s/flow?page=1", data={"SAT": "9", "PROBLEM": "0", "nav": "next"})
    assert refused.status_code == 400
    assert _responses(app) == []


def test_overlong_text_is_refused(app, client, make_survey):
    make_survey()
    page = client.get("/s/flow?lang=en")
    refused = _post_page(client, "/s/flow?page=1", page.text, {**PAGE1, "PROBLEM_TEXT": "x" * 2001})
    assert refused.status_code == 200
    assert "Please keep your answer under 2000 characters." in refused.text
    assert _responses(app) == []


def test_an_invitations_submission_marks_it_used_and_the_response_complete_together(app, make_survey, monkeypatch):
    from survey_app.respond import routes

    token = _invited(app, make_survey, "customer-7")
    client = app.test_client()
    page = client.get(f"/s/invited/{token}?lang=en")
    for number, answers in enumerate((PAGE1, PAGE2), start=1):
        page = client.get(_post_page(client, f"/s/invited/{token}?page={number}", page.text, answers)
                          .headers["Location"])

    def failing(connection, response):
        raise RuntimeError("the database went away between the two writes")

    # the invitation is marked used first, then the response written: a failure in between must undo both
    monkeypatch.setattr(routes, "write_response", failing)
    with pytest.raises(RuntimeError):
        _post_page(client, f"/s/invited/{token}?page=3", page.text, PAGE3)
    with app.app_context():
        assert db.session.scalar(sa.select(Invitation.used_at)) is None
        assert db.session.scalar(sa.select(Response.status)) == "in_progress"
    monkeypatch.undo()
    assert _post_page(client, f"/s/invited/{token}?page=3", page.text, PAGE3).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Invitation.used_at)) is not None
        assert db.session.scalar(sa.select(Response.status)) == "complete"
