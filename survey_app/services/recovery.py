"""Recovery follow-up: when a case is resolved, ask the customer how it was handled, then analyse real cases.

One follow-up survey per parent survey (``Survey.followup_of_id``, made from the ``recovery_followup`` module on
first use, shared with whoever may see the parent). Each follow-up is a personal invitation of it linked to the
case (``Invitation.case_id``), mailed through the mail queue (kind ``followup``) in the invitee's language; its
answer, given through the personal link, is linked to the case by that invitation. Never on anonymous surveys:
they have no cases, and a follow-up would tie a person to a complaint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from analysis.recovery import RecoveryResult, recovery_analysis
from instruments.registry import get_instrument
from instruments.schema import Instrument
from survey_app.extensions import db
from survey_app.messages import N_, TranslatableError
from survey_app.models import AlertCase, Invitation, MailMessage, Response, Survey, SurveyAccess, User
from survey_app.services.cases import record_followup
from survey_app.services.disclosure import open_gate
from survey_app.services.instruments import latest_instrument
from survey_app.services.invitations import create_invitations
from survey_app.services.surveys import create_survey, instrument_of

#: the shipped module the follow-up survey is made from (instruments/recovery_followup.yaml)
FOLLOWUP_MODULE = "recovery_followup"
#: the mail kind of the follow-up message (services.mail.compose.TEXTS)
MAIL_KIND = "followup"
#: the roles of the follow-up's items -> the analysis' column names (analysis.recovery.CASE_COLUMNS)
ROLES = {"recovery_outcome": "outcome", "recovery_procedure": "procedure", "recovery_interaction": "interaction",
         "satisfaction": "satisfaction", "recommend": "recommend"}
#: the languages the follow-up is written in
LANGUAGES = ("zh", "en")
#: what a follow-up survey's title adds to its parent's
TITLE_SUFFIX = {"zh": "：问题处理回访", "en": ": complaint follow-up"}


# -- the follow-up survey ---------------------------------------------------------------------------------------
def followup_survey_of(parent: Survey) -> Survey | None:
    """The parent survey's follow-up survey, if it has one yet."""
    return db.session.scalar(sa.select(Survey).filter_by(followup_of_id=parent.id))


def followup_survey(parent: Survey) -> Survey:
    """The parent survey's follow-up survey, made on first use (once: a unique index). Flushes only."""
    if parent.anonymous:
        raise TranslatableError(N_("an anonymous survey has no cases and sends no follow-up"))
    existing = followup_survey_of(parent)
    if existing is not None:
        return existing
    languages = [lang for lang in parent.languages if lang in LANGUAGES] or list(LANGUAGES)
    title = {lang: parent.title_in(lang)[:180] + TITLE_SUFFIX[lang] for lang in LANGUAGES}
    survey = create_survey(slug=_free_slug(parent.slug), instrument_keys=[FOLLOWUP_MODULE], title=title,
                           languages=languages, instrument=_module())
    survey.followup_of_id = parent.id
    survey.created_by_id = parent.created_by_id
    for user_id in db.session.scalars(sa.select(SurveyAccess.user_id).filter_by(survey_id=parent.id)):
        db.session.add(SurveyAccess(survey_id=survey.id, user_id=user_id))
    db.session.flush()
    return survey


def _module() -> Instrument:
    """The follow-up module as stored by ``instruments load``, else as shipped (a fresh install)."""
    try:
        return latest_instrument(FOLLOWUP_MODULE)
    except LookupError:
        return get_instrument(FOLLOWUP_MODULE)


def _free_slug(parent_slug: str) -> str:
    base = f"{parent_slug[:54]}-followup"
    slug, number = base, 1
    while db.session.scalar(sa.select(Survey.id).filter_by(slug=slug)) is not None:
        number += 1
        slug = f"{base[:60]}-{number}"
    return slug


