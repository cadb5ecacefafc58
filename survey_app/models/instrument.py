"""Instrument definitions loaded from instruments/*.yaml."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.extensions import db
from survey_app.models.types import JSONType, utcnow


class InstrumentRecord(db.Model):
    __tablename__ = "instrument"
    __table_args__ = (sa.UniqueConstraint("key", "version", name="uq_instrument_key_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the instrument's id in its YAML file, e.g. ``customer_satisfaction``
    key: Mapped[str] = mapped_column(sa.String(64), index=True)
    #: the YAML file's ``version``; a changed definition must bump it
    version: Mapped[str] = mapped_column(sa.String(32))
    #: validated definition as JSON (``Instrument.snapshot()``)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)
    loaded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
