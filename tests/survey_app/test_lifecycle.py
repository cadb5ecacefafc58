"""A survey's lifecycle in the console: draft, preview, launch, scheduled, close, archive, delete a draft; the
responses and lists of the survey page; questionnaire revisions that keep the meaning of earlier answers."""

from __future__ import annotations

import copy
import csv
import io
from datetime import UTC, datetime

import pyreadstat
import pytest
import sqlalchemy as sa

from instruments.schema import Instrument
from survey_app.extensions import db
from survey_app.models import Invitation, Response, Survey, SurveyVersion
from survey_app.services.dashboard import dashboard_data
from survey_app.services.exports import export_bytes
from survey_app.services.invitations import create_invitations, invitation_token, personal_links
from survey_app.services.lifecycle import display_status
from survey_app.services.participation import partials
from survey_app.services.responses import save_page, start_response, submit, write_response
from survey_app.services.survey_versions import revise_questionnaire
from survey_app.services.surveys import instrument_of
from tests.conftest import FLOW_INSTRUMENT, csrf_token, sign_in, submission_key

PASSWORD = "correct horse battery"


@pytest.fixture
def console(app, client):
    """An administrator signed in to the console (CSRF checks off)."""
    sign_in(app, client, "owner@example.com", PASSWORD, token_name="owner")
    return client


def _answer(client, path: str, pages: list[dict[str, str]], lang: str = "en"):
    """Answer ``pages`` (form data of each page, in order) at ``path``; returns the last page shown."""
    page = client.get(f"{path}?lang={lang}", follow_redirects=True)
    assert page.status_code == 200, page.status_code
    for data in pages:
        url = page.request.path + "?" + page.request.query_string.decode()
        posted = client.post(url, data={"csrf_token": csrf_token(page.text), "nav": "next",
                                        "submission_key": submission_key(page.text), **data})
        assert posted.status_code == 302, posted.text
        page = client.get(posted.headers["Location"])
    return page


FLOW_PAGES = [{"SAT": "8", "PROBLEM": "0"}, {"BRANCH": "north"}, {"NPS": "9", "COMMENT": "fine"}]


def _status(app, slug: str) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(Survey.status).filter_by(slug=slug))


def test_a_console_survey_is_a_draft_until_launched(app, console, runner):
    runner.invoke(args=["instruments", "load"])
    made = console.post("/admin/surveys/new", data={"slug": "poll", "instruments": ["customer_satisfaction"],
                                                     "languages": ["zh", "en"]})
    assert made.status_code == 302 and _status(app, "poll") == "draft"
    page = console.get("/admin/surveys/poll?lang=en")
    assert "This survey is a draft" in page.text and "Launch" in page.text
    assert app.test_client().get("/s/poll?lang=en").status_code == 403  # a respondent: "not open yet"
    refused = console.post("/admin/surveys/poll/status/close", follow_redirects=True)
    assert "cannot be changed that way" in refused.text and _status(app, "poll") == "draft"
    console.post("/admin/surveys/poll/status/launch")
    assert _status(app, "poll") == "open"
    assert app.test_client().get("/s/poll?lang=en").status_code == 200


def test_a_survey_opening_later_shows_as_scheduled(app, console, make_survey):
    make_survey(slug="later", opens_at=datetime(2999, 1, 1, tzinfo=UTC))
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="later"))
        assert display_status(survey, now=datetime(2998, 12, 31, tzinfo=UTC)) == "scheduled"
        assert display_status(survey, now=datetime(2999, 1, 2, tzinfo=UTC)) == "open"
    assert "scheduled" in console.get("/admin/?lang=en").text
    assert "待开放" in console.get("/admin/surveys/later?lang=zh").text


