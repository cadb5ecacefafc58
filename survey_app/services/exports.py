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

CSV and Excel are written as the rows are read, a batch of :data:`BATCH_ROWS` responses at a time, so an export of a
million responses holds one batch, never the whole table. A batch is made a column at a time (:func:`_columns`): the
driver's tuples, each document parsed by orjson, its answers taken in instrument order, then per column only what
that column needs (a column of whole numbers and gaps is written as it is; each distinct text neutralised once).
What needs every row is decided first, from narrow reads: the columns of the participants list's attributes (in the
order the responses first name them) and, for an anonymous survey, the counts of each combination of known facts per
unit (:func:`_blanked_facts`). A cell prints as its answer does (``7``, ``2.5``, ``yes``), with the point and choice
scales' answers whole numbers (``7``, never ``7.0``, even where some responses did not answer). An anonymous
survey's rows come in an order the database draws at random. Excel's sheets hold 1,048,575 rows under their header
(:data:`EXCEL_ROWS`): a larger export continues on sheets ``responses 2``, ``responses 3``... each with the header,
and a sheet ``README`` says so. SPSS's .sav is built whole (pyreadstat writes a table at once, with no appending),
from the same rows read :data:`SAV_BATCH_ROWS` at a time, in a compact table (:func:`_spss_table`: point-scale answers
one byte each, a text a code per row into its column's distinct texts), written to a temporary file and sent from
there.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyreadstat
import sqlalchemy as sa
import xlsxwriter

from analysis.documents import decode_document
from analysis.response_rows import sql
from instruments.schema import Instrument
from survey_app.extensions import db
from survey_app.models import Invitation, Response, Survey
from survey_app.services.disclosure import Gate, open_gate
from survey_app.services.sav_texts import SavTexts, TextCodes
from survey_app.services.survey_versions import answer_instrument
from survey_app.text_checks import printable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
FORMATS = ("csv", "xlsx", "sav")
MIME = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
}
#: responses read, made rows and written at a time: all an export of CSV or Excel holds of its answers
BATCH_ROWS = 5_000
#: responses read at a time for the .sav, whose whole table is in memory beside the batch being made (some 90 MB
#: for a million responses): 2,000 responses' Python objects take some 8 MB while they are made, 5,000's some 20 MB
SAV_BATCH_ROWS = 2_000
#: the most rows an Excel sheet holds under its header (1,048,576 rows in all, Excel's "Specifications and limits")
EXCEL_ROWS = 1_048_575
#: XlsxWriter's options: a row at a time to disk; texts stay texts (a formula or a link only where we mean one)
XLSX_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                "strings_to_numbers": False, "nan_inf_to_errors": True}
#: the sheet that says where the rest went when an Excel export takes more than one sheet
EXCEL_README = {
    "en": ("README", "Excel holds at most {limit:,} rows under the header on a sheet: the {rows:,} responses are "
                     "on the sheets {sheets}, in order, each with the header."),
    "zh": ("说明", "Excel 每张工作表在表头下最多容纳 {limit:,} 行：{rows:,} 份答卷依次分布在工作表 {sheets} 中，"
                   "每张都有表头。"),
}


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would evaluate gets a leading apostrophe, and text any file format can hold
    (:func:`survey_app.text_checks.printable`, for rows stored before the input checks); the rest is unchanged."""
    if not isinstance(value, str):
        return value
    value = printable(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _answer(value: Any) -> Any:
    if value.__class__ is list:  # multiple choice: one cell, values separated by ";"
        return ";".join(str(v) for v in value)
    return value


@dataclass
class _Plan:
    """What an export decided before its first row: its columns and what every row's cells depend on (plain data:
    a streamed download reads its rows after the request's session has committed)."""

    gate: Gate
    instrument: Instrument
    columns: list[str]
    #: attribute name -> its column, in the order the responses first name them
    attributes: dict[str, str]
    #: the items whose answers are whole numbers (point scales, choices with numbers): 7, never 7.0
    whole: frozenset[str]
    #: anonymous surveys: the facts blanked for every row of a unit ({unit label: columns})
    blanked: dict[Any, set[str]] = field(default_factory=dict)
    #: what every batch of rows looks up: item codes in order, free-text items, unit and identifier items
    codes: list[str] = field(init=False)
    texts: frozenset[str] = field(init=False)
    unit_items: list[str] = field(init=False)
    identifiers: list[str] = field(init=False)
    #: unit id -> its code; anonymous surveys: unit id -> the gate's label, filled as rows name them
    units: dict[int, str] = field(init=False)
    labels: dict[int | None, str | None] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        items = self.instrument.items
        self.codes = [item.code for item in items]
        self.texts = frozenset(item.code for item in items if self.instrument.scale_of(item).kind == "text")
        self.unit_items = [item.code for item in self.instrument.items_by_role("unit")]
        self.identifiers = [item.code for item in self.instrument.items_by_role("customer_id")]
        self.units = {unit.id: unit.code for unit in self.gate.units.values()}


