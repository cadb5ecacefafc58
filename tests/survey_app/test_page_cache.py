"""Survey pages kept as rendered HTML: each respondent's own tokens and links, never another's, and never stale."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, Survey
from survey_app.respond import page_cache
from survey_app.respond.page_cache import LRU, kept_pages
from tests.conftest import csrf_token, submission_key
from tests.survey_app.test_respond_queries import LIKERT_INSTRUMENT

PAGE1 = {f"Q1{i}": "4" for i in range(10)}


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The templates page_cache renders (the kept pages are not rendered again)."""
    calls: list[str] = []
    real = page_cache.render_template

    def counting(name, **context):
        calls.append(name)
        return real(name, **context)

    monkeypatch.setattr(page_cache, "render_template", counting)
    return calls


def _masked(html: str) -> str:
    """The page without its per-respondent values."""
    html = html.replace(csrf_token(html), "CSRF").replace(submission_key(html), "KEY")
    return re.sub(r"/resume/[\w-]+", "/resume/TOKEN", html)


def _post(client, url: str, page_html: str, answers: dict, key: str | None = None):
    return client.post(url, data={"csrf_token": csrf_token(page_html), "nav": "next",
                                  "submission_key": submission_key(page_html) if key is None else key, **answers})


def test_respondents_share_the_page_but_each_gets_own_token_and_key(app, make_survey, renders):
    make_survey("likert", LIKERT_INSTRUMENT)
    alice, bob = app.test_client(), app.test_client()
    a, b = alice.get("/s/likert?lang=en"), bob.get("/s/likert?lang=en")
    assert renders == ["respond/page.html"]  # rendered for the first, kept for the second
    assert len(kept_pages(app)) == 1
    assert _masked(a.text) == _masked(b.text)
    assert "Question 1.0" in a.text and "Page 1 of 3" in a.text
    assert csrf_token(a.text) != csrf_token(b.text)
    assert submission_key(a.text) != submission_key(b.text)
    # each token belongs to its own session: Bob cannot post with Alice's
    assert _post(bob, "/s/likert?page=1", a.text, PAGE1, key=submission_key(b.text)).status_code == 400
    assert _post(alice, "/s/likert?page=1", a.text, PAGE1).status_code == 302
    assert _post(bob, "/s/likert?page=1", b.text, PAGE1).status_code == 302
    with app.app_context():
        keys = set(db.session.scalars(sa.select(Response.submission_key)))
    assert keys == {submission_key(a.text), submission_key(b.text)}


def test_each_respondent_sees_own_resume_link(app, make_survey, renders):
    make_survey("likert", LIKERT_INSTRUMENT)
    links = []
    for _ in range(2):
        client = app.test_client()
        first = client.get("/s/likert?lang=en")
        page2 = client.get(_post(client, "/s/likert?page=1", first.text, PAGE1).headers["Location"])
        [link] = set(re.findall(r'href="(http://localhost/s/likert/resume/[\w-]+)"', page2.text))
        links.append((link, submission_key(first.text)))
    assert renders.count("respond/page.html") == 2  # page 1 and page 2, each once
    assert links[0][0] != links[1][0]
    for link, key in links:
        resumed = app.test_client().get(link, follow_redirects=True)
        assert "Page 2 of 3" in resumed.text
        assert submission_key(resumed.text) == key


def test_a_hostile_submission_key_is_never_kept_in_a_page(app, client, make_survey, renders):
    make_survey("likert", LIKERT_INSTRUMENT)
    hostile = '"><script>alert(1)</script>'
    first = client.get("/s/likert?lang=en")
    location = _post(client, "/s/likert?page=1", first.text, PAGE1, key=hostile).headers["Location"]
    page2 = client.get(location)
    other = app.test_client()
    other_first = other.get("/s/likert?lang=en")
    assert other.get(_post(other, "/s/likert?page=1", other_first.text, PAGE1).headers["Location"]).status_code == 200
    again = client.get(location)
    assert renders.count("respond/page.html") == 2
    for html in (page2.text, again.text):  # not a key of ours (is_submission_key): a new one took its place
        assert "alert(1)" not in html and "script&gt;" not in html
        assert re.search(r'name="submission_key" (?:type="hidden" )?value="[0-9a-f]{32}"', html), html


def test_pages_with_answers_or_errors_are_rendered_every_time(app, client, make_survey, renders):
    make_survey("likert", LIKERT_INSTRUMENT)
    first = client.get("/s/likert?lang=en")
    refused = _post(client, "/s/likert?page=1", first.text, {"Q10": "9"})
    assert refused.status_code == 200 and "Please choose one of the options." in refused.text
    assert _post(client, "/s/likert?page=1", first.text, PAGE1).status_code == 302
    back = [client.get("/s/likert?page=1&lang=en") for _ in range(2)]
    assert renders.count("respond/page.html") == 4  # first view, the refused post, the back page twice
    assert all(html.text.count("checked") == 10 for html in back)
    assert len(kept_pages(app)) == 1  # only the empty page 1


def test_changes_to_the_survey_show_at_once(app, client, make_survey):
    make_survey("likert", LIKERT_INSTRUMENT)
    before = client.get("/s/likert?lang=en")
    assert 'value="lang-zh"' in before.text and "中文" in before.text
    with app.app_context():
        db.session.execute(sa.update(Survey).filter_by(slug="likert").values(
            title={"zh": "新标题", "en": "New title"}, languages=["en"]))
        db.session.commit()
    after = app.test_client().get("/s/likert?lang=en")
    assert "<title>New title · Page 1</title>" in after.text
    assert "中文" not in after.text


def test_language_and_mount_point_each_get_their_own_page(client, make_survey):
    make_survey("likert", LIKERT_INSTRUMENT)
    english = client.get("/s/likert?lang=en").text
    chinese = client.get("/s/likert?lang=zh").text
    mounted = client.get("/s/likert?lang=en", base_url="http://localhost/survey/").text
    assert "Question 1.0" in english and "问题 1.0" in chinese and "问题 1.0" not in english
    assert 'action="/survey/s/likert?page=1"' in mounted and 'href="/survey/static/manyi.css"' in mounted
    assert 'action="/s/likert?page=1"' in client.get("/s/likert?lang=en").text
    # the language buttons post the page's form (keeping its answers) to the page's own address
    assert 'form="survey-form" name="nav" value="lang-zh"' in english


def test_kept_pages_are_bounded_least_recently_shown_first():
    pages = LRU(2)
    for key in ("a", "b"):
        pages.put(key, page_cache._Pieces(key))
    assert pages.get("a") is not None  # "a" is now the most recently shown
    pages.put("c", page_cache._Pieces("c"))
    assert len(pages) == 2
    assert pages.get("b") is None and pages.get("a") is not None and pages.get("c") is not None
    assert page_cache.CACHE_SIZE == 256
