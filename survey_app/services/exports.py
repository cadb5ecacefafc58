"""Exporting a survey's responses: CSV, Excel and SPSS .sav with variable and value labels.

Every export holds only the responses the disclosure gate lets out (:mod:`survey_app.services.disclosure`).
Anonymous surveys export no identifiers (no response id, no invitation reference, no answer to a customer-id
question) and no time at all, in shuffled order, so that nothing in a row tells when it was submitted; each row
carries the deepest unit the gate shows for it (never a unit too small to show), also as the answer to the unit
question; and the facts a colleague may know (language, channel, demographic answers) are blanked where they would
single people out (see :func:`_generalise_known_facts`); its free-text answers are redacted by the gate
(:meth:`survey_app.services.disclosure.Gate.comment`: names, phone numbers, ... replaced by tokens). Text cells
that a spreadsheet would run as a formula (= + - @, tab, carriage return) are neutralised with a leading apostrophe.

An identified survey's export has one column per further column of the participants list (the invitee's attributes,
``Invitation.attributes``), after the service's columns: ``attr_<name>`` with the name lower-case and every character
other than a letter, a digit or ``_`` as ``_`` (:func:`attribute_column`), empty for a response without an
invitation or without the attribute. An anonymous survey's export never has them: its answers keep no link to an
invitee.

SPSS variable names (the .sav file; CSV and Excel keep the table's column names) are unique regardless of case, at
most 64 bytes and never one of SPSS's reserved words, and the service's own columns never take an item's name:

1. items keep their codes, in instrument order;
2. a service column whose name an item has, in any case, gets the prefix ``sys_`` (beside an item ``UNIT`` the
   column ``unit`` is ``sys_unit``);
3. a name longer than 64 bytes is cut; one already taken (in any case) or reserved (``TO``, ``BY``...) gets the
   first free suffix ``_2``, ``_3``... (an item ``Sat`` after an item ``SAT`` is ``Sat_2``).

Every variable is labelled: an item with its question (after its code when renamed), a service column with what it
holds (:data:`SERVICE_LABELS`). Each variable has the measurement level of its scale (:data:`SPSS_MEASURES`);
``submitted_at`` is an SPSS date-time in UTC. A text longer than SPSS's longest string (32,767 bytes) is cut there.
"""

from __future__ import annotations

import io
import random
import re
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
from survey_app.services.survey_versions import answer_instrument
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
    instrument = answer_instrument(survey)  # with the answers moved aside by revisions (survey_versions)
    units = {unit.id: unit.code for unit in gate.units.values()}
    unit_items = {item.code for item in instrument.items_by_role("unit")}
    query = (
        sa.select(Response.id, Response.answers, Response.submitted_at, Response.language, Response.channel,
                  Response.unit_id, Response.release_no, Invitation.external_ref, Invitation.attributes)
        .outerjoin(Invitation, Invitation.id == Response.invitation_id)
        .where(*gate.where())
        .order_by(Response.id)
    )
    records = []
    attributes: dict[str, str] = {}  # attribute name -> its column, in the order the rows name them
    taken = {column.upper() for column in [*SERVICE_LABELS, *(item.code for item in instrument.items)]}
    for row in db.session.execute(query):
        answers = gate.shown_answers(instrument, row.answers)  # an anonymous survey's comments redacted
        record: dict[str, Any] = {}
        if not survey.anonymous:
            record["response_id"] = row.id
            record["invitation_ref"] = row.external_ref
            record["submitted_at"] = row.submitted_at.isoformat() if row.submitted_at else None
            record["unit"] = units.get(row.unit_id)
            for name, value in (row.attributes or {}).items():
                name = str(name).lower()  # as the participants list and the analysis key them
                if name not in attributes:
                    attributes[name] = attribute_column(name, taken)
                    taken.add(attributes[name].upper())
                record.setdefault(attributes[name], value if value not in (None, "") else None)
        else:
            # the deepest unit the gate shows for this row: never a unit too small to show on its own
            record["unit"] = gate.label(row.unit_id)
            record[RELEASE] = row.release_no
        record["language"] = row.language
        record["channel"] = row.channel
        for item in instrument.items:
            if not survey.anonymous:
                record[item.code] = _answer(answers.get(item.code))
            elif item.code in unit_items:
                record[item.code] = record["unit"]
            else:  # an identifier never leaves an anonymous survey
                record[item.code] = None if item.role == "customer_id" else _answer(answers.get(item.code))
        records.append(record)
    if survey.anonymous:
        _generalise_known_facts(records, survey.min_group_size,
                                [item.code for item in instrument.items_by_role("demographic")])
        random.SystemRandom().shuffle(records)
    columns = ([] if survey.anonymous else ["response_id", "invitation_ref", "submitted_at"]) + [
        "unit", "language", "channel", *attributes.values(), *[item.code for item in instrument.items]]
    table = pd.DataFrame.from_records(records, columns=columns)
    table.attrs[ATTRIBUTES] = {column: name for name, column in attributes.items()}
    return table