# -- sending ----------------------------------------------------------------------------------------------------
def customer_invitation(case: AlertCase) -> tuple[Response | None, Invitation | None]:
    """The response behind the case and the invitation it was made through (None: no personal link)."""
    response = db.session.get(Response, case.response_id)
    invitation = db.session.get(Invitation, response.invitation_id) if response and response.invitation_id else None
    return response, invitation


def followup_of(case: AlertCase) -> Invitation | None:
    """The follow-up invitation sent about ``case``, if any."""
    return db.session.scalar(sa.select(Invitation).filter_by(case_id=case.id).order_by(Invitation.id).limit(1))


def refusal(case: AlertCase, survey: Survey) -> str | None:
    """Why no follow-up can be sent about ``case`` (a message id to translate), or None."""
    if survey.anonymous:
        return N_("an anonymous survey has no cases and sends no follow-up")
    if followup_of(case) is not None:
        return N_("the follow-up survey was sent about this case already")
    sibling = sa.select(Invitation.id).join(AlertCase, AlertCase.id == Invitation.case_id).where(
        AlertCase.response_id == case.response_id)
    if db.session.scalar(sibling.limit(1)) is not None:
        return N_("the customer was sent the follow-up about another case of the same answer already")
    _, invitation = customer_invitation(case)
    if invitation is None or not invitation.email:
        return N_("the customer left no email address: no follow-up can be sent")
    if invitation.unsubscribed_at is not None:
        return N_("the customer asked for no more messages about this survey")
    return None


def send_followup(case: AlertCase, by: User | None, now: datetime) -> Invitation:
    """Invite the customer of a resolved case to the follow-up survey and queue the email. Flushes only."""
    survey = db.session.get(Survey, case.survey_id)
    if survey.anonymous:  # no case should exist there at all (services.cases.open_case)
        raise TranslatableError(N_("an anonymous survey has no cases and sends no follow-up"))
    if case.status != "resolved":
        raise TranslatableError(N_("resolve the case first: the follow-up asks how it was resolved"))
    reason = refusal(case, survey)
    if reason is not None:
        raise TranslatableError(reason)
    response, source = customer_invitation(case)
    followup = followup_survey(survey)
    [(invitation, _token)] = create_invitations(followup, [source.external_ref])
    language = source.language if source.language in LANGUAGES else response.language
    invitation.email, invitation.name = source.email, source.name
    invitation.language = language if language in LANGUAGES else None
    invitation.case_id = case.id
    db.session.add(MailMessage(survey_id=followup.id, invitation_id=invitation.id, kind=MAIL_KIND, step="",
                               channel="email", status="queued", attempts=0, next_attempt_at=now, created_at=now))
    db.session.flush()
    record_followup(case, by, now, source.email)
    return invitation


# -- its state on the case page ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class FollowupState:
    """What the case page shows of a case's follow-up."""

    #: queued | sent | failed | answered
    state: str
    email: str
    sent_at: datetime | None
    answered_at: datetime | None
    #: the follow-up answers (None until answered) and the questionnaire they were given to
    answers: dict | None
    survey: Survey


def followup_state(case: AlertCase) -> FollowupState | None:
    """The state of the case's follow-up, or None when none was sent."""
    invitation = followup_of(case)
    if invitation is None:
        return None
    survey = db.session.get(Survey, invitation.survey_id)
    message = db.session.scalar(sa.select(MailMessage).filter_by(invitation_id=invitation.id, kind=MAIL_KIND)
                                .order_by(MailMessage.id.desc()).limit(1))
    response = db.session.scalar(sa.select(Response).where(
        Response.invitation_id == invitation.id, *open_gate(survey).where()).limit(1))
    if response is not None:
        state = "answered"
    else:
        state = message.status if message is not None else "queued"
    return FollowupState(state=state, email=invitation.email or "", sent_at=message.sent_at if message else None,
                         answered_at=response.submitted_at if response else None,
                         answers=dict(response.answers) if response else None, survey=survey)