def _plan(survey: Survey) -> _Plan:
    gate = open_gate(survey)
    instrument = answer_instrument(survey)  # with the answers moved aside by revisions (survey_versions)
    attributes = {} if survey.anonymous else _attribute_columns(gate, instrument)
    columns = ([] if survey.anonymous else ["response_id", "invitation_ref", "submitted_at"]) + [
        "unit", "language", "channel", *attributes.values(), *[item.code for item in instrument.items]]
    whole = frozenset(item.code for item in instrument.items
                      if instrument.scale_of(item).is_numeric() and instrument.scale_of(item).kind != "numeric")
    plan = _Plan(gate, instrument, columns, attributes, whole)
    if survey.anonymous:
        gate.known_names  # noqa: B018 - the names comments are redacted of, read now: a stream reads no session
        plan.blanked = _blanked_facts(_fact_counts(gate, instrument), survey.min_group_size,
                                      [item.code for item in instrument.items_by_role("demographic")])
    return plan


def _attribute_columns(gate: Gate, instrument: Instrument) -> dict[str, str]:
    """Each invitee attribute's column, in the order the responses (by id) first name them."""
    taken = {column.upper() for column in [*SERVICE_LABELS, *(item.code for item in instrument.items)]}
    query = (sa.select(Invitation.attributes).select_from(Response)
             .join(Invitation, Invitation.id == Response.invitation_id)
             .where(*gate.where()).order_by(Response.id))
    attributes: dict[str, str] = {}
    for batch in db.session.execute(query, execution_options={"yield_per": BATCH_ROWS}).partitions():
        for (raw,) in batch:
            for name in raw or {}:
                name = str(name).lower()  # as the participants list and the analysis key them
                if name not in attributes:
                    attributes[name] = attribute_column(name, taken)
                    taken.add(attributes[name].upper())
    return attributes


def _rows_query(plan: _Plan) -> sa.Select:
    query = (
        sa.select(Response.id, sa.cast(Response.answers, sa.Text).label("answers"), Response.submitted_at,
                  Response.language, Response.channel, Response.unit_id, Response.release_no,
                  Invitation.external_ref, Invitation.attributes)
        .outerjoin(Invitation, Invitation.id == Response.invitation_id)
        .where(*plan.gate.where())
    )
    # an anonymous survey's rows in an order nothing in them tells (not the order they came in)
    return query.order_by(sa.func.random() if plan.gate.anonymous else Response.id)


class _Rows:
    """A batch of the export's rows, column by column: {column: cells}, every rule applied but formula neutralising
    and whole numbers (:func:`_file_cells`). ``len()`` is the number of rows."""

    def __init__(self, columns: dict[str, list[Any]], size: int, kinds: dict[str, set[type]]) -> None:
        self.columns = columns
        self.size = size
        #: the types of a column's cells, where known
        self.kinds = kinds

    def __len__(self) -> int:
        return self.size

    def cells(self, column: str) -> list[Any]:
        """The column's cells; all None for an attribute no row of the batch has."""
        return self.columns[column] if column in self.columns else [None] * self.size


