"""Database models (SQLAlchemy 2.x typed declarative)."""

from survey_app.models.actions import Action, ActionEvent
from survey_app.models.alerts import AlertCase, AlertRule, CaseEvent
from survey_app.models.answer_block import AnswerBlock
from survey_app.models.audit import AuditEntry
from survey_app.models.channels import SurveyChannels
from survey_app.models.instrument import InstrumentRecord
from survey_app.models.mail import MailMessage
from survey_app.models.report_job import ReportJob
from survey_app.models.response import Response
from survey_app.models.survey import Invitation, Survey, SurveyRelease, SurveyVersion, Unit
from survey_app.models.user import AccountLink, ApiToken, SurveyAccess, User, UserSession
from survey_app.models.webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "AccountLink", "Action", "ActionEvent", "AlertCase", "AlertRule", "AnswerBlock", "ApiToken", "AuditEntry",
    "CaseEvent", "InstrumentRecord", "Invitation", "MailMessage", "ReportJob", "Response", "Survey", "SurveyAccess",
    "SurveyChannels", "SurveyRelease", "SurveyVersion", "Unit", "User", "UserSession", "WebhookDelivery",
    "WebhookEndpoint",
]
