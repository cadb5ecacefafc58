"""Column types shared by the models."""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

#: JSON on SQLite, JSONB on PostgreSQL.
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """Timezone-aware current time in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored time as a timezone-aware UTC datetime: SQLite hands back naive datetimes (everything is stored
    in UTC), PostgreSQL aware ones."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def append_only(model: type, history: str) -> None:
    """Refuse (ValueError) every ORM update or delete of ``model``'s rows: entries of ``history`` ("case history")
    are written once and kept."""

    def refuse(_mapper, _connection, target) -> None:
        raise ValueError(f"{history} is append-only: entry {target.id} cannot be changed or deleted")

    sa.event.listen(model, "before_update", refuse)
    sa.event.listen(model, "before_delete", refuse)
