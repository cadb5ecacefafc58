"""A poster's signed unit link: the response is recorded under the poster's unit, the unit question is not asked,
and a tampered or foreign parameter is ignored (the survey works as the open link)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, Survey, Unit
from survey_app.services.invitations import create_invitations
from survey_app.services.unit_links import signed_unit, unit_link, unit_parameter
from tests.conftest import csrf_token, submission_key

UNIT_QUESTION = "Which branch do you use?"
PAGE1 = {"SAT": "8", "PROBLEM": "0"}
PAGE3 = {"NPS": "9"}


def _post(client, page, data):
    url = page.request.path + "?" + page.request.query_string.decode()
    payload = {"csrf_token": csrf_token(page.text), "submission_key": submission_key(page.text), "nav": "next",
               **data}
    posted = client.post(url, data=payload)
    assert posted.status_code == 302, posted.text
    return client.get(posted.headers["Location"])


def _units(app) -> dict[int | None, str | None]:
    """Each complete response's unit code, by response id."""
    with app.app_context():
        rows = db.session.execute(sa.select(Response.id, Unit.code).outerjoin(Unit, Unit.id == Response.unit_id)
                                  .where(Response.status == "complete").order_by(Response.id)).all()
    return [code for _, code in rows]


def _parameter(app, slug: str, code: str) -> str:
    with app.app_context():
        return unit_parameter(slug, code)


@pytest.mark.parametrize("anonymous", [False, True], ids=["identified", "anonymous"])
def test_a_unit_link_records_its_unit_and_does_not_ask_the_unit_question(app, client, make_survey, anonymous):
    make_survey(anonymous=anonymous)
    with app.app_context():
        link = unit_link("http://testserver", "flow", "south")
    assert link.startswith("http://testserver/s/flow?u=south.")
    first = client.get(link.removeprefix("http://testserver") + "&lang=en")
    assert first.status_code == 200
    assert "You are answering for South" in first.text
    second = _post(client, first, PAGE1)
    assert UNIT_QUESTION not in second.text
    assert "Which channels do you use?" in second.text
    # the unit question posted anyway (a hand-made form) does not move the response to another unit
    third = _post(client, second, {"BRANCH": "north"})
    _post(client, third, PAGE3)
    assert _units(app) == ["south"]

    # the next person on the same device (the shop's tablet) answers for the same unit through the open link
    client.post("/s/flow/again", data={"csrf_token": csrf_token(client.get("/s/flow").text)})
    again = client.get("/s/flow?lang=en")
    assert "You are answering for South" in again.text
    second = _post(client, again, PAGE1)
    assert UNIT_QUESTION not in second.text
    _post(client, _post(client, second, {}), PAGE3)
    assert _units(app) == ["south", "south"]


@pytest.mark.parametrize("tamper", ["code", "signature", "other_survey", "no_dot", "unknown_unit", "too_long"])
def test_a_tampered_or_foreign_unit_parameter_is_ignored(app, client, make_survey, tamper):
    make_survey()
    make_survey("other")
    signed = _parameter(app, "flow", "south")
    value = {
        "code": "north." + signed.rsplit(".", 1)[1],
        "signature": signed[:-2] + ("AA" if not signed.endswith("AA") else "BB"),
        "other_survey": _parameter(app, "other", "south"),
        "no_dot": "south",
        "unknown_unit": _parameter(app, "flow", "east"),
        "too_long": "south." + "A" * 300,
    }[tamper]
    first = client.get(f"/s/flow?lang=en&u={quote(value, safe='')}")
    assert first.status_code == 200
    assert "You are answering for" not in first.text
    assert "signature" not in first.text.lower()
    second = _post(client, first, PAGE1)
    assert UNIT_QUESTION in second.text
    _post(client, _post(client, second, {"BRANCH": "north"}), PAGE3)
    assert _units(app) == ["north"]


def test_a_signature_under_a_retired_secret_key_still_counts(app, make_survey):
    make_survey()
    with app.app_context():
        old = unit_parameter("flow", "south")
    app.config.update(SECRET_KEY="a-new-secret-key", SECRET_KEY_FALLBACKS=["test-secret-key"])
    with app.app_context():
        assert signed_unit("flow", old) == "south"
        assert signed_unit("flow", unit_parameter("flow", "south")) == "south"
        app.config["SECRET_KEY_FALLBACKS"] = []
        assert signed_unit("flow", old) is None


def test_a_unit_link_does_not_open_an_anonymous_survey_answered_through_personal_links_only(app, client,
                                                                                          make_survey):
    make_survey(anonymous=True)
    with app.app_context():
        survey = db.session.scalars(sa.select(Survey).filter_by(slug="flow")).one()
        create_invitations(survey, [None], unit_code="north")
        db.session.commit()
    page = client.get(f"/s/flow?u={quote(_parameter(app, 'flow', 'south'), safe='')}")
    assert page.status_code == 403
    assert _units(app) == []


def test_a_personal_link_keeps_its_own_unit_over_a_unit_link(app, client, make_survey):
    make_survey()
    with app.app_context():
        survey = db.session.scalars(sa.select(Survey).filter_by(slug="flow")).one()
        [(_, token)] = create_invitations(survey, ["someone@example.com"], unit_code="north")
        db.session.commit()
    client.get(f"/s/flow?u={quote(_parameter(app, 'flow', 'south'), safe='')}")
    first = client.get(f"/s/flow/{token}?lang=en&u={quote(_parameter(app, 'flow', 'south'), safe='')}")
    assert "You are answering for" not in first.text
    _post(client, _post(client, _post(client, first, PAGE1), {}), PAGE3)
    assert _units(app) == ["north"]
