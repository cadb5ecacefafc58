"""Alert rules of a survey: storing them, evaluating them on a complete response, queueing the evaluation.

A rule holds when every part it has holds: its condition (the questionnaire's condition language,
:mod:`instruments.logic`), "satisfied but not loyal" (:func:`analysis.trap.satisfied_not_loyal`, the trap's own
thresholds) and "an open-text answer contains one of the keywords" (case-insensitive). Only identified surveys
have rules: an anonymous survey refuses them, and :func:`evaluate_response` never opens a case on one, whatever
rules the database holds. See docs/alerts.md.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from analysis.model import ModelSpec
from analysis.trap import satisfied_not_loyal
from analysis.trap_analysis import outcome_column
from instruments.base import SchemaProblem
from instruments.logic import Condition, check, evaluate
from instruments.schema import Instrument
from survey_app.extensions import db
from survey_app.messages import N_, Quoted, TranslatableError
from survey_app.models import AlertCase, AlertRule, Response, Survey, WebhookEndpoint
from survey_app.models.alerts import PRIORITIES
from survey_app.models.types import JSONType
from survey_app.scheduler.jobs import dialect_insert, register
from survey_app.scheduler.models import ScheduledJob
from survey_app.services.events.endpoints import subscribes
from survey_app.services.surveys import SurveyRow, instrument_of
from survey_app.text_checks import checked_text

#: the scheduler's job kind that evaluates a response's rules
KIND = "alerts"
MAX_KEYWORDS = 20
MAX_KEYWORD = 100
#: what separates keywords as typed: commas, Chinese commas and semicolons, new lines
KEYWORD_SEPARATORS = re.compile(r"[,;\n，；、]+")
MAX_SLA_HOURS = 24 * 365


class AnonymousSurvey(TranslatableError):
    """An anonymous survey has no alert rules."""


@dataclass(frozen=True)
class TrapRule:
    """Which answers say "satisfied" and "loyal", and the trap's thresholds, for one questionnaire."""

    satisfaction: str
    loyalty: str
    satisfaction_scale: tuple[float, float]
    loyalty_scale: tuple[float, float]
    high_boxes: int
    top_boxes: int


def trap_rule(instrument: Instrument) -> TrapRule | None:
    """The satisfied-but-not-loyal test of ``instrument``: its outcomes and top boxes as the trap analysis reads
    them; None when the questionnaire has no satisfaction or loyalty outcome on a known scale."""
    try:
        spec = ModelSpec.from_dict(instrument.model_spec(), source=f"instrument {instrument.id}")
        satisfaction, loyalty = outcome_column(spec, "satisfaction"), outcome_column(spec, "loyalty")
        scales = instrument.scale_of(satisfaction).bounds(), instrument.scale_of(loyalty).bounds()
    except (KeyError, ValueError):
        return None
    if None in scales or satisfaction == loyalty:
        return None
    return TrapRule(satisfaction, loyalty, scales[0], scales[1], int(spec.trap.get("high_boxes", 2)),
                    int(spec.trap.get("top_boxes", 2)))


def normalised(text: str) -> str:
    """Text compared case-insensitively, full-width letters as half-width (NFKC), in zh and en alike."""
    return unicodedata.normalize("NFKC", text).casefold()


def parse_keywords(text: str) -> list[str]:
    """The keywords typed in one box, separated by commas, semicolons (either width) or new lines."""
    words = [word.strip() for word in KEYWORD_SEPARATORS.split(checked_text(text or "", "keywords"))]
    words = list(dict.fromkeys(word for word in words if word))
    if len(words) > MAX_KEYWORDS:
        raise TranslatableError(N_("at most %(n)s keywords"), n=MAX_KEYWORDS)
    for word in words:
        if len(word) > MAX_KEYWORD:
            raise TranslatableError(N_("keyword %(word)s is longer than %(n)s characters"), word=Quoted(word[:40]),
                                    n=MAX_KEYWORD)
    return words


