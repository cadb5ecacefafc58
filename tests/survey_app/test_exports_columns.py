"""The exports made a column at a time write exactly the bytes the row-by-row export wrote: checked against that
export's code, kept here as the reference, on an identified and an anonymous survey with hostile text, gaps, choice
lists, decimals, Chinese text, attributes and documents stored before the input checks."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pyreadstat
import sqlalchemy as sa

from analysis.documents import decode_document
from survey_app.extensions import db
from survey_app.models import Response, Survey
from survey_app.services import exports
from tests.survey_app.test_exports_streamed import INSTRUMENT, _survey

#: documents as rows stored before the input checks may hold them: whole numbers written as decimals, a bell and a
#: carriage return, a formula in a choice, a list where one answer belongs, a true/false
ODD_ANSWERS = [
    {"SAT": 7.0, "PROBLEM": 0, "VISITS": 3.0, "NPS": 10, "COMMENT": "\x07bell\r\nline", "BRANCH": "=north",
     "AGE": "young", "UNIT": "front"},
    {"SAT": 2.5, "PROBLEM": 1, "VISITS": 1e20, "EASE": True, "COMMENT": ["a", 1, "-b"], "BRANCH": "north",
     "CHANNELS": [], "UNIT": "front", "AGE": "young"},
]


def _reference_csv(plan: exports._Plan) -> bytes:
    """The CSV as the export wrote it before it was made a column at a time: a dict per response, then its cells."""
    gate, instrument = plan.gate, plan.instrument
    units = {unit.id: unit.code for unit in gate.units.values()}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(plan.columns)
    for row in db.session.execute(exports._rows_query(plan)):
        answers = gate.shown_answers(instrument, decode_document(row.answers))
        record: dict[str, Any] = {}
        if not gate.anonymous:
            record["response_id"] = row.id
            record["invitation_ref"] = row.external_ref
            record["submitted_at"] = row.submitted_at.isoformat() if row.submitted_at else None
            record["unit"] = units.get(row.unit_id)
            for name, value in (row.attributes or {}).items():
                record.setdefault(plan.attributes[str(name).lower()], value if value not in (None, "") else None)
        else:
            record["unit"] = gate.label(row.unit_id)
        record["language"] = row.language
        record["channel"] = row.channel
        for item in instrument.items:
            value = answers.get(item.code)
            record[item.code] = ";".join(str(v) for v in value) if value.__class__ is list else value
        if gate.anonymous:
            for item in instrument.items_by_role("unit"):
                record[item.code] = record["unit"]
            for item in instrument.items_by_role("customer_id"):
                record[item.code] = None
        for column in plan.blanked.get(record["unit"], ()):
            record[column] = None
        cells = []
        for column in plan.columns:
            value = record.get(column)
            if value.__class__ is str:
                value = exports.neutralise(value)
            elif value.__class__ is float and column in plan.whole and value.is_integer():
                value = int(value)
            cells.append(value)
        writer.writerow(cells)
    return buffer.getvalue().encode("utf-8-sig")


def _survey_with_odd_rows(app, make_survey, slug: str, *, anonymous: bool) -> None:
    _survey(app, make_survey, slug, anonymous=anonymous)
    with app.app_context():
        survey_id = db.session.scalar(sa.select(Survey.id).filter_by(slug=slug))
        ids = db.session.scalars(sa.select(Response.id).filter_by(survey_id=survey_id).order_by(Response.id)).all()
        for response_id, answers in zip(ids[-len(ODD_ANSWERS):], ODD_ANSWERS, strict=True):
            db.session.execute(sa.update(Response).filter_by(id=response_id).values(answers=answers))
        if not anonymous:  # times with and without a fraction of a second, and one without a time
            for i, response_id in enumerate(ids[1:]):
                db.session.execute(sa.update(Response).filter_by(id=response_id).values(
                    submitted_at=datetime(2026, 3, 14, 9, 26, 53, 123457 * i % 1_000_000, tzinfo=UTC)))
        db.session.commit()


def _in_order_of_ids(monkeypatch) -> None:
    """Both exports read the rows in the order of their ids (an anonymous export's random order is not at issue)."""
    query = exports._rows_query
    monkeypatch.setattr(exports, "_rows_query", lambda plan: query(plan).order_by(None).order_by(Response.id))


def _exported(app, slug: str, monkeypatch, batch_rows: int) -> tuple[bytes, bytes]:
    _in_order_of_ids(monkeypatch)
    monkeypatch.setattr(exports, "BATCH_ROWS", batch_rows)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        expected = _reference_csv(exports._plan(survey))
        return exports.export_bytes(survey, "csv"), expected


def test_an_identified_surveys_csv_is_the_row_by_row_exports_bytes(app, make_survey, monkeypatch):
    _survey_with_odd_rows(app, make_survey, "columns", anonymous=False)
    got, expected = _exported(app, "columns", monkeypatch, batch_rows=3)  # batches of 3 rows: 3 + 3
    assert got == expected
    text = got.decode("utf-8-sig")
    assert "空调太冷" in text and "'=cmd|' /C calc'!A0" in text and "CC 12" in text  # Chinese text, attributes
    assert '"bell\nline"' in text and ",7,0,,'=north,,3.0," in text and "a;1;-b" in text and "'-2 and a tab" in text


def test_an_anonymous_surveys_csv_is_the_row_by_row_exports_bytes(app, make_survey, monkeypatch):
    _survey_with_odd_rows(app, make_survey, "columns-anon", anonymous=True)
    got, expected = _exported(app, "columns-anon", monkeypatch, batch_rows=4)  # batches of 4 rows: 4 + 2
    assert got == expected
    assert "13812345678" not in got.decode("utf-8-sig")  # the comment's phone number redacted


def test_the_spss_file_from_the_compact_table_is_the_file_from_the_whole_table(app, make_survey, monkeypatch,
                                                                               tmp_path):
    _survey_with_odd_rows(app, make_survey, "columns-sav", anonymous=False)
    monkeypatch.setattr(exports, "SAV_BATCH_ROWS", 4)  # the odd rows in their own batch: Int8 answers beside floats
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="columns-sav"))
        plan = exports._plan(survey)
        compact = exports._spss_table(plan)
        # SAT's 2.5 is a float32, VISITS' 1e20 is not
        assert [str(compact[code].dtype) for code in ("NPS", "PROBLEM", "SAT", "VISITS", "response_id", "COMMENT")
                ] == ["Int8", "int8", "float32", "float64", "int32", "sav_texts"]
        monkeypatch.setattr(exports, "_count", lambda plan: 1)  # as if 5 answers came in after the count
        pd.testing.assert_frame_equal(exports._spss_table(plan), compact)
        files = {"whole": exports._sav_bytes(exports.responses_table(survey), plan.instrument, "en"),
                 "compact": exports._sav_bytes(compact, plan.instrument, "en")}
    read = {}
    for name, sav in files.items():
        (tmp_path / f"{name}.sav").write_bytes(sav)
        read[name] = pyreadstat.read_sav(str(tmp_path / f"{name}.sav"))
    (whole, whole_meta), (got, got_meta) = read["whole"], read["compact"]
    assert got.equals(whole) and len(got) == 6
    assert got["submitted_at"].isna().tolist() == [True, False, False, False, False, False]
    assert got["submitted_at"][2] == datetime(2026, 3, 14, 9, 26, 53, 123457)
    for key in ("column_names", "column_labels", "variable_value_labels", "variable_measure",
                "variable_display_width", "original_variable_types", "readstat_variable_types"):
        assert getattr(got_meta, key) == getattr(whole_meta, key), key
    # the same bytes but for the time the file was written, in its header
    assert _but_the_time(files["compact"]) == _but_the_time(files["whole"])


def test_an_anonymous_and_an_empty_surveys_spss_files_from_the_compact_table_are_the_whole_tables(
        app, make_survey, monkeypatch):
    _survey_with_odd_rows(app, make_survey, "columns-sav-anon", anonymous=True)
    make_survey(slug="columns-sav-empty", definition=INSTRUMENT)
    _in_order_of_ids(monkeypatch)
    monkeypatch.setattr(exports, "SAV_BATCH_ROWS", 4)
    for slug, rows in [("columns-sav-anon", 6), ("columns-sav-empty", 0)]:
        with app.app_context():
            survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
            plan = exports._plan(survey)
            compact = exports._spss_table(plan)
            assert len(compact) == rows
            whole = exports._sav_bytes(exports.responses_table(survey), plan.instrument, "en")
            assert _but_the_time(exports._sav_bytes(compact, plan.instrument, "en")) == _but_the_time(whole), slug


def _but_the_time(sav: bytes) -> bytes:
    """A .sav file's bytes without the date and time it was written (its header's bytes 92 to 108)."""
    return sav[:92] + sav[109:]