#: the prefix of the column of an invitee attribute (a further column of the participants list)
ATTRIBUTE_PREFIX = "attr_"
#: where :func:`responses_table` keeps which column holds which attribute ({column: attribute name})
ATTRIBUTES = "attributes"


def attribute_column(name: str, taken: set[str]) -> str:
    """The column of the invitee attribute ``name``: ``attr_`` and the name with every character other than a
    letter, a digit or ``_`` as ``_``, a valid SPSS variable name (at most 64 bytes, not in ``taken`` in any case,
    by :func:`_free_name`, the rule of the other SPSS names).

    Example: ``attribute_column("cost centre", set())`` is ``"attr_cost_centre"``.
    """
    return _free_name(ATTRIBUTE_PREFIX + re.sub(r"\W", "_", name), taken)


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
    return _sav_bytes(table, answer_instrument(survey), lang)


#: SPSS's reserved words, never a variable name (IBM SPSS Statistics, "Variable names")
SPSS_RESERVED = frozenset({"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"})
#: the longest SPSS variable name, in bytes
SPSS_NAME_BYTES = 64
#: the longest SPSS string, in bytes: a longer answer (a text scale may allow 100,000 characters) is cut in the
#: .sav, as SPSS itself would cut it, and kept whole in the CSV file
SPSS_STRING_BYTES = 32767
#: the prefix of a service column whose name an item has
SERVICE_PREFIX = "sys_"
#: what each of the service's own columns holds: its SPSS variable label
SERVICE_LABELS = {
    "response_id": {"en": "Response id", "zh": "答卷编号"},
    "invitation_ref": {"en": "Invitation reference (the id given with the invitation)",
                       "zh": "邀请编号（发送邀请时给出的编号）"},
    "submitted_at": {"en": "Submitted at (UTC)", "zh": "提交时间（UTC）"},
    "unit": {"en": "Unit code the response counts towards", "zh": "答卷所属单位代码"},
    "language": {"en": "Language the survey was answered in", "zh": "作答语言"},
    "channel": {"en": "Channel the response came through", "zh": "作答渠道"},
}
#: the SPSS variable label of an invitee attribute's column
ATTRIBUTE_LABEL = {"en": "Attribute from the participants list: %s", "zh": "参与者名单的属性：%s"}
#: SPSS measurement level of an item, by the kind of its scale. Likert points are few and each one is labelled: ordered
#: categories, ordinal. 1-10 ratings and the 0-10 likelihood to recommend are scale: the ACSI/ECSI practice this
#: service follows (Fornell et al. 1996) averages 10-point ratings into 0-100 indices, as the reports and the PLS model
#: here do, and only their end points are labelled; SPSS's charts and tables then offer means and histograms rather
#: than ten or eleven separate categories (the NPS groups are a RECODE away either way).
SPSS_MEASURES = {"likert": "ordinal", "rating": "scale", "nps": "scale", "numeric": "scale", "single": "nominal",
                 "multiple": "nominal", "text": "nominal"}
#: measurement level of the service's own columns: ids and codes name things; a time is scale
SERVICE_MEASURES = {"response_id": "nominal", "invitation_ref": "nominal", "submitted_at": "scale",
                    "unit": "nominal", "language": "nominal", "channel": "nominal"}
#: display width (SPSS "Columns") of a text variable: its longest cell, at least SPSS's default and at most a column
#: that leaves room for others on the screen
TEXT_COLUMNS_MIN, TEXT_COLUMNS_MAX = 8, 40