def check_rule(survey: Survey, *, name: str, condition: dict[str, Any] | None, satisfied_not_loyal: bool,
               keywords: list[str], priority: str, sla_hours: int) -> None:
    """Raise TranslatableError naming what is wrong with a rule for ``survey``."""
    if survey.anonymous:
        raise AnonymousSurvey(N_("an anonymous survey has no alert rules: an alert names the person who answered"))
    name = checked_text(name or "", "name").strip()
    if not name or len(name) > 200:
        raise TranslatableError(N_("give the rule a name of 1 to 200 characters"))
    if priority not in PRIORITIES:
        raise TranslatableError(N_("the priority must be one of %(priorities)s"), priorities=", ".join(PRIORITIES))
    if not 1 <= sla_hours <= MAX_SLA_HOURS:
        raise TranslatableError(N_("the time to resolve must be 1 to %(n)s hours"), n=MAX_SLA_HOURS)
    if condition is None and not satisfied_not_loyal and not keywords:
        raise TranslatableError(N_("a rule needs a condition, the satisfied-but-not-loyal test or keywords"))
    instrument = instrument_of(survey)
    if condition is not None:
        try:
            parsed = Condition.model_validate(condition)
            scales = {item.code: instrument.scale_of(item) for item in instrument.items}
            check(parsed, (), earlier=scales, known=scales)
        except (SchemaProblem, ValueError) as exc:
            raise TranslatableError(N_("the condition does not fit the questionnaire: %(detail)s"),
                                    detail=str(exc)) from None
    if satisfied_not_loyal and trap_rule(instrument) is None:
        raise TranslatableError(N_("the questionnaire asks no overall satisfaction and loyalty question, so nobody "
                                   "can be found satisfied but not loyal"))


def save_rule(survey: Survey, rule: AlertRule | None = None, *, name: str, condition: dict[str, Any] | None,
              satisfied_not_loyal: bool = False, keywords: list[str] | None = None, priority: str = "normal",
              sla_hours: int = 48, active: bool = True, created_by_id: int | None = None) -> AlertRule:
    """Create (``rule`` None) or change a rule of ``survey`` after :func:`check_rule`. Flushes only."""
    keywords = keywords or []
    check_rule(survey, name=name, condition=condition, satisfied_not_loyal=satisfied_not_loyal, keywords=keywords,
               priority=priority, sla_hours=sla_hours)
    if rule is None:
        rule = AlertRule(survey_id=survey.id, created_by_id=created_by_id)
        db.session.add(rule)
    rule.name, rule.condition, rule.satisfied_not_loyal = name.strip(), condition, satisfied_not_loyal
    rule.keywords, rule.priority, rule.sla_hours, rule.active = keywords or None, priority, sla_hours, active
    db.session.flush()
    return rule


def remove_rule(rule: AlertRule) -> bool:
    """Delete a rule that opened no case, else switch it off (its cases keep their history); True when deleted."""
    used = db.session.scalar(sa.select(AlertCase.id).filter_by(rule_id=rule.id).limit(1)) is not None
    if used:
        rule.active = False
    else:
        db.session.delete(rule)
    db.session.flush()
    return not used


def rules_of(survey: Survey) -> list[AlertRule]:
    """The survey's rules, in the order they were made."""
    return list(db.session.scalars(sa.select(AlertRule).filter_by(survey_id=survey.id).order_by(AlertRule.id)))


# -- evaluating ------------------------------------------------------------------------------------------------
def rule_holds(rule: AlertRule, answers: dict[str, Any], instrument: Instrument) -> bool:
    """Whether every part of ``rule`` holds for ``answers`` (a rule with no part never holds)."""
    parts = 0
    if rule.condition is not None:
        parts += 1
        try:
            if not evaluate(Condition.model_validate(rule.condition), answers):
                return False
        except ValueError:  # a condition that no longer parses never holds
            return False
    if rule.satisfied_not_loyal:
        parts += 1
        trap = trap_rule(instrument)
        if trap is None or not satisfied_not_loyal(
                _number(answers.get(trap.satisfaction)), _number(answers.get(trap.loyalty)),
                satisfaction_scale=trap.satisfaction_scale, loyalty_scale=trap.loyalty_scale,
                high_boxes=trap.high_boxes, top_boxes=trap.top_boxes):
            return False
    if rule.keywords:
        parts += 1
        if not comment_contains(answers, instrument, rule.keywords):
            return False
    return parts > 0