def _record_batches(plan: _Plan, connection: sa.Connection | None = None, *, size: int | None = None
                    ) -> Iterator[_Rows]:
    """The export's rows, a batch of at most ``size`` (by default :data:`BATCH_ROWS`) at a time, made a column at a
    time (no object per row beyond its answers' document). Read on ``connection``, by default the request's
    session's."""
    for batch in _read(plan, connection or db.session.connection(), size or BATCH_ROWS):
        with _collector_paused():
            rows = _columns(plan, batch)
        del batch
        yield rows


def _read(plan: _Plan, connection: sa.Connection, size: int) -> Iterator[tuple[tuple[Any, ...], ...]]:
    """The rows of :func:`_rows_query`, ``size`` at a time, as columns (a tuple of cells each) with the values
    SQLAlchemy's types give, from the driver's own tuples (no Row object per response); on PostgreSQL through a
    cursor on the server, so that the rows not yet read stay there."""
    query = _rows_query(plan)
    dialect = connection.dialect
    processors = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                  for column in query.selected_columns]
    driver = connection.connection.driver_connection
    cursor = driver.cursor(name="manyi_export") if dialect.name == "postgresql" else driver.cursor()
    try:
        cursor.execute(sql(connection, query))
        while batch := cursor.fetchmany(size):
            yield tuple(cells if process is None else tuple(map(process, cells))
                        for cells, process in zip(zip(*batch, strict=True), processors, strict=True))
    finally:
        cursor.close()


def _columns(plan: _Plan, batch: tuple[tuple[Any, ...], ...]) -> _Rows:
    """A batch of read rows (:func:`_read`'s columns) made the export's columns."""
    gate, labels = plan.gate, plan.labels
    ids, answers, submitted, languages, channels, unit_ids, _, refs, attributes = batch
    size = len(ids)
    # assigned in the order a row's dict once was, so a later column of the same name wins as it did
    columns: dict[str, list[Any]] = {}
    if not gate.anonymous:
        columns["response_id"] = list(ids)
        columns["invitation_ref"] = list(refs)
        columns["submitted_at"] = [moment.isoformat() if moment else None for moment in submitted]
        columns["unit"] = [plan.units.get(unit_id) for unit_id in unit_ids]
        columns.update(_attribute_cells(plan, attributes, size))
    else:
        # the deepest unit the gate shows for each row: never a unit too small to show on its own
        for unit_id in set(unit_ids) - labels.keys():
            labels[unit_id] = gate.label(unit_id)
        columns["unit"] = [labels[unit_id] for unit_id in unit_ids]
    columns["language"] = list(languages)
    columns["channel"] = list(channels)
    # each document's answers in instrument order (a document decoded, read and freed in turn: a batch's thousands
    # of dicts never all at once), then turned into columns (both loops run in C)
    answered = zip(*[list(map(decode_document(document).get, plan.codes)) for document in answers], strict=True)
    del answers
    kinds: dict[str, set[type]] = {}
    for code, cells in zip(plan.codes, answered, strict=True):
        if gate.anonymous and code in plan.texts:  # an anonymous survey's comments redacted
            cells = _redacted(gate, cells)
        kinds[code] = set(map(type, cells))
        if list in kinds[code]:  # multiple choice: one cell, values separated by ";"
            cells = [_answer(value) for value in cells]
            kinds[code] = set(map(type, cells))
        columns[code] = list(cells)
    if gate.anonymous:
        for code in [*plan.unit_items, *plan.identifiers]:
            kinds.pop(code, None)
        for code in plan.unit_items:
            columns[code] = list(columns["unit"])
        for code in plan.identifiers:  # an identifier never leaves an anonymous survey
            columns[code] = [None] * size
    if any(plan.blanked.values()):
        for row, label in enumerate(list(columns["unit"])):
            for column in plan.blanked.get(label, ()):
                columns[column][row] = None
    return _Rows(columns, size, kinds)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a batch is made: its thousands of new dicts and lists would otherwise
    set off full collections of the whole process's objects, which took more time than the export's own work (they
    hold no cycles and are freed as the batch goes)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _attribute_cells(plan: _Plan, attributes: tuple[Any, ...], size: int) -> dict[str, list[Any]]:
    """The attribute columns of a batch's rows; a row's first attribute of a column wins (names differing only in
    case share one), an empty value is None."""
    columns: dict[str, list[Any]] = {}
    for row, raw in enumerate(attributes):
        if not raw:
            continue
        seen = set()
        for name, value in raw.items():
            column = plan.attributes[str(name).lower()]
            if column not in seen:
                seen.add(column)
                columns.setdefault(column, [None] * size)[row] = value if value not in (None, "") else None
    return columns