def spss_names(columns: list[str], item_codes: list[str]) -> dict[str, str]:
    """Each column's SPSS variable name, by the scheme in the module docstring."""
    items = set(item_codes)
    item_keys = {code.upper() for code in item_codes}
    taken: set[str] = set()
    names: dict[str, str] = {}
    # items choose first, so that a service column never takes an item's code (a stable sort keeps each order)
    for column in sorted(columns, key=lambda c: c not in items):
        wanted = column if column in items or column.upper() not in item_keys else SERVICE_PREFIX + column
        names[column] = _free_name(wanted, taken)
        taken.add(names[column].upper())
    return {column: names[column] for column in columns}


def _free_name(wanted: str, taken: set[str]) -> str:
    name, n = _cut(wanted, 0), 1
    while name.upper() in taken or name.upper() in SPSS_RESERVED:
        n += 1
        suffix = f"_{n}"
        name = _cut(wanted, len(suffix)) + suffix
    return name


def _cut(name: str, room: int) -> str:
    """``name`` cut to leave ``room`` bytes for a suffix, never inside a character."""
    return name.encode()[:SPSS_NAME_BYTES - room].decode(errors="ignore")


def _text(value: Any) -> str:
    """A SAV string cell: empty for a missing value (None, or NaN once pandas has seen the column), cut to the
    longest string SPSS holds, never inside a character."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return printable(str(value)).encode()[:SPSS_STRING_BYTES].decode(errors="ignore")


def _digits(values: list[int | str]) -> int:
    return max(len(str(value)) for value in values)


def _display_width(cells: pd.Series) -> int:
    longest = int(cells.str.len().max()) if len(cells) else 0
    return min(max(longest, TEXT_COLUMNS_MIN), TEXT_COLUMNS_MAX)


def _sav_bytes(table: pd.DataFrame, instrument: Instrument, lang: str) -> bytes:
    names = spss_names(list(table.columns), [item.code for item in instrument.items])
    labels = {column: SERVICE_LABELS[column][lang] for column in table.columns if column in SERVICE_LABELS}
    measures = {column: SERVICE_MEASURES[column] for column in table.columns if column in SERVICE_MEASURES}
    formats = {"response_id": "F10.0"} if "response_id" in table else {}
    value_labels: dict[str, dict[Any, str]] = {}
    texts = [column for column in ("invitation_ref", "unit", "language", "channel") if column in table]
    for column, name in table.attrs.get(ATTRIBUTES, {}).items():
        labels[column] = (ATTRIBUTE_LABEL[lang if lang in ATTRIBUTE_LABEL else "en"] % name)[:250]
        measures[column] = "nominal"
        texts.append(column)
    frame = table.copy()
    for item in instrument.items:
        code, scale = item.code, instrument.scale_of(item)
        text = item.text.get(lang)
        labels[code] = (text if names[code] == code else f"{code}: {text}")[:250]
        measures[code] = SPSS_MEASURES[scale.kind]
        if scale.is_numeric():
            frame[code] = pd.to_numeric(frame[code], errors="coerce")
            if scale.kind != "numeric":  # whole answer points: as wide as the widest, no decimals
                formats[code] = f"F{_digits(scale.values())}.0"
        else:
            texts.append(code)
        if scale.kind == "single":  # a text variable's labels are keyed by text, as its cells are
            value_labels[code] = {o.value if scale.is_numeric() else str(o.value): o.label.get(lang)
                                  for o in scale.options}
        elif scale.kind in ("likert", "rating", "nps") and scale.anchors:
            value_labels[code] = {p: a.get(lang) for p, a in scale.anchors.items()}
    widths = {}
    for column in texts:
        frame[column] = frame[column].map(_text)
        widths[column] = _display_width(frame[column])
    if "response_id" in frame:  # a number even in an empty export, where pandas cannot tell
        frame["response_id"] = pd.to_numeric(frame["response_id"])
    if "submitted_at" in frame:  # ISO text, naive on SQLite (stored in UTC) and with an offset on PostgreSQL
        frame["submitted_at"] = pd.to_datetime(frame["submitted_at"], utc=True, format="ISO8601").dt.tz_localize(None)
        formats["submitted_at"] = "DATETIME20"
        widths["submitted_at"] = 20
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "responses.sav"
        pyreadstat.write_sav(
            frame.rename(columns=names), str(path), column_labels={names[c]: v for c, v in labels.items()},
            variable_value_labels={names[c]: v for c, v in value_labels.items()},
            variable_measure={names[c]: v for c, v in measures.items()},
            variable_format={names[c]: v for c, v in formats.items()},
            variable_display_width={names[c]: v for c, v in widths.items()})
        return path.read_bytes()
