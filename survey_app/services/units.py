"""Importing an organisation hierarchy (units) into a survey, where it is frozen once answers arrive."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, Survey, Unit
from survey_app.services.uploads import UploadError, read_csv_upload

UNIT_KINDS = ("unit", "department", "store", "branch", "region", "team", "division", "company")


def import_units(survey: Survey, data: bytes) -> list[Unit]:
    """Add or update units from a CSV (columns unit, parent, kind, name); refused once the survey has answers."""
    has_answers = db.session.scalar(sa.select(Response.id).filter_by(survey_id=survey.id).limit(1)) is not None
    if has_answers:
        raise UploadError("the survey already has responses: its unit hierarchy is frozen")
    rows = read_csv_upload(data, required=("unit",), optional=("parent", "kind", "name"))
    existing = {u.code: u for u in db.session.scalars(sa.select(Unit).filter_by(survey_id=survey.id))}
    parents: dict[str, str] = {}
    seen: set[str] = set()
    for row in rows:
        code, line = row["unit"], row["_line"]
        if len(code) > 64:
            raise UploadError(f"line {line}: unit code longer than 64 characters")
        if code in seen:
            raise UploadError(f"line {line}: unit {code!r} appears twice")
        seen.add(code)
        kind = (row.get("kind") or "unit").lower()
        if kind not in UNIT_KINDS:
            raise UploadError(f"line {line}: kind {kind!r} is not one of {', '.join(UNIT_KINDS)}")
        unit = existing.get(code)
        if unit is None:
            unit = Unit(survey_id=survey.id, code=code, name=row.get("name") or code, kind=kind)
            db.session.add(unit)
            existing[code] = unit
        else:
            unit.kind = kind
            unit.name = row.get("name") or unit.name
        if row.get("parent"):
            parents[code] = row["parent"]
    for code, parent in parents.items():
        if parent not in existing:
            raise UploadError(f"unit {code!r}: parent {parent!r} is neither in the file nor in the survey")
        if parent == code:
            raise UploadError(f"unit {code!r} cannot be its own parent")
    _check_no_cycle(parents)
    db.session.flush()
    for code, parent in parents.items():
        existing[code].parent_id = existing[parent].id
    db.session.flush()
    return [existing[code] for code in seen]


def _check_no_cycle(parents: dict[str, str]) -> None:
    for start in parents:
        trail, node = [start], parents[start]
        while node in parents:
            if node in trail:
                raise UploadError("the units form a cycle: " + " -> ".join([*trail[trail.index(node):], node]))
            trail.append(node)
            node = parents[node]
