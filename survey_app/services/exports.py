"""Exporting a survey's responses: CSV, Excel and SPSS .sav with variable and value labels.

Every export holds only the responses the disclosure gate lets out (:mod:`survey_app.services.disclosure`).
Anonymous surveys export no identifiers (no response id, no invitation reference, no answer to a customer-id
question) and no time at all, in shuffled order, so that nothing in a row tells when it was submitted; each row
carries the deepest unit the gate shows for it (never a unit too small to show), also as the answer to the unit
question; and the facts a colleague may know (language, channel, demographic answers) are blanked where they would
single people out (see :func:`_generalise_known_facts`). Text cells that a spreadsheet
would run as a formula (= + - @, tab, carriage return) are neutralised with a leading apostrophe.
"""

from __future__ import annotations

import io
import random
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat
import sqlalchemy as sa

from instruments.schema import Instrument
from survey_app.extensions import db
from survey_app.models import Invitation, Response, Survey
from survey_app.services.disclosure import open_gate
from survey_app.services.surveys import instrument_of
from survey_app.text_checks import printable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
FORMATS = ("csv", "xlsx", "sav")
MIME = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
}


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would evaluate gets a leading apostrophe, and text any file format can hold
    (:func:`survey_app.text_checks.printable`, for rows stored before the input checks); the rest is unchanged."""
    if not isinstance(value, str):
        return value
    value = printable(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _answer(value: Any) -> Any:
    if isinstance(value, list):  # multiple choice: one cell, values separated by ";"
        return ";".join(str(v) for v in value)
    return value


def responses_table(survey: Survey) -> pd.DataFrame:
    """The responses the disclosure gate lets out, one row each: metadata columns, then one column per item in
    instrument order."""
    gate = open_gate(survey)
    instrument = instrument_of(survey)
    units = {unit.id: unit.code for unit in gate.units.values()}
    unit_items = {item.code for item in instrument.items_by_role("unit")}
    query = (
        sa.select(Response.id, Response.answers, Response.submitted_at, Response.language, Response.channel,
                  Response.unit_id, Response.release_no, Invitation.external_ref)
        .outerjoin(Invitation, Invitation.id == Response.invitation_id)
        .where(*gate.where())
        .order_by(Response.id)
    )
    records = []
    for row in db.session.execute(query):
        record: dict[str, Any] = {}
        if not survey.anonymous:
            record["response_id"] = row.id
            record["invitation_ref"] = row.external_ref
            record["submitted_at"] = row.submitted_at.isoformat() if row.submitted_at else None
            record["unit"] = units.get(row.unit_id)
        else:
            # the deepest unit the gate shows for this row: never a unit too small to show on its own
            record["unit"] = gate.label(row.unit_id)
            record[RELEASE] = row.release_no
        record["language"] = row.language
        record["channel"] = row.channel
        for item in instrument.items:
            if not survey.anonymous:
                record[item.code] = _answer(row.answers.get(item.code))
            elif item.code in unit_items:
                record[item.code] = record["unit"]
            else:  # an identifier never leaves an anonymous survey
                record[item.code] = None if item.role == "customer_id" else _answer(row.answers.get(item.code))
        records.append(record)
    if survey.anonymous:
        _generalise_known_facts(records, survey.min_group_size,
                                [item.code for item in instrument.items_by_role("demographic")])
        random.SystemRandom().shuffle(records)
    columns = ([] if survey.anonymous else ["response_id", "invitation_ref", "submitted_at"]) + [
        "unit", "language", "channel", *[item.code for item in instrument.items]]
    return pd.DataFrame.from_records(records, columns=columns)


#: a row's release, known to whoever compared two exports (the rows that were not in the earlier one), so
#: counted among the facts each combination must share with k rows; never written to the file
RELEASE = "\x00release"
#: what a colleague may know about a respondent besides the unit, and how an anonymous export gives it up when it
#: would single people out: the channel, then the language
KNOWN_FACTS = ("language", "channel")
_GENERALISATIONS = ("channel", "language")


def _generalise_known_facts(records: list[dict[str, Any]], k: int, demographic_items: list[str]) -> None:
    """Anonymous exports: within each unit and release, every combination of language, channel and demographic
    answers that a row shows is shared by at least k rows, else those facts are blanked for the whole unit.

    "The only English answer in East" or "the only woman over 50 in East" points at one person as surely as a
    name, and so does "the only one in East's second batch". The facts are given up for every row of the unit,
    never for the rare rows alone: a blank language among rows that all say "zh" would single its row out just the
    same. Demographic answers go first, the one with the most distinct answers first, until they alone leave no
    group under k (no coarsening of the other facts could make up for them); then the channel and the language.
    """
    if k < 2:
        return
    by_unit: dict[Any, list[dict[str, Any]]] = {}
    for record in records:
        by_unit.setdefault(record["unit"], []).append(record)
    for rows in by_unit.values():
        kept = sorted(demographic_items, key=lambda code: -len({row[code] for row in rows}))
        while kept and _smallest_combination(rows, [RELEASE, *kept]) < k:
            blanked = kept.pop(0)
            for row in rows:
                row[blanked] = None
        facts = [RELEASE, *KNOWN_FACTS, *kept]
        steps = iter(_GENERALISATIONS)
        while _smallest_combination(rows, facts) < k:
            column = next(steps, None)
            if column is None:
                break
            for row in rows:
                row[column] = None
    for record in records:
        del record[RELEASE]


def _smallest_combination(rows: list[dict[str, Any]], columns: list[str] | tuple[str, ...]) -> int:
    return min(Counter(tuple(row[column] for column in columns) for row in rows).values())


def export_bytes(survey: Survey, fmt: str, *, lang: str = "en") -> bytes:
    """The survey's responses as a CSV, XLSX or SAV file."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    table = responses_table(survey)
    if fmt == "csv":
        safe = table.map(neutralise)
        return safe.to_csv(index=False).encode("utf-8-sig")  # the BOM lets Excel open Chinese text correctly
    if fmt == "xlsx":
        buffer = io.BytesIO()
        table.map(neutralise).to_excel(buffer, index=False, sheet_name="responses")
        return buffer.getvalue()
    return _sav_bytes(table, instrument_of(survey), lang)


def _text(value: Any) -> str:
    """A SAV string cell: empty for a missing value (None, or NaN once pandas has seen the column)."""
    return "" if value is None or (isinstance(value, float) and value != value) else printable(str(value))


def _sav_bytes(table: pd.DataFrame, instrument: Instrument, lang: str) -> bytes:
    column_labels = {item.code: item.text.get(lang)[:250] for item in instrument.items}
    value_labels: dict[str, dict[Any, str]] = {}
    for item in instrument.items:
        scale = instrument.scale_of(item)
        if scale.kind == "single" and scale.is_numeric():
            value_labels[item.code] = {o.value: o.label.get(lang) for o in scale.options}
        elif scale.kind in ("likert", "rating", "nps") and scale.anchors:
            value_labels[item.code] = {p: a.get(lang) for p, a in scale.anchors.items()}
    frame = table.copy()
    for item in instrument.items:
        if instrument.scale_of(item).is_numeric():
            frame[item.code] = pd.to_numeric(frame[item.code], errors="coerce")
        else:
            frame[item.code] = frame[item.code].map(_text)
    for column in ("invitation_ref", "submitted_at", "unit", "language", "channel"):
        if column in frame:
            frame[column] = frame[column].map(_text)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "responses.sav"
        pyreadstat.write_sav(frame, str(path), column_labels={c: column_labels.get(c, c) for c in frame.columns},
                             variable_value_labels=value_labels)
        return path.read_bytes()
