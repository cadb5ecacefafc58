"""The respondent hot path: statements per page request, and the per-instrument caches behind the page form."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from instruments.schema import Instrument
from survey_app.extensions import db
from survey_app.models import Response, Survey
from survey_app.respond.forms import LAYOUT_CACHE_SIZE, _layout, page_questions
from survey_app.services import surveys
from survey_app.services.surveys import get_survey_with_instrument
from tests.conftest import FLOW_INSTRUMENT, csrf_token, submission_key

#: three pages of ten 5-point items, like the load bench's survey
LIKERT_INSTRUMENT = {
    "id": "likert_pages",
    "version": "1",
    "title": {"zh": "三页问卷", "en": "Three pages"},
    "pages": [
        {"id": f"p{page}", "title": {"zh": f"第{page}页", "en": f"Page {page}"}, "items": [
            {"code": f"Q{page}{i}", "text": {"zh": f"问题 {page}.{i}", "en": f"Question {page}.{i}"},
             "scale": "likert5", "role": "other"}
            for i in range(10)]}
        for page in (1, 2, 3)
    ],
}


@contextmanager
def counted(app) -> Iterator[list[str]]:
    """The SQL statements the app sends while the block runs (savepoints included)."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def _walk(app, client, slug: str, pages: list[dict]) -> list[tuple[str, int]]:
    """Answer every page (GET, then POST); returns (request, statements) for each request in order."""
    counts: list[tuple[str, int]] = []
    path, key = f"/s/{slug}", None
    for number, answers in enumerate(pages, start=1):
        with counted(app) as statements:
            page = client.get(path)
        assert page.status_code == 200
        counts.append((f"GET {number}", len(statements)))
        key = key or submission_key(page.text)
        form = {"csrf_token": csrf_token(page.text), "submission_key": key, "nav": "next", **answers}
        with counted(app) as statements:
            posted = client.post(path, data=form)
        assert posted.status_code == 302, posted.text
        counts.append((f"POST {number}", len(statements)))
        path = posted.headers["Location"]
    assert path.endswith(f"/s/{slug}/thanks")
    return counts


def test_likert_pages_stay_within_the_query_budget(app, client, make_survey, database_url):
    make_survey("likert", LIKERT_INSTRUMENT)
    pages = [{f"Q{page}{i}": str(1 + (page + i) % 5) for i in range(10)} for page in (1, 2, 3)]
    counts = _walk(app, client, "likert", pages)
    # GET: the survey (with its snapshot as text on SQLite, with its row version on PostgreSQL, which reads the
    # snapshot once for a version it has not seen), joined from page 2 on with the remembered response.
    # First POST: survey, submission-key look-up (double posts), one INSERT with the answers.
    # Later POSTs: survey with response, one UPDATE (the last one also marks the response complete, and queues
    # the evaluation of the alert rules: one INSERT ... SELECT that adds nothing when the survey has none).
    first_view = 1 if database_url.startswith("sqlite") else 2
    assert counts == [("GET 1", first_view), ("POST 1", 3), ("GET 2", 1), ("POST 2", 2), ("GET 3", 1),
                      ("POST 3", 3)]
    with app.app_context():
        [response] = db.session.scalars(sa.select(Response)).all()
        assert response.status == "complete"
        assert response.answers == {code: int(value) for page in pages for code, value in page.items()}


def test_unit_page_adds_only_the_unit_look_up(app, client, make_survey, database_url):
    make_survey()
    pages = [{"SAT": "8", "PROBLEM": "0"}, {"BRANCH": "south", "VISITS": "3"}, {"NPS": "9"}]
    counts = dict(_walk(app, client, "flow", pages))
    assert counts["POST 2"] == 3  # survey with response, the unit of the branch answer, one UPDATE
    assert counts["GET 1"] == (1 if database_url.startswith("sqlite") else 2)  # PostgreSQL: + the new snapshot
    assert counts["GET 2"] == counts["GET 3"] == 1
    assert max(n for name, n in counts.items() if name.startswith("POST")) <= 3
    with app.app_context():
        [response] = db.session.scalars(sa.select(Response)).all()
        assert response.unit_id is not None and response.status == "complete"


def _snapshot(app, slug: str) -> dict:
    with app.app_context():
        return copy.deepcopy(db.session.scalar(sa.select(Survey.instrument_snapshot).filter_by(slug=slug)))


def _store_snapshot(app, slug: str, snapshot: dict) -> None:
    with app.app_context():
        db.session.execute(sa.update(Survey).filter_by(slug=slug).values(instrument_snapshot=snapshot))
        db.session.commit()