def test_archived_surveys_are_read_only_and_listed_apart(app, console, make_survey):
    make_survey(slug="old-one")
    make_survey(slug="current")
    console.post("/admin/surveys/old-one/status/archive")
    assert _status(app, "old-one") == "archived"
    listing = console.get("/admin/?lang=en").text
    archived = listing[listing.index('id="archived"'):]
    assert "old-one" in archived and "current" not in archived
    assert "current" in listing[:listing.index('id="archived"')]
    refused = console.post("/admin/surveys/old-one/status/close", follow_redirects=True)
    assert "archived: it is read-only" in refused.text and _status(app, "old-one") == "archived"
    upload = console.post("/admin/surveys/old-one/units", data={"file": (io.BytesIO(b"unit\nx\n"), "u.csv")},
                          content_type="multipart/form-data", follow_redirects=True)
    assert "read-only" in upload.text
    assert "Import units" not in console.get("/admin/surveys/old-one?lang=en").text


def test_only_a_draft_is_deleted_and_only_when_confirmed(app, console, make_survey):
    make_survey(slug="draft-one", status="draft")
    make_survey(slug="live-one")
    unconfirmed = console.post("/admin/surveys/draft-one/delete?lang=en", data={"confirm": "wrong"},
                               follow_redirects=True)
    assert "Type the link name" in unconfirmed.text and _status(app, "draft-one") == "draft"
    console.get("/admin/surveys/draft-one/preview/en")
    _answer(console, "/s/draft-one", FLOW_PAGES)  # a test response goes with the draft
    assert console.post("/admin/surveys/draft-one/delete", data={"confirm": "draft-one"}).status_code == 302
    assert _status(app, "draft-one") is None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    kept = console.post("/admin/surveys/live-one/delete", data={"confirm": "live-one"}, follow_redirects=True)
    assert "only a draft can be deleted" in kept.text and _status(app, "live-one") == "open"


def test_the_owner_previews_a_draft_in_each_language_as_test_responses(app, console, make_survey):
    make_survey(slug="preview-me", status="draft")
    page = console.get("/admin/surveys/preview-me?lang=en")
    assert "/admin/surveys/preview-me/preview/zh" in page.text and "/admin/surveys/preview-me/preview/en" in page.text
    assert console.get("/admin/surveys/preview-me/preview/zh").headers["Location"].endswith("/s/preview-me")
    first = console.get("/s/preview-me")
    assert first.status_code == 200 and "测试 / 预览" in first.text and "总体评价" in first.text
    console.get("/admin/surveys/preview-me/preview/en")
    thanks = _answer(console, "/s/preview-me", FLOW_PAGES)
    assert "Thank you" in thanks.text and 'id="preview-banner"' in thanks.text
    with app.app_context():
        [response] = db.session.scalars(sa.select(Response)).all()
        assert response.is_test and response.status == "complete"
    # every page of the preview carried the banner; a stranger, and the owner back in the console, see the draft shut
    assert app.test_client().get("/s/preview-me?lang=en").status_code == 403
    assert "Test responses from previews: 1" in console.get("/admin/surveys/preview-me?lang=en").text
    assert console.get("/s/preview-me?lang=en").status_code == 403


def test_preview_pages_all_carry_the_banner(app, console, make_survey):
    make_survey(slug="banner")
    console.get("/admin/surveys/banner/preview/en")
    page = console.get("/s/banner")
    for data in FLOW_PAGES:
        assert 'id="preview-banner"' in page.text and "Test / preview" in page.text
        posted = console.post(page.request.path + "?" + page.request.query_string.decode(), data={
            "csrf_token": csrf_token(page.text), "nav": "next", "submission_key": submission_key(page.text), **data})
        page = console.get(posted.headers["Location"])
    assert 'id="preview-banner"' in page.text
    # outside a preview the same survey shows no banner
    assert 'id="preview-banner"' not in app.test_client().get("/s/banner?lang=en").text


def _partial(app, slug: str, key: str, pages: int, *, is_test: bool = False) -> None:
    """A response that saved its first ``pages`` pages and stopped."""
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        instrument = instrument_of(survey)
        connection = db.session.connection()
        response, _ = start_response(survey, submission_key=key, language="en", is_test=is_test)
        for index, data in enumerate([{"SAT": 8, "PROBLEM": 0}, {"BRANCH": "north"}][:pages]):
            save_page(connection, response, survey, instrument, index, data, language="en")
        write_response(connection, response)
        db.session.commit()


