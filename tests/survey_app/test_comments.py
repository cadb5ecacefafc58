"""The comment list: an identified survey's comments searched, filtered, paged and downloaded; an anonymous survey's
only redacted, in groups of at least k, without times, ratings or units finer than the gate's."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, Response, Survey
from survey_app.services import comments as comment_service
from tests.conftest import sign_in
from tests.survey_app.test_anonymity_attacks import EMPLOYEE, add_answers

SLUG = "talk"
#: what the respondents wrote, in the order add_answers stores them (north 9, 3; south 7)
WRITTEN = ["王经理很热情，服务很好", "Great SERVICE, slow checkout", "=HYPERLINK(\"http://x\") 太慢了"]


def _write(app, texts: list[str], *, item: str = "COMMENT") -> None:
    with app.app_context():
        rows = db.session.scalars(sa.select(Response).order_by(Response.id)).all()
        for response, text in zip(rows, texts, strict=False):
            response.answers = {**response.answers, item: text}
        db.session.commit()


@pytest.fixture
def identified(app, client, make_survey):
    make_survey(slug=SLUG, definition=EMPLOYEE)
    add_answers(app, SLUG, {"north": [9, 3], "south": [7]})
    _write(app, WRITTEN)
    sign_in(app, client, "hr@example.com", "correct horse battery", token_name="t")
    return client


def _listed(client, query: str = "") -> list[str]:
    page = client.get(f"/admin/surveys/{SLUG}/comments{query}")
    assert page.status_code == 200
    return [re.sub(r"<[^>]+>", "", cell).replace("&#34;", '"') for cell in
            re.findall(r'<tr data-item="[A-Z_]+"><td[^>]*>(.*?)</td>', page.text)]


def test_words_are_found_as_chinese_substrings_and_english_in_any_case_by_question_and_unit(app, identified):
    assert sorted(_listed(identified)) == sorted(WRITTEN)
    assert _listed(identified, "?q=经理") == [WRITTEN[0]]
    assert _listed(identified, "?q=service") == [WRITTEN[1]]
    assert _listed(identified, "?q=ＳＬＯＷ") == [WRITTEN[1]]  # full-width letters as their ASCII forms
    assert _listed(identified, "?q=nothing+like+it") == []
    # by question and unit, with the unit, time and ratings beside each comment
    assert sorted(_listed(identified, "?unit=north")) == sorted(WRITTEN[:2])
    assert _listed(identified, "?item=PROBLEM_TEXT") == []
    _write(app, ["问题：等太久"], item="PROBLEM_TEXT")
    assert _listed(identified, "?item=PROBLEM_TEXT") == ["问题：等太久"]
    page = identified.get(f"/admin/surveys/{SLUG}/comments?q=热情&lang=en").text
    row = re.search(r'<tr data-item="COMMENT">(.*?)</tr>', page).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[2] == "North" and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", cells[3])
    assert cells[4:] == ["9", "9"]  # satisfaction (SAT) and loyalty (the recommendation, NPS) of that respondent


def test_the_list_is_paged_and_its_csv_holds_the_filter_with_formulas_neutralised(identified, monkeypatch):
    monkeypatch.setattr(comment_service, "PER_PAGE", 2)
    first = identified.get(f"/admin/surveys/{SLUG}/comments?q=&page=1")
    assert len(re.findall(r"<tr data-item=", first.text)) == 2 and 'id="next-page"' in first.text
    assert len(_listed(identified, "?page=2")) == 1
    assert len(_listed(identified, "?page=99")) == 1  # past the last page: the last page
    reply = identified.get(f"/admin/surveys/{SLUG}/comments.csv?q=太慢&lang=en")
    rows = list(csv.DictReader(io.StringIO(reply.data.decode("utf-8-sig"))))
    assert [row["comment"] for row in rows] == ["'" + WRITTEN[2]]
    assert rows[0]["unit"] == "South" and rows[0]["satisfaction"] == "7" and rows[0]["submitted_at"]


@pytest.fixture
def anonymous(app, client, make_survey):
    make_survey(slug=SLUG, definition=EMPLOYEE, anonymous=True)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=SLUG))
        survey.min_group_size = 3
        db.session.commit()
    add_answers(app, SLUG, {"north": [9, 9, 9, 8], "east": [7, 7, 7]})
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=SLUG))
        db.session.add(Invitation(survey_id=survey.id, token_hash="0" * 64, name="赵敏"))
        db.session.commit()
    texts = ["请找王经理 13812345678", "赵敏 总是加班", "slow lifts", "slow wifi", "slow canteen", "ok", "fine"]
    _write(app, texts)
    sign_in(app, client, "hr@example.com", "correct horse battery", token_name="t")
    return client


def test_an_anonymous_surveys_comments_are_redacted_undated_and_in_groups_of_k_whatever_the_search(anonymous):
    page = anonymous.get(f"/admin/surveys/{SLUG}/comments?lang=en").text
    assert 'id="anonymous-comments"' in page
    assert "13812345678" not in page and "王经理" not in page and "赵敏" not in page  #赵敏: a known invitee
    assert "[电话]" in page and "[姓名]经理" in page
    assert not re.search(r"\d{4}-\d\d-\d\d", page) and 'id="comments"' not in page  # no times, no rows
    groups = re.findall(r'<ul class="comments">(.*?)</ul>', page)
    assert groups and all(g.count("<li") >= 3 for g in groups)
    # east has 3 comments in all but 1 about "slow"; north 2: each too few alone, together one group of 3
    page = anonymous.get(f"/admin/surveys/{SLUG}/comments?q=slow&lang=en").text
    sections = re.findall(r'<section class="comment-group">\s*<h3>(.*?)</h3>\s*<ul class="comments">(.*?)</ul>',
                          page, re.S)
    assert [(re.sub(r"\s*<span.*", "", h), g.count("<li")) for h, g in sections] == [("Whole survey", 3)]
    alone = anonymous.get(f"/admin/surveys/{SLUG}/comments?q=canteen&lang=en").text
    assert "canteen" not in alone.split('id="comment-filters"')[1].split("</form>")[1]
    assert 'id="withheld"' in alone
    rows = list(csv.DictReader(io.StringIO(anonymous.get(f"/admin/surveys/{SLUG}/comments.csv?q=slow").data
                                           .decode("utf-8-sig"))))
    assert sorted(rows[0]) == ["comment", "question", "unit"] and len(rows) == 3