# -- the analysis on real cases -----------------------------------------------------------------------------------
def recovery_frames(survey: Survey) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cases frame and the customers frame of analysis.recovery for ``survey`` (identified surveys only)."""
    followup = followup_survey_of(survey)
    roles: dict[str, str] = {}
    if followup is not None:
        for item in instrument_of(followup).items:
            if item.role in ROLES and ROLES[item.role] not in roles.values():
                roles[item.code] = ROLES[item.role]
    gate = open_gate(followup) if followup is not None else None
    answered = {}
    if gate is not None:
        answered = {invitation_id: answers for invitation_id, answers in db.session.execute(
            sa.select(Response.invitation_id, Response.answers).where(*gate.where()))}
    invitations = dict(db.session.execute(sa.select(Invitation.case_id, Invitation.id).join(
        AlertCase, AlertCase.id == Invitation.case_id).where(AlertCase.survey_id == survey.id)).all())
    rows = []
    for case in db.session.scalars(sa.select(AlertCase).filter_by(survey_id=survey.id).order_by(AlertCase.id)):
        invitation_id = invitations.get(case.id)
        answers = answered.get(invitation_id) if invitation_id is not None else None
        row = {"case_id": case.id, "response_id": case.response_id, "opened_at": _naive(case.created_at),
               "resolved_at": _naive(case.resolved_at) if case.status == "resolved" else None,
               "invited": invitation_id is not None, "answered": answers is not None}
        row.update({column: _number((answers or {}).get(code)) for code, column in roles.items()})
        rows.append(row)
    cases = pd.DataFrame(rows, columns=["case_id", "response_id", "opened_at", "resolved_at", "invited", "answered",
                                        *ROLES.values()])
    cases["opened_at"] = pd.to_datetime(cases["opened_at"])
    cases["resolved_at"] = pd.to_datetime(cases["resolved_at"])
    instrument = instrument_of(survey)
    recommend = next((item.code for item in instrument.items_by_role("recommend")), None)
    problem = next((item.code for item in instrument.items_by_role("problem")), None)
    records = {response_id: {"recommend": _number(answers.get(recommend)) if recommend else None,
                             "problem": _number(answers.get(problem)) if problem else None}
               for response_id, answers in db.session.execute(
                   sa.select(Response.id, Response.answers).where(*open_gate(survey).where()))}
    customers = pd.DataFrame.from_dict(records, orient="index", columns=["recommend", "problem"], dtype=float)
    return cases, customers


def _naive(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive UTC times, PostgreSQL aware ones: compare them all as naive UTC
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def recovery_result(survey: Survey) -> RecoveryResult | None:
    """The recovery analysis of the survey's cases; None on anonymous surveys and when there is no case."""
    if survey.anonymous:
        return None
    if db.session.scalar(sa.select(AlertCase.id).filter_by(survey_id=survey.id).limit(1)) is None:
        return None
    cases, customers = recovery_frames(survey)
    return recovery_analysis(cases, customers)


def recovery_fingerprint(survey: Survey) -> str:
    """What the report's recovery section depends on beyond the survey's own answers (for the report cache)."""
    cases = db.session.execute(sa.select(sa.func.count(AlertCase.id), sa.func.max(AlertCase.resolved_at)).filter_by(
        survey_id=survey.id)).one()
    resolved = db.session.scalar(sa.select(sa.func.count(AlertCase.id)).filter_by(survey_id=survey.id,
                                                                                  status="resolved"))
    followup = followup_survey_of(survey)
    answered = (0, 0)
    if followup is not None:
        answered = tuple(db.session.execute(sa.select(sa.func.count(Response.id), sa.func.max(Response.id))
                                            .where(*open_gate(followup).where())).one())
    sent = db.session.scalar(sa.select(sa.func.count(Invitation.id)).where(Invitation.case_id.is_not(None),
                                                                           Invitation.survey_id == (
                                                                               followup.id if followup else -1)))
    return f"{cases[0]}:{cases[1]}:{resolved}:{sent}:{answered[0]}:{answered[1]}"