def _redacted(gate: Gate, cells: tuple[Any, ...]) -> list[Any]:
    """Free-text answers through :meth:`Gate.comment`, each distinct text once."""
    shown: dict[str, Any] = {}
    return [value if value.__class__ is not str else shown[value] if value in shown
            else shown.setdefault(value, gate.comment(value)) for value in cells]


def responses_table(survey: Survey) -> pd.DataFrame:
    """The responses the disclosure gate lets out, one row each: metadata columns, then one column per item in
    instrument order, each cell as the CSV file's row has it before neutralising (the whole table in memory)."""
    plan = _plan(survey)
    parts = [pd.DataFrame(dict(enumerate(rows.cells(column) for column in plan.columns)), dtype=object)
             for rows in _record_batches(plan)]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=range(len(plan.columns)))
    table.columns = plan.columns
    table.attrs[ATTRIBUTES] = {column: name for name, column in plan.attributes.items()}
    return table


def _spss_table(plan: _Plan) -> pd.DataFrame:
    """The table of :func:`responses_table` as the SPSS file is made from it, in as little memory as it takes: each
    column one array of every row, filled a batch at a time (no batch's pieces left behind); a numeric item's
    answers as numbers, one byte each (pandas' Int8) while they are whole numbers from -128 to 127, as point scales'
    are (int8 where no row lacks one), else float32 while every answer is one (as a percentage is), else float64;
    response ids int32 while they fit, times SPSS seconds; texts as the file holds them (:func:`_text`, a missing one
    empty), a code per row into the column's distinct texts (:class:`SavTexts`: a byte a row for a unit, no Python
    object per row). pyreadstat writes every number of these types as the float64 it reads it as: the same file as
    from float64 and int64 columns."""
    numeric = {item.code for item in plan.instrument.items if plan.instrument.scale_of(item).is_numeric()}
    columns = list(dict.fromkeys(plan.columns))
    free_text = {*plan.texts, "invitation_ref", *plan.attributes.values()}
    texts = {column: TextCodes(free=column in free_text) for column in columns
             if column not in numeric and column not in ("response_id", "submitted_at")}
    small = {column for column in columns if column in plan.whole}  # answers held as int8 (+ a mask of gaps)
    arrays = {column: _empty(column, _count(plan), numeric, small) for column in columns}
    gaps: dict[str, np.ndarray] = {}  # where a column of ``small`` has no answer, from its first gap on
    start = 0
    for rows in _record_batches(plan, size=SAV_BATCH_ROWS):
        stop = start + len(rows)
        if stop > len(next(iter(arrays.values()))):  # answers that came in after the count: room for more
            for table in (arrays, gaps):
                for column, array in table.items():
                    table[column] = np.concatenate([array, np.zeros(max(stop, 2 * len(array)) - len(array),
                                                                    dtype=array.dtype)])
        for column in columns:
            cells = rows.cells(column)
            if column in numeric:
                values = pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce").to_numpy(
                    dtype=np.float64, na_value=np.nan)
                if column in small and not _small_whole(values):  # from now on floats
                    small.discard(column)
                    arrays[column] = np.where(gaps.pop(column, False), np.nan, arrays[column].astype(np.float32))
                if column in small:
                    missing = np.isnan(values)
                    if column not in gaps and missing.any():
                        gaps[column] = np.zeros(len(arrays[column]), dtype=bool)
                    if column in gaps:
                        gaps[column][start:stop] = missing
                    values = np.nan_to_num(values)
                elif arrays[column].dtype == np.float32 and not _single(values):  # from now on float64
                    arrays[column] = arrays[column].astype(np.float64)
                arrays[column][start:stop] = values
            elif column == "submitted_at":
                arrays[column][start:stop] = _spss_seconds(pd.Series(cells, dtype=object))
            elif column == "response_id":
                if cells and max(cells) > np.iinfo(arrays[column].dtype).max:  # an id beyond 32 bits
                    arrays[column] = arrays[column].astype(np.int64)
                arrays[column][start:stop] = cells
            else:
                codes = texts[column].codes(cells, _text)
                if arrays[column].dtype != texts[column].code_type:  # more texts than its codes held so far
                    arrays[column] = arrays[column].astype(texts[column].code_type)
                arrays[column][start:stop] = codes
        start = stop
    table = pd.DataFrame(index=pd.RangeIndex(start))
    for column in columns:  # one at a time: pandas would copy same-typed columns into one block
        array = arrays.pop(column)[:start]
        table[column] = pd.Series(texts[column].column(array) if column in texts
                                  else pd.arrays.IntegerArray(array, gaps[column][:start]) if column in gaps
                                  else array, copy=False)
    table.attrs[ATTRIBUTES] = {column: name for name, column in plan.attributes.items()}
    return table


