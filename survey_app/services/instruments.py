"""Loading the shipped instruments into the database and reading them back."""

from __future__ import annotations

import sqlalchemy as sa

from instruments.registry import combine, load_instruments
from instruments.schema import Instrument, Text
from survey_app.extensions import db
from survey_app.models import InstrumentRecord


class InstrumentVersionConflict(ValueError):
    """A YAML file changed without a new ``version``."""


def sync_instruments() -> list[InstrumentRecord]:
    """Validate every instrument file and store new versions; returns the records added."""
    added = []
    for key, instrument in sorted(load_instruments().items()):
        definition = instrument.snapshot()
        existing = db.session.scalar(
            sa.select(InstrumentRecord).filter_by(key=key, version=instrument.version)
        )
        if existing is not None:
            if existing.definition != definition:
                raise InstrumentVersionConflict(
                    f"{key}: the definition changed but its version is still {instrument.version!r}; "
                    "bump `version` in the YAML file so that existing surveys keep their questions."
                )
            continue
        record = InstrumentRecord(key=key, version=instrument.version, definition=definition)
        db.session.add(record)
        added.append(record)
    db.session.flush()
    return added


def latest_instrument(key: str) -> Instrument:
    """The newest stored version of instrument ``key``."""
    record = db.session.scalar(
        sa.select(InstrumentRecord)
        .filter_by(key=key)
        .order_by(InstrumentRecord.loaded_at.desc(), InstrumentRecord.id.desc())
        .limit(1)
    )
    if record is None:
        raise LookupError(f"no instrument {key!r} is loaded; run `flask --app survey_app instruments load`")
    return Instrument.from_snapshot(record.definition)


def build_instrument(keys: list[str], title: Text | None = None) -> Instrument:
    """One instrument from one or several stored ones (modules combined in the order given)."""
    if not keys:
        raise ValueError("choose at least one instrument")
    parts = [latest_instrument(key) for key in keys]
    if len(parts) == 1:
        return parts[0]
    return combine(parts, id="+".join(keys), title=title)
