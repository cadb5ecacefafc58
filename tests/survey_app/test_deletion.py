"""Deleting a response, a survey with all its data and an account, on SQLite and PostgreSQL (foreign keys
enforced): nothing of it is left, nothing else is touched, and every reference stays valid."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.messages import TranslatableError
from survey_app.models import (
    AlertCase,
    ApiToken,
    CaseEvent,
    Response,
    Survey,
    SurveyAccess,
    User,
    UserSession,
    WebhookDelivery,
)
from survey_app.services import deletion
from survey_app.services.users import create_user
from tests.survey_app.alert_fixtures import HAPPY, PASSWORD, add_response, setup_world
from tests.survey_app.test_retention import _files, _rows, world  # noqa: F401  (fixture)


def test_every_foreign_key_says_what_happens_on_delete():
    missing = [f"{fk.parent.table.name}.{fk.parent.name}" for table in db.metadata.sorted_tables
               for fk in table.foreign_keys if (fk.ondelete or "").upper() not in ("CASCADE", "SET NULL")]
    assert missing == []


def test_the_database_applies_the_same_rules(app, world):  # noqa: F811
    """ON DELETE as declared in the migrations: PostgreSQL enforces it, SQLite with the app's PRAGMA."""
    with app.app_context():
        owner = world["owner_id"]
        db.session.execute(sa.text("DELETE FROM survey_access WHERE user_id = :id"), {"id": owner})
        db.session.execute(sa.text("DELETE FROM user_account WHERE id = :id"), {"id": owner})
        db.session.commit()
        assert db.session.scalar(sa.select(Survey.created_by_id).filter_by(id=world["survey_id"])) is None
        first = db.session.scalar(sa.select(AlertCase.response_id))
        db.session.execute(sa.text("DELETE FROM response WHERE id = :id"), {"id": first})
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(AlertCase.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(CaseEvent.id))) == 0


def test_deleting_a_response_takes_its_case_and_deliveries(app, world):  # noqa: F811
    with app.app_context():
        first = db.session.scalar(sa.select(AlertCase.response_id))
        delivery = db.session.scalar(sa.select(WebhookDelivery))
        delivery.payload = {"data": {"response": {"id": first, "answers": {"COMMENT": "Mrs Wang"}}}}
        db.session.commit()
        deleted = deletion.delete_response(db.session.get(Response, first))
        db.session.commit()
        assert (deleted.cases, deleted.webhook_deliveries, deleted.report_jobs) == (1, 1, 1)
        assert db.session.scalars(sa.select(Response.id)).all() != [] and db.session.get(Response, first) is None
        rows = _rows(world["survey_id"])
        assert rows["alert_case"] == rows["alert_case_event"] == rows["webhook_delivery"] == 0
        assert rows["response"] == 1 and rows["invitation"] == 2


def test_an_anonymous_survey_response_cannot_be_deleted(app, make_survey):
    setup_world(app, make_survey, anonymous=True, slug="anon")
    response_id = add_response(app, "anon", HAPPY)
    with app.app_context(), pytest.raises(TranslatableError):
        deletion.delete_response(db.session.get(Response, response_id))


def test_deleting_a_survey_leaves_nothing_of_it(app, world):  # noqa: F811
    with app.app_context():
        other = db.session.scalar(sa.select(Survey.id).filter_by(slug="other"))
        before = _rows(other)
        assert deletion.delete_survey(db.session.get(Survey, world["survey_id"])) == 2
        db.session.commit()
        assert {table: n for table, n in _rows(world["survey_id"]).items() if n and table != "audit_log"} == {}
        assert _rows(other) == before
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 3  # accounts are not the survey's
    assert _files(app) == 0


def test_an_account_owning_surveys_is_handed_over_or_kept(app, world):  # noqa: F811
    with app.app_context():
        admin, _ = create_user("admin@example.com", PASSWORD, role="admin")
        owner = db.session.get(User, world["owner_id"])
        db.session.add(UserSession(user_id=owner.id, token_hash="a" * 64))
        db.session.add(ApiToken(user_id=owner.id, name="t", token_hash="b" * 64))
        db.session.scalar(sa.select(AlertCase)).assignee_id = owner.id
        db.session.commit()
        with pytest.raises(TranslatableError):
            deletion.delete_account(owner, acting=admin)
        with pytest.raises(TranslatableError):
            deletion.delete_account(admin, acting=admin)
        successor = db.session.get(User, world["helper_id"])
        assert deletion.delete_account(owner, acting=admin, successor=successor) == 1
        db.session.commit()
        assert db.session.get(User, world["owner_id"]) is None
        assert db.session.scalar(sa.select(Survey.created_by_id).filter_by(id=world["survey_id"])) == successor.id
        assert db.session.scalar(sa.select(AlertCase.assignee_id)) is None
        for model in (UserSession, ApiToken, SurveyAccess):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)
                                     .where(model.user_id == world["owner_id"])) == 0


def test_the_last_administrator_stays(app):
    with app.app_context():
        admin, _ = create_user("admin@example.com", PASSWORD, role="admin")
        other, _ = create_user("other@example.com", PASSWORD, role="manager")
        db.session.commit()
        with pytest.raises(TranslatableError):
            deletion.delete_account(admin, acting=other)