def test_partial_responses_show_where_people_stopped_and_can_be_deleted(app, console, make_survey):
    make_survey(slug="partly")
    _partial(app, "partly", "a", 1)
    _partial(app, "partly", "b", 1)
    _partial(app, "partly", "c", 2)
    _partial(app, "partly", "t", 2, is_test=True)
    _answer(app.test_client(), "/s/partly", FLOW_PAGES)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="partly"))
        found = partials(survey, "en")
        assert found.count == 3 and found.tests == 1
        assert [(row.page, row.title, row.count) for row in found.drop_off] == [(1, "Overall", 2), (2, "Usage", 1)]
    page = console.get("/admin/surveys/partly?lang=en").text
    assert "Partial responses (started, not submitted): 3" in page and "Overall" in page
    unconfirmed = console.post("/admin/surveys/partly/responses/delete/partial", follow_redirects=True)
    assert "Tick the box" in unconfirmed.text
    console.post("/admin/surveys/partly/responses/delete/partial", data={"confirm": "yes"})
    console.post("/admin/surveys/partly/responses/delete/test", data={"confirm": "yes"})
    with app.app_context():
        left = db.session.execute(sa.select(Response.status, Response.is_test)).all()
        assert left == [("complete", False)]  # the complete real response is a result: never deleted here


def test_an_anonymous_survey_counts_partials_only_once_closed(app, make_survey):
    make_survey(slug="anon", anonymous=True)
    _partial(app, "anon", "a", 1)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="anon"))
        assert partials(survey, "en").count is None
        survey.status = "closed"
        assert partials(survey, "en").count == 1


HIERARCHY = ("unit,parent,kind,name_zh,name_en\nhq,,company,总部,Head office\neast,hq,region,华东区,East region\n"
             "west,hq,region,华西区,West region\nsh01,east,store,上海一店,Shanghai 1\nsh02,east,store,上海二店,"
             "Shanghai 2\ncd01,west,store,成都一店,Chengdu 1\n")


def test_the_invitees_store_is_the_response_unit_and_the_dashboard_rolls_it_up(app, console, runner):
    """The issue's case: a hierarchy HQ -> regions -> stores imported, two invitees of store sh01, one answers."""
    runner.invoke(args=["instruments", "load"])
    console.post("/admin/surveys/new", data={"slug": "stores", "instruments": ["customer_satisfaction"],
                                             "languages": ["zh", "en"]})
    console.post("/admin/surveys/stores/status/launch")
    imported = console.post("/admin/surveys/stores/units?lang=en",
                            data={"file": (io.BytesIO(HIERARCHY.encode()), "u.csv")},
                            content_type="multipart/form-data", follow_redirects=True)
    assert "6 units imported." in imported.text
    links = console.post("/admin/surveys/stores/invitations", data={
        "file": (io.BytesIO(b"ref,unit\nann@example.com,sh01\nbob@example.com,sh01\n"), "p.csv")},
        content_type="multipart/form-data")
    rows = list(csv.DictReader(io.StringIO(links.data.decode("utf-8-sig"))))
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="stores"))
        survey.min_group_size = 2  # the smallest group a figure may show: the two invitees of sh01
        db.session.commit()
        instrument = instrument_of(survey)
        unit_item = instrument.items_by_role("unit")[0]
        # the unit question asks the stores, by their names in each language, never the module's fixed list
        options = instrument.scale_of(unit_item).options
        assert [(o.value, o.label.zh, o.label.en) for o in options] == [
            ("sh01", "上海一店", "Shanghai 1"), ("sh02", "上海二店", "Shanghai 2"), ("cd01", "成都一店", "Chengdu 1")]
        assert "central" not in {unit.code for unit in survey.units}
    for row in rows:
        respondent = app.test_client()
        page = respondent.get(row["link"].split("5000", 1)[1] + "?lang=en")
        seen = []
        while "Thank you" not in page.text:
            seen.append(page.text)
            index = int(page.request.args.get("page", 1)) - 1
            data = {"csrf_token": csrf_token(page.text), "nav": "next", "submission_key": submission_key(page.text)}
            for item in instrument.pages[index].items:  # every question of the page answered with a valid answer
                values = instrument.scale_of(item).values()
                data[item.code] = str(values[0]) if values else "1"
            posted = respondent.post(page.request.full_path, data=data)
            assert posted.status_code == 302, posted.text[:3000]
            page = respondent.get(posted.headers["Location"])
        assert not any(f'name="{unit_item.code}"' in html for html in seen)  # the invitation says the unit
    with app.app_context():
        responses = db.session.scalars(sa.select(Response)).all()
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="stores"))
        codes = {u.id: u.code for u in survey.units}
        assert [codes[response.unit_id] for response in responses] == ["sh01", "sh01"]
        board = {row["unit"]: row for row in dashboard_data(survey)["units"]}
    assert set(board) == {"hq", "east", "west", "sh01", "sh02", "cd01"}  # no row outside the hierarchy
    assert (board["sh01"]["responses"], board["sh01"]["invited"], board["sh01"]["rate"]) == (2, 2, 100.0)
    assert (board["east"]["responses"], board["hq"]["responses"]) == (2, 2)  # rolled up the hierarchy
    listed = console.get("/admin/surveys/stores?lang=en").text
    assert "Shanghai 1" in listed and "上海一店" in listed  # the units, named in both languages
    assert "ann@example.com" in listed and "bob@example.com" in listed and "completed" in listed


