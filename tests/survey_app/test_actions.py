"""Action plans: the service (history, hook, refusals) and the console's plan page (hostile input, filters)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Action, ActionEvent, Survey, User
from survey_app.services import action_events
from survey_app.services.actions import (
    ActionFilter,
    change_notes,
    change_status,
    create_action,
    history,
    list_actions,
)
from tests.survey_app.alert_fixtures import PASSWORD, setup_world

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)


def _world(app, make_survey):
    ids = setup_world(app, make_survey)
    survey = db.session.scalar(sa.select(Survey).filter_by(slug="alerts"))
    return survey, db.session.get(User, ids["owner_id"]), db.session.scalar(
        sa.select(User).filter_by(email="stranger@example.com"))


def test_history_is_append_only_and_every_change_is_announced(app, make_survey):
    heard = []
    hook = action_events.on_action_changed(lambda action, now: heard.append((action.status, now)))
    try:
        with app.app_context():
            survey, owner, stranger = _world(app, make_survey)
            action = create_action(survey, driver="SAT", unit_code="north", title="  Weekly  call-backs ",
                                   owner=owner, due_on=date(2026, 12, 1), notes="", by=owner, now=NOW)
            change_status(action, "in_progress", owner, NOW)
            change_notes(action, "first stores done", owner, NOW)
            assert action.title == "Weekly call-backs"
            assert [e.kind for e in history(action)] == ["created", "status", "note"]
            assert list_actions(survey, ActionFilter(overdue=True), NOW.date()) == [action]
            assert list_actions(survey, ActionFilter(unit="south"), NOW.date()) == []
            change_status(action, "done", owner, NOW)
            assert list_actions(survey, ActionFilter(overdue=True), NOW.date()) == []  # done is never overdue
            with pytest.raises(ValueError, match="may not see this survey"):
                create_action(survey, driver="SAT", unit_code=None, title="x", owner=stranger, due_on=None,
                              notes="", by=owner, now=NOW)
            with pytest.raises(ValueError, match="not a question or construct"):
                create_action(survey, driver="NOPE", unit_code=None, title="x", owner=owner, due_on=None,
                              notes="", by=owner, now=NOW)
            with pytest.raises(ValueError, match="append-only"):
                db.session.delete(db.session.scalar(sa.select(ActionEvent)))
                db.session.flush()
            db.session.rollback()
    finally:
        action_events.SUBSCRIBERS.remove(hook)
    assert [status for status, _ in heard[:4]] == ["planned", "in_progress", "in_progress", "done"]
    assert all(now == NOW for _, now in heard)


def _sign_in(app, client):
    app.config["WTF_CSRF_ENABLED"] = False
    client.get("/admin/login?lang=en")
    reply = client.post("/admin/login", data={"email": "owner@example.com", "password": PASSWORD})
    assert reply.status_code == 302


@pytest.mark.parametrize(("form", "message"), [
    ({"due": "31/01/2027"}, "YYYY-MM-DD"),
    ({"title": " "}, "give the action a title"),
    ({"title": "x" * 201}, "at most 200"),
    ({"driver": "<script>"}, "not a question or construct"),
    ({"unit": "atlantis"}, "not a unit of this survey"),
    ({"owner": "99999"}, "may not see this survey"),
    ({"owner": "abc"}, "choose the action"),
    ({"notes": "bad \x1b byte"}, "control character"),
])
def test_the_plan_form_refuses_hostile_input_with_a_message(app, client, make_survey, form, message):
    with app.app_context():
        _survey, owner, _ = _world(app, make_survey)
        owner_id = owner.id
        db.session.commit()
    _sign_in(app, client)
    data = {"driver": "SAT", "unit": "north", "title": "Call-backs", "owner": str(owner_id), "due": "2027-01-31",
            "notes": "", **form}
    if data["owner"] == "99999":
        with app.app_context():
            data["owner"] = str(db.session.scalar(sa.select(User.id).filter_by(email="stranger@example.com")))
    reply = client.post("/admin/surveys/alerts/actions", data=data)
    assert reply.status_code == 422
    assert message in reply.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Action.id))) == 0


def test_the_plan_page_prefills_a_driver_and_filters(app, client, make_survey):
    with app.app_context():
        survey, owner, _ = _world(app, make_survey)
        create_action(survey, driver="SAT", unit_code="north", title="North call-backs", owner=owner,
                      due_on=None, notes="", by=owner, now=NOW)
        create_action(survey, driver="NPS", unit_code=None, title="Survey-wide NPS drive", owner=owner,
                      due_on=None, notes="", by=owner, now=NOW)
        db.session.commit()
    _sign_in(app, client)
    page = client.get("/admin/surveys/alerts/actions?driver=NPS&plan_unit=south").get_data(as_text=True)
    assert '<option value="NPS" selected>' in page and '<option value="south" selected>' in page
    north = client.get("/admin/surveys/alerts/actions?unit=north").get_data(as_text=True)
    assert "North call-backs" in north and "Survey-wide NPS drive" not in north
    whole = client.get("/admin/surveys/alerts/actions?unit=-").get_data(as_text=True)
    assert "Survey-wide NPS drive" in whole and "North call-backs" not in whole
    assert client.get("/admin/surveys/alerts/actions/999").status_code == 404
