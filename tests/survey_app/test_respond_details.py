"""Respondents' details (issue 19): a language switch keeps the page's answers, a finished response leads to
"already submitted", and the page's markup says what a screen reader needs (anchors, required groups, Enter)."""

from __future__ import annotations

import copy
import re

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, Survey
from survey_app.services.invitations import create_invitations
from tests.conftest import FLOW_INSTRUMENT, csrf_token, submission_key

PAGE1 = {"SAT": "9", "PROBLEM": "1", "PROBLEM_TEXT": "queue too long"}
PAGE2 = {"BRANCH": "north", "CHANNELS": ["web", "app"], "VISITS": "12"}
PAGE3 = {"NPS": "10", "COMMENT": "fine"}


def _post(client, url: str, html: str, data: dict, nav: str = "next"):
    return client.post(url, data={"csrf_token": csrf_token(html), "submission_key": submission_key(html),
                                  "nav": nav, **data})


def _answer(client, base: str, pages: list[dict]):
    """Post each page's data in turn; returns the last page reached (the thank-you page once all are sent)."""
    page = client.get(base)
    for data in pages:
        posted = _post(client, page.request.path + "?" + page.request.query_string.decode(), page.text, data)
        assert posted.status_code == 302, posted.text
        page = client.get(posted.headers["Location"])
    return page


def _checked(html: str, code: str) -> list[str]:
    """The values shown as chosen for question ``code``."""
    return re.findall(rf'<input checked data-item="{code}"[^>]*value="([^"]+)"', html)


def _responses(app) -> list[Response]:
    with app.app_context():
        return db.session.scalars(sa.select(Response).order_by(Response.id)).all()


# --- switching language keeps the answers given on the page


def test_switching_language_keeps_the_answers_given_on_the_first_page(app, client, make_survey):
    make_survey()
    page = client.get("/s/flow?lang=zh")
    assert 'form="survey-form" name="nav" value="lang-en"' in page.text  # a button of the page form, not a link
    switched = _post(client, "/s/flow?page=1", page.text, {"SAT": "7"}, nav="lang-en")  # PROBLEM not answered yet
    assert switched.status_code == 302 and switched.headers["Location"].endswith("/s/flow?page=1&lang=en")
    english = client.get(switched.headers["Location"])
    assert "Overall, how satisfied are you?" in english.text and "Please answer" not in english.text
    assert _checked(english.text, "SAT") == ["7"] and _checked(english.text, "PROBLEM") == []
    # the draft opens no later page: the missing required answer is still asked for on Next
    assert "Page 1 of 3" in client.get("/s/flow?page=2").text
    refused = _post(client, "/s/flow?page=1", english.text, {"SAT": "7"})
    assert refused.status_code == 200 and "Please answer this question." in refused.text
    [response] = _responses(app)
    assert response.status == "in_progress" and response.answers == {"SAT": 7} and response.language == "en"


def test_switching_language_on_a_later_page_keeps_its_answers_and_stores_nothing_invalid(app, client, make_survey):
    make_survey()
    page2 = _answer(client, "/s/flow?lang=en", [PAGE1])
    switched = _post(client, "/s/flow?page=2", page2.text, {"CHANNELS": ["web", "shop"], "VISITS": "400"},
                     nav="lang-zh")
    chinese = client.get(switched.headers["Location"])
    assert "您使用哪些渠道？" in chinese.text and "第 2 页，共 3 页" in chinese.text
    assert _checked(chinese.text, "CHANNELS") == ["web", "shop"]
    [response] = _responses(app)
    assert response.answers["CHANNELS"] == ["web", "shop"] and "VISITS" not in response.answers  # 400 > 365
    assert response.furthest_page == 1


def test_switching_to_a_language_the_survey_lacks_stays_in_its_own(app, client, make_survey):
    make_survey(languages=["zh"])
    page = client.get("/s/flow")
    assert "lang-en" not in page.text
    switched = _post(client, "/s/flow?page=1", page.text, {"SAT": "3"}, nav="lang-en")
    assert switched.headers["Location"].endswith("lang=zh")
    assert _checked(client.get(switched.headers["Location"]).text, "SAT") == ["3"]


