"""Surveys, their frozen unit hierarchy, and personal invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.extensions import db
from survey_app.models.types import JSONType, utcnow

SURVEY_STATUSES = ("draft", "open", "closed", "archived")


class Survey(db.Model):
    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: public identifier in the link ``/s/<slug>``
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: {"zh": ..., "en": ...}
    title: Mapped[dict[str, str]] = mapped_column(JSONType)
    #: instrument key(s) joined by "+", e.g. ``customer_satisfaction+kano``
    instrument_key: Mapped[str] = mapped_column(sa.String(200))
    instrument_version: Mapped[str] = mapped_column(sa.String(100))
    #: the (combined) instrument as it was when the survey was created; answers are read against this
    instrument_snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: counts the saves of the questionnaire in the editor; a save based on an older revision is refused
    questionnaire_revision: Mapped[int] = mapped_column(default=0, server_default="0")
    #: draft | open | closed | archived
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    opens_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: anonymous surveys store no link to invitations, no identifiers and no time finer than a day
    anonymous: Mapped[bool] = mapped_column(default=False)
    #: languages offered to respondents, first is the default
    languages: Mapped[list[str]] = mapped_column(JSONType, default=lambda: ["zh", "en"])
    #: smallest group for which any figure is shown (confidentiality)
    min_group_size: Mapped[int] = mapped_column(default=5)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    #: the account that created it
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    #: surveys repeated over time share a series; wave counts 1, 2, ...
    series: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    wave: Mapped[int] = mapped_column(default=1)
    #: number of the current questionnaire (the snapshot); earlier ones are kept in survey_version
    version: Mapped[int] = mapped_column(default=1)
    #: origins (``https://intranet.example.com``) whose pages may show the survey in an iframe; None: no page may
    frame_origins: Mapped[list[str] | None] = mapped_column(JSONType, nullable=True)
    #: the survey whose cases this recovery follow-up survey asks about (services.recovery; one per survey); None:
    #: not a follow-up
    followup_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"),
                                                        index=True, unique=True)
    #: when the survey was last closed or archived (None while open or a draft); retention counts from here, or
    #: from ``closes_at`` once that has passed (services.retention)
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: the privacy notice on the first page, per language: {"zh": {"purpose", "controller", "retention",
    #: "contact", "consent"}, "en": {...}}; None: no notice (services.privacy)
    privacy_notice: Mapped[dict[str, dict[str, str]] | None] = mapped_column(JSONType, nullable=True)
    #: counts the changes of the notice; a response stores the version its respondent agreed to
    privacy_version: Mapped[int] = mapped_column(default=0, server_default="0")
    #: days after the closing when the answers are deleted or anonymised (``answers_retention``); None: kept
    answers_retention_days: Mapped[int | None] = mapped_column()
    #: delete | anonymise
    answers_retention: Mapped[str] = mapped_column(sa.String(16), default="delete", server_default="delete")
    #: days after the closing when the invitations (names, addresses, links, attributes) are deleted; None: kept
    invitees_retention_days: Mapped[int | None] = mapped_column()
    #: days after the closing when the delivery logs (mail messages, webhook deliveries) are deleted; None: kept
    deliveries_retention_days: Mapped[int | None] = mapped_column()

    units: Mapped[list[Unit]] = relationship(back_populates="survey", cascade="all, delete-orphan")

    def title_in(self, lang: str) -> str:
        """Title in ``lang``, falling back to English then any language."""
        return title_in(self.title, lang, self.slug)


def title_in(title: dict[str, str], lang: str, slug: str) -> str:
    """A survey title in ``lang``, falling back to English, then any language, then the slug."""
    return title.get(lang) or title.get("en") or next(iter(title.values()), slug)


class Unit(db.Model):
    """A node of the organisation hierarchy (department, store, branch), frozen per survey."""

    __tablename__ = "unit"
    __table_args__ = (sa.UniqueConstraint("survey_id", "code", name="uq_unit_survey_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    #: the code answers carry (the option value of the instrument's unit question)
    code: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200))
    #: the name in each language that has one ({"zh": ..., "en": ...}); ``name`` serves the others
    names: Mapped[dict[str, str] | None] = mapped_column(JSONType, nullable=True)
    #: department | store | branch | ...
    kind: Mapped[str] = mapped_column(sa.String(32), default="unit")
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"))
    #: "module": an option of the questionnaire module's unit question, a stand-in that an imported hierarchy
    #: replaces; "import": from an uploaded hierarchy
    origin: Mapped[str] = mapped_column(sa.String(16), default="import")
    #: who is responsible for the unit: email addresses separated by ";" (alerts go to them, services.cases)
    owners: Mapped[str | None] = mapped_column(sa.String(1000))

    survey: Mapped[Survey] = relationship(back_populates="units")


class Invitation(db.Model):
    """A personal link that may produce one response."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the token; the token itself is shown once and never stored
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: email or customer id, for identified surveys only
    external_ref: Mapped[str | None] = mapped_column(sa.String(200))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    #: set when the response made with this invitation is submitted
    used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: where invitations and reminders are mailed (participants upload; see services.mail); on anonymous surveys
    #: too, since no stored row links an invitation to its response once the answers are complete
    email: Mapped[str | None] = mapped_column(sa.String(320))
    #: how the messages address the invitee
    name: Mapped[str | None] = mapped_column(sa.String(200))
    #: language of the messages (zh or en); None: the survey's first language
    language: Mapped[str | None] = mapped_column(sa.String(8))
    #: further columns of the participants upload, by column name (from the list, never from answers)
    attributes: Mapped[dict[str, str] | None] = mapped_column(JSONType, nullable=True)
    #: when the personal link was first opened (identified surveys only: never recorded on an anonymous one, where
    #: the time would tell who went on to answer; no tracking pixel, only the survey page itself)
    opened_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: set by the unsubscribe link: no further mail for this survey
    unsubscribed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: the case a recovery follow-up invitation asks about (services.recovery); None: any other invitation
    #: (created after the tables: invitation, response and alert_case refer to each other in a circle)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey(
        "alert_case.id", ondelete="SET NULL", use_alter=True, name="fk_invitation_case_id_alert_case"), index=True)


class SurveyRelease(db.Model):
    """One batch of an anonymous survey's answers that the outputs began to show (see analysis.releases)."""

    __tablename__ = "survey_release"
    __table_args__ = (sa.UniqueConstraint("survey_id", "number", name="uq_survey_release_survey_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    #: 1, 2, ... per survey; two processes cutting the same release collide on the unique constraint
    number: Mapped[int] = mapped_column()
    #: groups released for the first time -> "shown" or "hidden" (analysis.releases.unit_key / own_key)
    born: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    #: answers released
    size: Mapped[int] = mapped_column(default=0)
    #: cut after the survey closed: small groups could be pooled
    final: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class SurveyVersion(db.Model):
    """A questionnaire a survey was answered with before it was revised (see services.survey_versions)."""

    __tablename__ = "survey_version"
    __table_args__ = (sa.UniqueConstraint("survey_id", "number", name="uq_survey_version_survey_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    #: 1, 2, ... ; the survey's current questionnaire is number ``survey.version``
    number: Mapped[int] = mapped_column()
    #: the instrument snapshot as it was answered
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: item code -> the answer key its answers were moved to when the revision changed the item's meaning
    renamed: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