def _count(plan: _Plan) -> int:
    """How many responses the export holds, as of now (more may come in while it is read)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Response).where(*plan.gate.where())) or 0


def _empty(column: str, size: int, numeric: set[str], small: set[str]) -> np.ndarray:
    """The array of a column of :func:`_spss_table` before its cells are filled in (a text column's: its codes)."""
    if column in small:
        return np.zeros(size, dtype=np.int8)
    if column in numeric:
        return np.full(size, np.nan, dtype=np.float32)
    if column == "submitted_at":
        return np.full(size, np.nan)
    if column == "response_id":  # an SPSS number either way (format F10.0): the same bytes in the file as from int64
        return np.zeros(size, dtype=np.int32)
    return np.zeros(size, dtype=np.int8)


def _small_whole(values: np.ndarray) -> bool:
    """Whether every number of ``values`` (NaN: none) is whole and from -128 to 127: an int8."""
    known = values[~np.isnan(values)]
    return bool(np.all((np.trunc(known) == known) & (np.abs(known) <= 127)))


def _single(values: np.ndarray) -> bool:
    """Whether every number of ``values`` is a float32 (NaN: none): 4 bytes a number instead of 8, read back as the
    same float64, which is what the .sav holds."""
    with np.errstate(over="ignore"):  # a number beyond float32's range is its infinity: not the number
        return bool(np.array_equal(values.astype(np.float32), values, equal_nan=True))


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


def _fact_counts(gate: Gate, instrument: Instrument) -> dict[Any, Counter[tuple]]:
    """Per unit label, how many responses share each combination of release, language, channel and demographic
    answers (as the export shows them): a read of these few columns only."""
    demographic = [item.code for item in instrument.items_by_role("demographic")]
    facts = [Response.unit_id, Response.release_no, Response.language, Response.channel,
             *[Response.answers[code] for code in demographic]]
    # counted by the database, then each distinct combination made as the export shows it (equal shown facts of
    # combinations the database tells apart, 1 and 1.0 say, add up)
    query = sa.select(*facts, sa.func.count()).where(*gate.where()).group_by(*facts)
    counts: dict[Any, Counter[tuple]] = {}
    for batch in db.session.execute(query, execution_options={"yield_per": BATCH_ROWS}).partitions():
        for unit_id, release, language, channel, *values, n in batch:
            answers = gate.shown_answers(instrument, dict(zip(demographic, values, strict=True)))
            key = (release, language, channel, *(_answer(answers[code]) for code in demographic))
            counts.setdefault(gate.label(unit_id), Counter())[key] += n
    return counts


def _blanked_facts(counts: dict[Any, Counter[tuple]], k: int, demographic_items: list[str]) -> dict[Any, set[str]]:
    """Anonymous exports: within each unit and release, every combination of language, channel and demographic
    answers that a row shows is shared by at least k rows, else those facts are blanked for the whole unit. ``counts``
    holds, per unit, the rows of each combination of (release, language, channel, *demographic answers).

    "The only English answer in East" or "the only woman over 50 in East" points at one person as surely as a
    name, and so does "the only one in East's second batch". The facts are given up for every row of the unit,
    never for the rare rows alone: a blank language among rows that all say "zh" would single its row out just the
    same. Demographic answers go first, the one with the most distinct answers first, until they alone leave no
    group under k (no coarsening of the other facts could make up for them); then the channel and the language.
    """
    if k < 2:
        return {}
    position = {column: i for i, column in enumerate([RELEASE, *KNOWN_FACTS, *demographic_items])}
    blanked: dict[Any, set[str]] = {}
    for unit, combinations in counts.items():
        gone: set[str] = set()
        kept = sorted(demographic_items, key=lambda code: -len({key[position[code]] for key in combinations}))
        while kept and _smallest_combination(combinations, [position[c] for c in [RELEASE, *kept]]) < k:
            gone.add(kept.pop(0))
        steps = iter(_GENERALISATIONS)
        # a blanked column shows one value for every row: it splits no group
        while _smallest_combination(combinations, [position[c] for c in [RELEASE, *KNOWN_FACTS, *kept]
                                                   if c not in gone]) < k:
            column = next(steps, None)
            if column is None:
                break
            gone.add(column)
        blanked[unit] = gone
    return blanked


def _smallest_combination(combinations: Counter[tuple], positions: list[int]) -> int:
    """The fewest rows that share a combination of the facts at ``positions``."""
    groups: Counter[tuple] = Counter()
    for key, n in combinations.items():
        groups[tuple(key[i] for i in positions)] += n
    return min(groups.values())


def _file_rows(plan: _Plan, rows: _Rows) -> Iterator[tuple[Any, ...]]:
    """A batch's rows as a file shows them: formulas neutralised, whole-number answers as whole numbers."""
    return zip(*(_file_cells(rows.cells(column), column in plan.whole, rows.kinds.get(column))
                 for column in plan.columns), strict=True)


def _file_cells(cells: list[Any], whole: bool, kinds: set[type] | None = None) -> list[Any]:
    """One column's cells as a file shows them (:func:`neutralise`, each distinct text once; 7.0 as 7 in a ``whole``
    column); a column of whole numbers and gaps, as most answers are, as it is. ``kinds``: the cells' types, when
    known."""
    kinds = set(map(type, cells)) if kinds is None else kinds
    if kinds <= _AS_THEY_ARE or (kinds <= _NUMBERS and not whole):
        return cells
    shown: dict[str, Any] = {}
    return [(shown[value] if value in shown else shown.setdefault(value, neutralise(value)))
            if value.__class__ is str
            else int(value) if whole and value.__class__ is float and value.is_integer() else value
            for value in cells]


_AS_THEY_ARE = frozenset({int, type(None)})
_NUMBERS = frozenset({int, float, type(None)})


def csv_chunks(survey: Survey, *, streamed: bool = False) -> Iterator[bytes]:
    """The survey's responses as a CSV file (UTF-8 with a BOM), a chunk per batch of rows: the header first.

    What needs the database's session is read before this returns; with ``streamed`` the rows are then read on a
    connection of their own, so that the chunks can be sent after the request's session has ended."""
    plan = _plan(survey)
    engine = db.engine

    def chunks() -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(plan.columns)
        yield buffer.getvalue().encode("utf-8-sig")  # the BOM lets Excel open Chinese text correctly
        with contextlib.ExitStack() as stack:
            connection = stack.enter_context(engine.connect()) if streamed else None
            for records in _record_batches(plan, connection):
                buffer.seek(0)
                buffer.truncate()
                writer.writerows(_file_rows(plan, records))
                yield buffer.getvalue().encode("utf-8")

    return chunks()


def write_xlsx(survey: Survey, target: IO[bytes], *, lang: str = "en") -> None:
    """The survey's responses as an Excel workbook written to ``target``, a row at a time (XlsxWriter's
    ``constant_memory`` mode: each row goes to disk as it is written), on as many sheets of :data:`EXCEL_ROWS` rows
    as it takes, each with the header. Every text is written as text (never read as a formula or a link); a text
    longer than a cell holds (32,767 characters, Excel's "Specifications and limits") is cut there, as Excel itself
    would cut it; numbers are written with 16 significant digits."""
    plan = _plan(survey)
    book = xlsxwriter.Workbook(target, XLSX_OPTIONS)
    sheets = [book.add_worksheet("responses")]
    sheets[0].write_row(0, 0, plan.columns)
    on_sheet = rows = 0
    for records in _record_batches(plan):
        write_row = sheets[-1].write_row
        for cells in _file_rows(plan, records):
            if on_sheet == EXCEL_ROWS:
                sheets.append(book.add_worksheet(f"responses {len(sheets) + 1}"))
                sheets[-1].write_row(0, 0, plan.columns)
                write_row = sheets[-1].write_row
                on_sheet = 0
            on_sheet += 1
            write_row(on_sheet, 0, cells)
            rows += 1
    if len(sheets) > 1:
        title, text = EXCEL_README[lang if lang in EXCEL_README else "en"]
        book.add_worksheet(title).write_string(
            0, 0, text.format(limit=EXCEL_ROWS, rows=rows, sheets=", ".join(sheet.name for sheet in sheets)))
    book.close()


def export_bytes(survey: Survey, fmt: str, *, lang: str = "en") -> bytes:
    """The survey's responses as a CSV, XLSX or SAV file, whole (the download streams CSV and Excel instead)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    if fmt == "csv":
        return b"".join(csv_chunks(survey))
    if fmt == "xlsx":
        buffer = io.BytesIO()
        write_xlsx(survey, buffer, lang=lang)
        return buffer.getvalue()
    buffer = io.BytesIO()
    write_sav(survey, buffer, lang=lang)
    return buffer.getvalue()


def write_sav(survey: Survey, target: IO[bytes], *, lang: str = "en") -> None:
    """The survey's responses as an SPSS .sav file written to ``target`` (from :func:`_spss_table`: the whole table
    in memory, compact, since pyreadstat writes a table at once)."""
    plan = _plan(survey)
    _write_sav(_spss_table(plan), plan.instrument, lang, target)


#: SPSS's reserved words, never a variable name (IBM SPSS Statistics, "Variable names")
SPSS_RESERVED = frozenset({"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"})
#: the longest SPSS variable name, in bytes
SPSS_NAME_BYTES = 64
#: the longest SPSS string, in bytes: a longer answer (a text scale may allow 100,000 characters) is cut in the
#: .sav, as SPSS itself would cut it, and kept whole in the CSV file
SPSS_STRING_BYTES = 32767
#: SPSS's time 0, 14 October 1582, in seconds before 1 January 1970
SPSS_EPOCH_SECONDS = 12_219_379_200
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
    value = printable(str(value))
    if len(value) <= SPSS_STRING_BYTES // 4:  # at most 4 bytes a character: nothing to cut
        return value
    return value.encode()[:SPSS_STRING_BYTES].decode(errors="ignore")


def _texts(cells: pd.Series) -> pd.Series:
    """A column's SAV string cells (:func:`_text`), each distinct text made once."""
    made: dict[str, str] = {}
    return cells.map(lambda value: (made[value] if value in made else made.setdefault(value, _text(value)))
                     if value.__class__ is str else _text(value))