def test_changed_snapshot_shows_new_texts_and_choices(app, client, make_survey):
    make_survey()
    before = client.get("/s/flow?lang=en")
    assert "Overall, how satisfied are you?" in before.text
    assert "points-10" in before.text
    snapshot = _snapshot(app, "flow")
    sat = snapshot["pages"][0]["items"][0]
    assert sat["code"] == "SAT"
    sat["text"]["en"] = "All things considered, how content are you?"
    sat["scale"] = "likert5"  # five labelled agreement points instead of a 1-10 row
    _store_snapshot(app, "flow", snapshot)
    after = client.get("/s/flow?lang=en")
    assert "All things considered, how content are you?" in after.text
    assert "Overall, how satisfied are you?" not in after.text
    assert "points-10" not in after.text
    assert after.text.count('name="SAT" type="radio"') == 5
    # answers are checked against the new scale too: 7 was valid on 1-10, not on 1-5
    refused = client.post("/s/flow?page=1", data={"csrf_token": csrf_token(after.text), "nav": "next",
                                                 "submission_key": submission_key(after.text),
                                                 "SAT": "7", "PROBLEM": "0"})
    assert refused.status_code == 200
    assert "Please choose one of the options." in refused.text


def test_snapshot_is_read_once_per_version_of_the_survey_row_on_postgres(app, client, make_survey, database_url):
    make_survey()

    def snapshot_reads() -> int:
        with counted(app) as statements:
            assert client.get("/s/flow?lang=en").status_code == 200
        return sum("instrument_snapshot" in statement for statement in statements)

    def rename() -> None:  # any change of the row is a new version, even one that leaves the snapshot alone
        with app.app_context():
            db.session.execute(sa.update(Survey).filter_by(slug="flow").values(title={"en": "Renamed"}))
            db.session.commit()

    reads = [snapshot_reads(), snapshot_reads()]
    rename()
    reads += [snapshot_reads(), snapshot_reads()]
    # SQLite reads the snapshot (locally) with the survey row every time; PostgreSQL keeps the parsed instrument
    # for a version of the row it has seen
    assert reads == ([1, 1, 1, 1] if database_url.startswith("sqlite") else [1, 0, 1, 0])
    assert "Renamed" in client.get("/s/flow?lang=en").text


def test_kept_instruments_are_bounded_per_database(app, client, make_survey, monkeypatch):
    monkeypatch.setattr(surveys, "INSTRUMENTS_KEPT", 2)
    for slug in ("one", "two", "three"):
        make_survey(slug)
        assert "Overall, how satisfied are you?" in client.get(f"/s/{slug}?lang=en").text
    with app.app_context():
        kept = surveys._instruments.get(db.engine, {})
    assert len(kept) <= 2  # a server database keeps at most two; SQLite keeps none (the text is in every row)
    assert "Overall, how satisfied are you?" in client.get("/s/one?lang=en").text


def test_a_survey_deleted_between_its_row_and_its_snapshot_is_not_found(app, client, make_survey, database_url,
                                                                         monkeypatch):
    # PostgreSQL reads the snapshot in a second statement: a survey deleted in between is gone, not an error
    with app.app_context():
        assert surveys._instrument_at(db.session.connection(), 10**9, "1") is None
        assert (10**9, "1") not in surveys._instruments.get(db.engine, {})
    make_survey()
    table = Survey.__table__
    monkeypatch.setattr(surveys, "_snapshot_by_id", lambda: sa.select(table.c.instrument_snapshot).where(
        table.c.id == sa.bindparam("survey_id") + 10**9))  # as if the row had gone
    page = client.get("/s/flow?lang=en")
    assert page.status_code == (200 if database_url.startswith("sqlite") else 404)


def test_layout_cache_is_per_instrument_object_and_bounded(app, make_survey):
    make_survey()
    with app.app_context():
        _, instrument = get_survey_with_instrument(db.session.connection(), "flow")
        _, again = get_survey_with_instrument(db.session.connection(), "flow")
    assert isinstance(instrument, Instrument)
    assert again is instrument  # the same stored text is parsed once
    first = page_questions(instrument, 0, "en")
    assert page_questions(instrument, 0, "en") is first
    assert [q.code for q in first] == ["SAT", "PROBLEM", "PROBLEM_TEXT"]
    assert page_questions(instrument, 0, "zh")[0].label == "总体而言，您有多满意？"
    changed = FLOW_INSTRUMENT | {"title": {"zh": "变了", "en": "Changed"}}
    other = Instrument.model_validate(changed)
    assert page_questions(other, 0, "en") is not first  # another instrument object, another entry
    assert page_questions(other, 0, "en") == first  # ... with the same content
    assert _layout.cache_info().maxsize == LAYOUT_CACHE_SIZE


