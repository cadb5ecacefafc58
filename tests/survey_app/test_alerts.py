"""Alert rules: each kind of test, once per response, never on anonymous surveys or test responses, and the
owners an alert goes to, up the unit hierarchy."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from analysis.trap import satisfied_not_loyal, trap_index
from survey_app.extensions import db
from survey_app.messages import TranslatableError
from survey_app.models import AlertCase, AlertRule, Survey, Unit
from survey_app.scheduler import run_due
from survey_app.scheduler.models import ScheduledJob
from survey_app.services.alerts import (
    AnonymousSurvey,
    evaluate_response,
    parse_keywords,
    queue_alert_check,
    save_rule,
)
from survey_app.services.owners import responsible
from survey_app.services.submissions import submit_response
from tests.survey_app.alert_fixtures import HAPPY, T0, add_response, setup_world

NPS_LOW = {"item": "NPS", "le": 6}
UNRESOLVED = {"all": [{"item": "PROBLEM", "in": [1]}, {"item": "RESOLVED", "in": [0]}]}


def _survey(slug: str = "alerts") -> Survey:
    return db.session.scalar(sa.select(Survey).filter_by(slug=slug))


def _rule(app, slug: str = "alerts", **options) -> int:
    with app.app_context():
        rule = save_rule(_survey(slug), **{"name": "rule", "condition": None, **options})
        db.session.commit()
        return rule.id


def _cases(app, response_id: int | None = None) -> list[tuple[str, int]]:
    with app.app_context():
        query = sa.select(AlertCase.rule_name, AlertCase.response_id).order_by(AlertCase.id)
        if response_id is not None:
            query = query.where(AlertCase.response_id == response_id)
        return [tuple(row) for row in db.session.execute(query)]


def _evaluate(app, response_id: int) -> list[str]:
    with app.app_context():
        opened = [case.rule_name for case in evaluate_response(response_id, T0)]
        db.session.commit()
        return opened


@pytest.fixture
def world(app, make_survey):
    return setup_world(app, make_survey)


def test_a_condition_of_the_questionnaire_language_fires_on_the_answers_it_describes(app, world):
    _rule(app, name="detractor", condition=NPS_LOW, priority="high", sla_hours=24)
    _rule(app, name="unresolved complaint", condition=UNRESOLVED)
    _rule(app, name="low rating", condition={"item": "SAT", "le": 2})
    cases = {
        "happy": ({**HAPPY}, []),
        "nps 6": ({**HAPPY, "NPS": 6}, ["detractor"]),
        "nps 7": ({**HAPPY, "NPS": 7}, []),
        "resolved": ({**HAPPY, "PROBLEM": 1, "RESOLVED": 1}, []),
        "unresolved": ({**HAPPY, "PROBLEM": 1, "RESOLVED": 0}, ["unresolved complaint"]),
        "everything": ({**HAPPY, "NPS": 3, "SAT": 2, "PROBLEM": 1, "RESOLVED": 0},
                       ["detractor", "unresolved complaint", "low rating"]),
        "rating 3": ({**HAPPY, "SAT": 3}, []),
    }
    for name, (answers, expected) in cases.items():
        assert _evaluate(app, add_response(app, "alerts", answers)) == expected, name


def test_satisfied_but_not_loyal_uses_the_trap_analysis_rule(app, world):
    _rule(app, name="mercenary", satisfied_not_loyal=True)
    # satisfied = top 2 boxes of SAT (9, 10); loyal = top 2 boxes of LOYAL: as analysis.trap decides
    for sat, loyal, fires in [(9, 8, True), (10, 1, True), (9, 9, False), (8, 1, False), (10, 10, False)]:
        response = add_response(app, "alerts", {**HAPPY, "SAT": sat, "LOYAL": loyal})
        assert bool(_evaluate(app, response)) is fires, (sat, loyal)
    # one place for the rule: the trap index counts the same respondents
    import pandas as pd

    frame = pd.DataFrame({"S": [9, 10, 9, 8, 10], "L": [8, 1, 9, 1, 10]})
    index = trap_index(frame, satisfaction="S", loyalty="L", satisfaction_scale=(1, 10), loyalty_scale=(1, 10))
    flags = [satisfied_not_loyal(s, y, satisfaction_scale=(1, 10), loyalty_scale=(1, 10))
             for s, y in zip(frame.S, frame.L, strict=True)]
    assert index.n_not_loyal == sum(flags) == 2
    assert satisfied_not_loyal(None, 3, satisfaction_scale=(1, 10), loyalty_scale=(1, 10)) is None


def test_keywords_in_a_comment_case_insensitive_in_chinese_and_english(app, world):
    _rule(app, name="refund", keywords=parse_keywords("Refund， 退款; ＣＡＮＣＥＬ"))
    for comment, fires in [("I want a REFUND now", True), ("请给我退款", True), ("please cancel", True),
                           ("all good", False), ("", False)]:
        response = add_response(app, "alerts", {**HAPPY, "COMMENT": comment} if comment else HAPPY)
        assert bool(_evaluate(app, response)) is fires, comment
    # the keywords box splits on commas and semicolons of either width and new lines
    assert parse_keywords("a, b；c\nd、e ,a") == ["a", "b", "c", "d", "e"]


def test_all_parts_of_a_rule_must_hold(app, world):
    _rule(app, name="angry mercenary", condition=NPS_LOW, keywords=["price"])
    assert _evaluate(app, add_response(app, "alerts", {**HAPPY, "NPS": 2})) == []
    assert _evaluate(app, add_response(app, "alerts", {**HAPPY, "COMMENT": "price"})) == []
    assert _evaluate(app, add_response(app, "alerts", {**HAPPY, "NPS": 2, "COMMENT": "the Price!"})) == [
        "angry mercenary"]


def test_each_rule_fires_at_most_once_per_response(app, world):
    _rule(app, name="detractor", condition=NPS_LOW)
    response = add_response(app, "alerts", {**HAPPY, "NPS": 1})
    assert _evaluate(app, response) == ["detractor"]
    assert _evaluate(app, response) == []
    with app.app_context():  # the job queued twice (a retried request) is one job
        connection = db.session.connection()
        survey = _survey()
        assert queue_alert_check(connection, survey, response, is_test=False, now=T0)
        assert not queue_alert_check(connection, survey, response, is_test=False, now=T0)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ScheduledJob)
                                 .where(ScheduledJob.kind == "alerts")) == 1
        run_due(T0 + timedelta(seconds=1), "worker")
    assert _cases(app) == [("detractor", response)]


def test_test_responses_and_unfinished_ones_never_fire(app, world):
    _rule(app, name="detractor", condition=NPS_LOW)
    assert _evaluate(app, add_response(app, "alerts", {**HAPPY, "NPS": 0}, is_test=True)) == []
    assert _evaluate(app, add_response(app, "alerts", {**HAPPY, "NPS": 0}, status="in_progress")) == []
    with app.app_context():
        assert not queue_alert_check(db.session.connection(), _survey(), 1, is_test=True, now=T0)


def test_the_api_submission_queues_the_evaluation_the_scheduler_runs(app, world):
    _rule(app, name="detractor", condition=NPS_LOW)
    with app.app_context():
        response, created = submit_response(_survey(), {"answers": {**HAPPY, "NPS": 2}}, "key-1")
        db.session.commit()
        assert created
        response_id = response.id
        assert run_due(T0 + timedelta(days=400), "worker").done[0] == f"response:{response_id}:alerts"
    assert _cases(app) == [("detractor", response_id)]


def test_an_anonymous_survey_refuses_rules_and_never_fires_even_one_written_directly(app, make_survey):
    setup_world(app, make_survey, anonymous=True, slug="anon")
    with app.app_context():
        with pytest.raises(AnonymousSurvey):
            save_rule(_survey("anon"), name="detractor", condition=NPS_LOW)
        db.session.rollback()
        # a rule inserted behind the console's back
        db.session.add(AlertRule(survey_id=_survey("anon").id, name="sneaky", condition=NPS_LOW, priority="high",
                                 sla_hours=1))
        db.session.commit()
    response = add_response(app, "anon", {**HAPPY, "NPS": 0})
    assert _evaluate(app, response) == []
    with app.app_context():
        assert not queue_alert_check(db.session.connection(), _survey("anon"), response, is_test=False, now=T0)
        # even the API path, whose survey has that rule: nothing queued, nothing opened
        submit_response(_survey("anon"), {"answers": {**HAPPY, "NPS": 0}}, "key-anon")
        db.session.commit()
        run_due(T0 + timedelta(days=400), "worker")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ScheduledJob)
                                 .where(ScheduledJob.kind == "alerts")) == 0
    assert _cases(app) == []


def test_a_rule_is_checked_before_it_is_stored(app, world):
    with app.app_context():
        survey = _survey()
        for options in [{"condition": {"item": "NOPE", "le": 6}}, {"condition": {"item": "BRANCH", "le": 2}},
                        {"condition": None}, {"condition": NPS_LOW, "priority": "whenever"},
                        {"condition": NPS_LOW, "sla_hours": 0}, {"condition": NPS_LOW, "name": " "}]:
            with pytest.raises(TranslatableError):
                save_rule(survey, **{"name": "x", **options})
            db.session.rollback()


def test_owners_are_found_up_the_hierarchy_else_the_survey_owner(app, world):
    with app.app_context():
        survey = _survey()
        units = {u.code: u for u in db.session.scalars(sa.select(Unit).filter_by(survey_id=survey.id))}
        assert responsible(survey, units["north"].id) == ["north.lead@example.com", "deputy@example.com"]
        assert responsible(survey, units["south"].id) == ["boss@example.com"]  # its region's
        units["east"].owners = None
        db.session.flush()
        assert responsible(survey, units["south"].id) == ["owner@example.com"]  # the survey's creator
        assert responsible(survey, None) == ["owner@example.com"]