def _spss_seconds(moments: pd.Series) -> np.ndarray:
    """Times (ISO text, naive on SQLite, stored in UTC, and with an offset on PostgreSQL) as SPSS holds them: seconds
    since 14 October 1582, reckoned as pyreadstat reckons a datetime column (whole seconds, then the fraction), NaN
    where there is none. Handed to pyreadstat as numbers, they spare it a copy of the whole table, which it makes to
    convert a datetime column."""
    stamps = pd.to_datetime(moments, utc=True, format="ISO8601").dt.tz_localize(None).to_numpy(
        dtype="datetime64[us]")
    ticks = stamps.astype(np.int64)
    seconds = ((ticks // 1_000_000 + SPSS_EPOCH_SECONDS).astype(np.float64)
               + (ticks % 1_000_000).astype(np.float64) / 1e6)
    seconds[np.isnat(stamps)] = np.nan
    return seconds


def _digits(values: list[int | str]) -> int:
    return max(len(str(value)) for value in values)


def _display_width(longest: int) -> int:
    """A text variable's display width, from the length of its longest cell (in characters)."""
    return min(max(longest, TEXT_COLUMNS_MIN), TEXT_COLUMNS_MAX)


def _sav_bytes(table: pd.DataFrame, instrument: Instrument, lang: str) -> bytes:
    """The .sav file of ``table`` (:func:`responses_table` or :func:`_spss_table`, changed in place)."""
    buffer = io.BytesIO()
    _write_sav(table, instrument, lang, buffer)
    return buffer.getvalue()


def _write_sav(table: pd.DataFrame, instrument: Instrument, lang: str, target: IO[bytes]) -> None:
    """The .sav file of ``table`` (changed in place) written to ``target``."""
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
    frame = table  # made for this file: changed in place, a million rows are not copied
    for item in instrument.items:
        code, scale = item.code, instrument.scale_of(item)
        text = item.text.get(lang)
        labels[code] = (text if names[code] == code else f"{code}: {text}")[:250]
        measures[code] = SPSS_MEASURES[scale.kind]
        if scale.is_numeric():
            if frame[code].dtype == object:  # the compact table's answers are numbers already
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
        if isinstance(frame[column].array, SavTexts):  # the compact table's texts are the file's already
            widths[column] = _display_width(frame[column].array.longest())
        else:
            frame[column] = _texts(frame[column])
            widths[column] = _display_width(int(frame[column].str.len().max()) if len(frame) else 0)
    if "response_id" in frame and frame["response_id"].dtype == object:  # a number even in an empty export
        frame["response_id"] = pd.to_numeric(frame["response_id"])
    if "submitted_at" in frame:
        if frame["submitted_at"].dtype == object:  # ISO text (the compact table's are SPSS seconds already)
            frame["submitted_at"] = _spss_seconds(frame["submitted_at"])
        formats["submitted_at"] = "DATETIME20"
        widths["submitted_at"] = 20
    # pyreadstat drops a column's missing values to tell its type, and the index with them: a RangeIndex becomes 8
    # bytes a row (24 MB at its peak for a million rows); it never reads the index, so it gets one of a byte a row
    frame = frame.rename(columns=names).set_axis(pd.Index(np.zeros(len(frame), dtype=np.int8)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "responses.sav"
        pyreadstat.write_sav(
            frame, str(path), column_labels={names[c]: v for c, v in labels.items()},
            variable_value_labels={names[c]: v for c, v in value_labels.items()},
            variable_measure={names[c]: v for c, v in measures.items()},
            variable_format={names[c]: v for c, v in formats.items()},
            variable_display_width={names[c]: v for c, v in widths.items()})
        del frame, table
        with path.open("rb") as written:
            shutil.copyfileobj(written, target, 1 << 20)