def test_identified_links_can_be_downloaded_again_anonymous_ones_cannot(app, console, make_survey):
    make_survey(slug="named")
    make_survey(slug="nameless", anonymous=True)
    with app.app_context():
        named = db.session.scalar(sa.select(Survey).filter_by(slug="named"))
        [(invitation, token)] = create_invitations(named, ["ann@example.com"], unit_code="north")
        assert token == invitation_token(invitation.id)
        invitation_id = invitation.id
        nameless = db.session.scalar(sa.select(Survey).filter_by(slug="nameless"))
        create_invitations(nameless, [None, None])
        db.session.commit()
    again = list(csv.DictReader(io.StringIO(console.get("/admin/surveys/named/links.csv").data.decode("utf-8-sig"))))
    assert again == [{"ref": "ann@example.com", "unit": "north", "link": f"http://127.0.0.1:5000/s/named/{token}"}]
    assert app.test_client().get(f"/s/named/{token}?lang=en").status_code == 200  # the link works
    refused = console.get("/admin/surveys/nameless/links.csv?lang=en", follow_redirects=True)
    assert "shown once" in refused.text
    page = console.get("/admin/surveys/nameless?lang=en").text
    assert "Personal links made: 2" in page and "cannot be downloaded again" in page
    with app.app_context():  # a link made under another secret key (or before links were derived) is not made up
        named = db.session.scalar(sa.select(Survey).filter_by(slug="named"))
        db.session.execute(sa.update(Invitation).where(Invitation.id == invitation_id).values(token_hash="0" * 64))
        assert personal_links(named, "http://x")[0]["link"] == ""


# --- revisions -------------------------------------------------------------------------------------------------

def _with_five_point_sat() -> Instrument:
    """The flow questionnaire with SAT asked on a 1-5 agreement scale instead of 1-10, and a reworded NPS."""
    data = copy.deepcopy(FLOW_INSTRUMENT)
    data["version"] = "2"
    data["pages"][0]["items"][0]["scale"] = "likert5"
    data["pages"][2]["items"][0]["text"] = {"zh": "您会推荐我们吗？", "en": "Would you recommend us?"}
    return Instrument.model_validate(data)


def _complete(app, slug: str, key: str, sat: int) -> None:
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        instrument = instrument_of(survey)
        connection = db.session.connection()
        response, _ = start_response(survey, submission_key=key, language="en")
        for index, data in enumerate([{"SAT": sat, "PROBLEM": 0}, {"BRANCH": "north"}, {"NPS": 9}]):
            save_page(connection, response, survey, instrument, index, data, language="en")
        assert submit(connection, response, survey)
        write_response(connection, response)
        db.session.commit()


