"""Shared pieces of the alert and case tests: a questionnaire with a complaint and loyalty, hand-made responses."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, Response, Survey, Unit, User
from survey_app.services.accounts import share_survey
from survey_app.services.users import create_user
from tests.conftest import FLOW_INSTRUMENT

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"

#: FLOW_INSTRUMENT with "was it resolved?" after a problem, and a loyalty question (the trap's outcome)
ALERT_INSTRUMENT = copy.deepcopy(FLOW_INSTRUMENT)
ALERT_INSTRUMENT["id"] = "alert_test"
ALERT_INSTRUMENT["constructs"]["Loyalty"] = {"label": {"zh": "忠诚", "en": "Loyalty"}}
ALERT_INSTRUMENT["pages"][0]["items"].insert(2, {
    "code": "RESOLVED", "text": {"zh": "问题解决了吗？", "en": "Was it resolved?"}, "scale": "yesno",
    "role": "other", "required": False, "show_if": {"item": "PROBLEM", "in": [1]}})
ALERT_INSTRUMENT["pages"][2]["items"].insert(1, {
    "code": "LOYAL", "text": {"zh": "您会再次光顾吗？", "en": "Will you come back?"}, "scale": "rating10",
    "role": "loyalty", "construct": "Loyalty"})

#: a hierarchy: region east above the branches north and south
UNITS_CSV = ("unit,parent,kind,name_zh,name_en,owner\n"
             "east,,region,东区,East,boss@example.com\n"
             "north,east,branch,北区,North,north.lead@example.com;deputy@example.com\n"
             "south,east,branch,南区,South,\n")

#: answers of a happy customer, whom no rule below catches
HAPPY = {"SAT": 9, "PROBLEM": 0, "BRANCH": "north", "NPS": 10, "LOYAL": 10}


def setup_world(app, make_survey, *, anonymous: bool = False, slug: str = "alerts") -> dict:
    """A survey made by ``owner@example.com`` (a manager), with the hierarchy above, shared with ``helper``."""
    from survey_app.services.units import import_units

    make_survey(slug, definition=ALERT_INSTRUMENT, anonymous=anonymous,
                title={"zh": "门店满意度", "en": "Store satisfaction"})
    with app.app_context():
        owner, _ = create_user("owner@example.com", PASSWORD, role="manager")
        helper, _ = create_user("north.lead@example.com", PASSWORD, role="manager")
        create_user("stranger@example.com", PASSWORD, role="manager")
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        survey.created_by_id = owner.id
        share_survey(survey, owner)
        share_survey(survey, helper)
        import_units(survey, UNITS_CSV.encode())
        db.session.commit()
        return {"survey_id": survey.id, "owner_id": owner.id, "helper_id": helper.id}


def add_response(app, slug: str, answers: dict, *, is_test: bool = False, unit: str | None = "north",
                 attributes: dict | None = None, status: str = "complete") -> int:
    """A response as the respondent pages store it (through an invitation with ``attributes``); returns its id."""
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        unit_id = db.session.scalar(sa.select(Unit.id).filter_by(survey_id=survey.id, code=unit)) if unit else None
        count = db.session.scalar(sa.select(sa.func.count(Response.id))) or 0
        invitation = Invitation(survey_id=survey.id, token_hash=f"{count:064d}", unit_id=unit_id,
                                email=f"customer{count}@example.com", name=f"Customer {count}",
                                attributes=attributes, external_ref=f"C-{count}")
        db.session.add(invitation)
        db.session.flush()
        response = Response(survey_id=survey.id, submission_key=f"k{count}", resume_hash=f"{count + 1:064d}",
                            invitation_id=None if survey.anonymous else invitation.id, unit_id=unit_id,
                            language="en", status=status, answers=answers, is_test=is_test, submitted_at=T0)
        db.session.add(response)
        db.session.commit()
        return response.id


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).filter_by(email=email))