def comment_contains(answers: dict[str, Any], instrument: Instrument, keywords: list[str]) -> bool:
    """Whether an open-text answer contains one of ``keywords``, case-insensitively (zh and en)."""
    texts = [normalised(str(answers[item.code])) for item in instrument.items
             if instrument.scale_of(item).kind == "text" and isinstance(answers.get(item.code), str)]
    wanted = [normalised(word) for word in keywords]
    return any(word in text for text in texts for word in wanted)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def evaluate_response(response_id: int, now: datetime) -> list[AlertCase]:
    """Open a case for each active rule a complete, real response of an identified survey meets, at most once per
    rule and response; returns the cases opened now. Flushes only."""
    from survey_app.services.cases import open_case

    response = db.session.get(Response, response_id)
    if response is None or response.status != "complete" or response.is_test:
        return []
    survey = db.session.get(Survey, response.survey_id)
    if survey is None or survey.anonymous:  # never: not even a rule written into the database directly
        return []
    instrument = instrument_of(survey)
    opened = []
    for rule in db.session.scalars(sa.select(AlertRule).filter_by(survey_id=survey.id, active=True)
                                   .order_by(AlertRule.id)):
        if rule_holds(rule, response.answers or {}, instrument):
            case = open_case(survey, response, rule, now)
            if case is not None:
                opened.append(case)
    return opened


@register(KIND)
def run_alert_check(payload: dict[str, Any], now: datetime) -> None:
    """The ``alerts`` job of a complete response: its ``response.completed`` webhooks, then its rules."""
    from survey_app.services.events.payloads import response_completed

    response_completed(int(payload["response_id"]), now)
    evaluate_response(int(payload["response_id"]), now)


def queue_alert_check(connection: sa.Connection, survey: Survey | SurveyRow, response_id: int, *, is_test: bool,
                      now: datetime) -> bool:
    """In the submission's own transaction: a job to evaluate the rules on the response just completed (and to
    send its ``response.completed`` webhooks), when the survey is identified, the response real and the survey has
    an active rule or an active endpoint subscribed to ``response.completed``; True when queued now.

    The scheduler runs it (``flask scheduler run``): a failing rule or mail server never fails a submission, and
    a submission committed is never left unevaluated.
    """
    if survey.anonymous or is_test:
        return False
    # one statement whether or not the survey has a rule or a subscriber: the job is made only when one exists
    rules, endpoints = AlertRule.__table__, WebhookEndpoint.__table__
    stamp = sa.DateTime(timezone=True)
    chosen = sa.select(
        sa.literal(f"response:{response_id}:alerts"), sa.literal(KIND),
        sa.literal({"response_id": response_id}, JSONType), sa.literal(now, stamp), sa.literal("due"),
        sa.literal(0), sa.literal(5), sa.literal(now, stamp),
    ).where(sa.or_(
        sa.exists().where(rules.c.survey_id == survey.id, rules.c.active.is_(sa.true())),
        sa.exists().where(endpoints.c.survey_id == survey.id, endpoints.c.active.is_(sa.true()),
                          subscribes("response.completed")),
    ))
    insert = dialect_insert(connection.dialect.name)(ScheduledJob.__table__).from_select(
        ["key", "kind", "payload", "due_at", "state", "attempts", "max_attempts", "created_at"], chosen)
    added = connection.execute(insert.on_conflict_do_nothing(index_elements=["key"]).returning(
        ScheduledJob.__table__.c.id)).first()
    return added is not None