def test_a_revision_without_real_answers_replaces_the_questionnaire(app, make_survey):
    make_survey(slug="fresh")
    _partial(app, "fresh", "t", 1, is_test=True)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="fresh"))
        revise_questionnaire(survey, _with_five_point_sat())
        db.session.commit()
        assert instrument_of(survey).scale_of("SAT").max == 5 and survey.version == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyVersion)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0  # the test answers went


def test_answers_given_before_a_revision_keep_their_meaning_in_exports(app, make_survey, tmp_path):
    make_survey(slug="revised")
    _complete(app, "revised", "before", 9)  # 9 of 10
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="revised"))
        revise_questionnaire(survey, _with_five_point_sat())
        db.session.commit()
        assert survey.version == 2
    _complete(app, "revised", "after", 4)  # 4 of 5: "Agree"
    _complete(app, "revised", "after-2", 4)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="revised"))
        [kept] = db.session.scalars(sa.select(SurveyVersion)).all()
        assert (kept.number, kept.renamed) == (1, {"SAT": "SAT_v1"})  # NPS was reworded only: same variable
        before, after, _ = db.session.scalars(sa.select(Response).order_by(Response.id)).all()
        assert (before.version, after.version) == (1, None)
        assert before.answers["SAT_v1"] == 9 and "SAT" not in before.answers and before.answers["NPS"] == 9
        rows = list(csv.DictReader(io.StringIO(export_bytes(survey, "csv").decode("utf-8-sig"))))
        sav = export_bytes(survey, "sav", lang="en")
        survey.min_group_size = 2
        # the dashboard's CSI reads the current 1-5 item only: (4 - 1) / (5 - 1) = 75, the old 9 of 10 left out
        assert dashboard_data(survey)["csi"] == {"score": 75.0, "n": 2}
    numbers = [tuple(float(row[c]) if row[c] else None for c in ("SAT", "SAT_v1", "NPS")) for row in rows]
    assert numbers == [(None, 9, 9), (4, None, 9), (4, None, 9)]
    path = tmp_path / "r.sav"
    path.write_bytes(sav)
    _, meta = pyreadstat.read_sav(str(path))
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["SAT_v1"] == "Overall, how satisfied are you?" and labels["SAT"] == labels["SAT_v1"]
    assert meta.variable_value_labels["SAT"][4] == "Agree"  # the new scale's labels
    assert meta.variable_value_labels["SAT_v1"] == {1: "Very dissatisfied", 10: "Very satisfied"}  # the old one's


def test_a_second_revision_keeps_each_earlier_meaning_apart(app, make_survey):
    make_survey(slug="twice")
    _complete(app, "twice", "first", 9)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="twice"))
        revise_questionnaire(survey, _with_five_point_sat())
        db.session.commit()
    _complete(app, "twice", "second", 4)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="twice"))
        seven = _with_five_point_sat().snapshot()
        seven["pages"][0]["items"][0]["scale"] = "likert7"
        seven["scales"].pop("likert5", None)
        revise_questionnaire(survey, Instrument.from_snapshot(seven))
        db.session.commit()
        first, second = db.session.scalars(sa.select(Response).order_by(Response.id)).all()
        assert (first.answers.get("SAT_v1"), second.answers.get("SAT_v2")) == (9, 4)
        assert "SAT" not in first.answers and "SAT" not in second.answers
        assert (first.version, second.version, survey.version) == (1, 2, 3)
        rows = list(csv.DictReader(io.StringIO(export_bytes(survey, "csv").decode("utf-8-sig"))))
    numbers = [tuple(float(row[c]) if row[c] else None for c in ("SAT_v1", "SAT_v2", "SAT")) for row in rows]
    assert numbers == [(9, None, None), (None, 4, None)]


def test_an_archived_survey_is_not_revised(app, make_survey):
    make_survey(slug="shelved", status="archived")
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="shelved"))
        with pytest.raises(ValueError, match="read-only"):
            revise_questionnaire(survey, _with_five_point_sat())