TEXT_INSTRUMENT = {
    "id": "text_only",
    "version": "1",
    "title": {"zh": "文字题", "en": "Text questions"},
    "scales": {"count": {"kind": "numeric", "min": 0, "max": 99}},
    "pages": [{"id": "p1", "title": {"zh": "文字", "en": "Text"}, "items": [
        {"code": "WHY", "text": {"zh": "为什么？", "en": "Why?"}, "scale": "text", "role": "open_text"},
        {"code": "HOW_MANY", "text": {"zh": "几次？", "en": "How many times?"}, "scale": "count", "role": "other",
         "required": False},
    ]}],
}


@pytest.mark.parametrize(("lang", "message"), [("zh", "请回答此题。"), ("en", "Please answer this question.")])
def test_text_inputs_carry_only_meaningful_aria_attributes(client, make_survey, lang, message):
    make_survey("texts", TEXT_INSTRUMENT)
    page = client.get(f"/s/texts?lang={lang}")
    assert "None" not in page.text
    assert ('<textarea aria-required="true" data-item="WHY" id="WHY" maxlength="2000" name="WHY" rows="3">'
            in page.text)
    assert ('<input data-item="HOW_MANY" id="HOW_MANY" inputmode="decimal" name="HOW_MANY" type="text" value="">'
            in page.text)
    refused = client.post("/s/texts?page=1", data={"csrf_token": csrf_token(page.text), "nav": "next",
                                                  "submission_key": submission_key(page.text), "HOW_MANY": "<b>"})
    assert refused.status_code == 200
    assert ('<textarea aria-describedby="WHY-error" aria-invalid="true" aria-required="true" data-item="WHY"'
            in refused.text)
    assert f'<p class="error" id="WHY-error" role="alert">{message}</p>' in refused.text
    # the posted text comes back escaped, with its own error
    assert ('<input aria-describedby="HOW_MANY-error" aria-invalid="true" data-item="HOW_MANY" id="HOW_MANY" '
            'inputmode="decimal" name="HOW_MANY" type="text" value="&lt;b&gt;">') in refused.text
    assert "None" not in refused.text


def test_page_posts_with_a_wrong_token_are_refused_before_anything_is_stored(app, client, make_survey):
    # the page form has no CSRF check of its own: CSRFProtect must refuse these before the view runs
    make_survey()
    page = client.get("/s/flow?lang=en")
    answers = {"submission_key": submission_key(page.text), "SAT": "8", "PROBLEM": "0"}
    forged = csrf_token(page.text)[:-4] + "AAAA"
    for data in ({**answers, "nav": "next", "csrf_token": forged}, {**answers, "nav": "back"},
                 {**answers, "nav": "next", "csrf_token": ""}):
        refused = client.post("/s/flow?page=1", data=data)
        assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    accepted = client.post("/s/flow?page=1", data={**answers, "nav": "next", "csrf_token": csrf_token(page.text)})
    assert accepted.status_code == 302


def test_question_html_is_kept_per_shown_answer_and_never_mixed_up(app, client, make_survey):
    from survey_app.respond.forms import QUESTION_HTML_CACHE_SIZE, question_html

    make_survey("likert", LIKERT_INSTRUMENT)
    with app.test_request_context("/"):
        _, instrument = get_survey_with_instrument(db.session.connection(), "likert")
        # a private copy: the layout's own question objects are shared by every page view in this process
        question = dataclasses.replace(page_questions(instrument, 0, "en")[0], rendered={})
        calls: list[tuple] = []

        def render(q, value, errors):
            calls.append((value, errors))
            return f"<q {value} {errors}>"

        assert question_html(question, None, None, render) == "<q None None>"
        assert question_html(question, "3", None, render) == "<q 3 None>"
        assert question_html(question, None, None, render) == "<q None None>"  # kept: not rendered again
        assert question_html(question, "3", None, render) == "<q 3 None>"
        assert calls == [(None, None), ("3", None)]
        # answers that are not choices, and anything with an error message, are rendered every time
        question_html(question, "<b>", None, render)
        question_html(question, "<b>", None, render)
        question_html(question, "3", ["Please choose one of the options."], render)
        assert calls[2:] == [("<b>", None), ("<b>", None), ("3", ["Please choose one of the options."])]
        assert len(question.rendered) <= QUESTION_HTML_CACHE_SIZE
    # through the pages: one respondent's answers never show up checked for the next one
    first = client.get("/s/likert?lang=en")
    answers = {f"Q1{i}": "4" for i in range(10)}
    client.post("/s/likert?page=1", data={"csrf_token": csrf_token(first.text), "nav": "next",
                                          "submission_key": submission_key(first.text), **answers})
    assert "checked" in client.get("/s/likert?page=1&lang=en").text
    stranger = app.test_client()
    assert "checked" not in stranger.get("/s/likert?lang=en").text