def test_switching_language_with_nothing_answered_stores_no_response(app, client, make_survey):
    make_survey()
    page = client.get("/s/flow?lang=zh")
    switched = _post(client, "/s/flow?page=1", page.text, {}, nav="lang-en")
    assert "Overall, how satisfied" in client.get(switched.headers["Location"]).text
    assert _responses(app) == []


def test_back_without_answers_opens_no_later_page(app, client, make_survey):
    make_survey()
    page2 = _answer(client, "/s/flow?lang=en", [PAGE1])
    back = _post(client, "/s/flow?page=2", page2.text, {}, nav="back")
    assert back.headers["Location"].endswith("page=1")
    # page 3 stays closed until page 2's required branch is answered with Next
    assert "Page 2 of 3" in client.get("/s/flow?page=3").text


# --- a finished response leads to "already submitted"


def test_back_after_the_thank_you_page_says_already_submitted(app, client, make_survey):
    make_survey()
    page3 = _answer(client, "/s/flow?lang=en", [PAGE1, PAGE2])
    thanks = client.get(_post(client, "/s/flow?page=3", page3.text, PAGE3).headers["Location"])
    assert "Thank you" in thanks.text
    for path in ("/s/flow?page=3", "/s/flow?page=1", "/s/flow"):
        back = client.get(path)
        assert back.status_code == 200
        assert "You have already submitted your answers" in back.text
        assert "survey-form" not in back.text and "Overall, how satisfied" not in back.text
        assert back.headers["Cache-Control"] == "no-store"
    assert "您已提交过答卷" in client.get("/s/flow?page=3&lang=zh").text
    # the last page posted again from the browser's memory changes nothing and says so
    again = _post(client, "/s/flow?page=3", page3.text, {"NPS": "0"})
    assert again.status_code == 302
    assert "You have already submitted" in client.get(again.headers["Location"] + "&lang=en").text
    [response] = _responses(app)
    assert response.status == "complete" and response.answers["NPS"] == 10


def test_a_shared_device_can_start_a_new_response_on_the_open_link(app, client, make_survey):
    make_survey()
    _answer(client, "/s/flow?lang=en", [PAGE1, PAGE2, PAGE3])
    done = client.get("/s/flow?lang=en")
    assert "Start a new response" in done.text
    action = re.search(r'<form method="post" action="([^"]+)" class="again">', done.text).group(1)
    assert client.post(action, data={}).status_code == 400  # the page's token is required
    fresh = client.post(action, data={"csrf_token": csrf_token(done.text)})
    assert fresh.status_code == 302
    page = client.get(fresh.headers["Location"])
    assert "Page 1 of 3" in page.text and _checked(page.text, "SAT") == []
    _answer(client, "/s/flow", [PAGE1, PAGE2, PAGE3])
    assert [r.status for r in _responses(app)] == ["complete", "complete"]


def test_the_resume_link_of_a_finished_response_says_already_submitted(app, client, make_survey):
    make_survey()
    page2 = _answer(client, "/s/flow?lang=en", [PAGE1])
    link = re.search(r'href="http://localhost(/s/flow/resume/[^"]+)"', page2.text).group(1)
    _answer(client, "/s/flow?page=2", [PAGE2, PAGE3])
    for lang, text in (("en", "You have already submitted your answers"), ("zh", "您已提交过答卷")):
        other_device = app.test_client()
        other_device.get(f"/s/flow?lang={lang}")
        finished = other_device.get(link)
        assert finished.status_code == 409 and text in finished.text
        assert "survey-form" not in finished.text


def test_an_identified_invitation_link_once_used_says_already_submitted(app, make_survey):
    make_survey(slug="invited")
    with app.app_context():
        [(_, token)] = create_invitations(db.session.scalar(sa.select(Survey).filter_by(slug="invited")), ["c-42"])
        db.session.commit()
    respondent = app.test_client()
    _answer(respondent, f"/s/invited/{token}?lang=en", [PAGE1, PAGE2, PAGE3])
    for client in (respondent, app.test_client()):  # the respondent's Back, or the link opened anywhere
        again = client.get(f"/s/invited/{token}?page=3&lang=zh")
        assert "您已提交过答卷" in again.text and "survey-form" not in again.text


def test_an_anonymous_link_says_already_submitted_only_in_the_browser_that_used_it(app, make_survey):
    definition = copy.deepcopy(FLOW_INSTRUMENT)
    definition["id"] = "flow_anon"
    make_survey(slug="anon", definition=definition, anonymous=True)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="anon"))
        (_, used), (_, unused) = create_invitations(survey, [None, None])
        db.session.commit()
    respondent = app.test_client()
    _answer(respondent, f"/s/anon/{used}?lang=en", [PAGE1, {}, PAGE3])  # an invitee is not asked the unit
    back = respondent.get(f"/s/anon/{used}?page=3&lang=en")
    assert back.status_code == 200 and "You have already submitted your answers" in back.text
    assert "Start a new response" not in back.text

    def seen_by_the_owner(token: str) -> tuple[int, str]:
        reply = app.test_client().get(f"/s/anon/{token}?lang=en")
        return reply.status_code, re.sub(r'value="[^"]+"', 'value=""', reply.text).replace(token, "LINK")

    # the owner holds every link: in any other browser the used one looks exactly like the unused one
    assert seen_by_the_owner(used) == seen_by_the_owner(unused)
    assert "already submitted" not in seen_by_the_owner(used)[1]
    # the respondent's browser still answers an unused link handed to it (a colleague's, on a shared device)
    assert "Page 1 of 3" in respondent.get(f"/s/anon/{unused}?lang=en").text


# --- what a screen reader and a keyboard get


def test_scale_anchors_are_read_with_each_option_and_required_groups_are_marked(client, make_survey):
    make_survey()
    page = client.get("/s/flow?lang=en").text
    sat = re.search(r'<fieldset[^>]*id="q-SAT"[^>]*>', page).group(0)
    assert 'role="radiogroup"' in sat and 'aria-required="true"' in sat
    anchors = re.search(r'<div class="anchors" id="SAT-anchors">(.*?)</div>', page, re.S)
    assert anchors and "aria-hidden" not in anchors.group(0)
    assert "1 = " in anchors.group(1) and "10 = " in anchors.group(1)
    options = re.findall(r'<input[^>]*data-item="SAT"[^>]*>', page)
    assert len(options) == 10 and all('aria-describedby="SAT-anchors"' in option for option in options)


def test_enter_submits_next_the_first_submit_button_of_the_page_form(client, make_survey):
    make_survey()
    page2 = _answer(client, "/s/flow?lang=en", [PAGE1]).text
    buttons = re.findall(r'<button type="submit"[^>]*>', page2)
    # the form's default button (the first in the document whose form is the page's) posts no "nav": Next
    assert 'form="survey-form"' in buttons[0] and "name=" not in buttons[0]
    assert any('value="back"' in button for button in buttons[1:])
    entered = client.post("/s/flow?page=2", data={"csrf_token": csrf_token(page2), **PAGE2})
    assert entered.status_code == 302 and entered.headers["Location"].endswith("page=3")


def test_an_error_summary_links_to_each_question_and_takes_the_focus(client, make_survey):
    make_survey()
    page = client.get("/s/flow?lang=en")
    refused = _post(client, "/s/flow?page=1", page.text, {})
    summary = re.search(r'<div class="error-summary"[^>]*tabindex="-1"[^>]*>(.*?)</div>', refused.text, re.S)
    assert summary and 'href="#q-SAT"' in summary.group(1) and 'href="#q-PROBLEM"' in summary.group(1)
    assert 'id="q-SAT"' in refused.text


def test_the_new_survey_form_marks_only_fields_with_errors_invalid(app, client):
    from tests.conftest import sign_in

    sign_in(app, client, "admin@example.com", "correct horse battery", token_name="t")
    blank = client.get("/admin/surveys/new?lang=en").text
    assert "aria-invalid" not in blank
    refused = client.post("/admin/surveys/new?lang=en", data={"slug": "Not a slug!"}).text
    assert 'aria-invalid="None"' not in refused
    slug = re.search(r'<input[^>]*id="slug"[^>]*>', refused).group(0)
    assert 'aria-invalid="true"' in slug and 'aria-describedby="slug-error"' in slug
    assert 'id="slug-error"' in refused
    title = re.search(r'<input[^>]*id="title_zh"[^>]*>', refused).group(0)
    assert "aria-invalid" not in title
