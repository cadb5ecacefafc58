"""The streamed exports: CSV written a batch at a time is the table pandas writes, Excel's write-only workbook holds
the same cells (on several sheets past the row limit), and no more than one batch of rows is ever made."""

from __future__ import annotations

import copy
import csv
import io

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, Survey
from survey_app.services import exports
from tests.survey_app.test_exports_spss import SPSS_INSTRUMENT, add_rows, admin_client  # noqa: F401 - a fixture

#: the SPSS test instrument with a demographic question (anonymous exports blank it where it singles people out)
INSTRUMENT = copy.deepcopy(SPSS_INSTRUMENT)
INSTRUMENT["id"] = "streamed_test"
INSTRUMENT["scales"]["age"] = {"kind": "single", "options": [
    {"value": "young", "label": {"zh": "年轻", "en": "Young"}},
    {"value": "old", "label": {"zh": "年长", "en": "Old"}},
]}
INSTRUMENT["pages"][1]["items"].append(
    {"code": "AGE", "text": {"zh": "您的年龄段？", "en": "Your age band?"}, "scale": "age", "role": "demographic",
     "required": False})


def _row(i: int, *, language: str = "zh", ref: str | None = None, age: str = "young", ease: int | None = 4,
         comment: str = "ok", problem_text: str | None = None) -> tuple:
    second = {"BRANCH": "north", "CHANNELS": ["web", "app"], "VISITS": 2.5 + i, "AGE": age, "UNIT": "front"}
    if ease is not None:
        second["EASE"] = ease
    first = {"SAT": 1 + i % 10, "PROBLEM": 1 if problem_text else 0, **({"PROBLEM_TEXT": problem_text}
                                                                       if problem_text else {})}
    return (language, ref, None, [first, second, {"NPS": i % 11, "COMMENT": comment}])


#: hostile cells (formulas, quotes, commas, line breaks), gaps in whole-number answers, answers in two languages
ROWS = [
    _row(0, ref="CRM-1", comment='=HYPERLINK("http://evil.example")', problem_text="+1, \"quoted\"\nline"),
    _row(1, ref="CRM-2", ease=None, comment="@SUM(A1)", language="en", age="old"),
    _row(2, comment="-2 and a tab\tin it"),
    _row(3, comment="空调太冷，电话 13812345678"),
    _row(4, ease=None, comment="fine"),
    _row(5, comment="\rcarriage"),
]
ATTRIBUTES = {"CRM-1": {"team": "=cmd|' /C calc'!A0", "cost centre": "CC 12"}, "CRM-2": {"team": "blue"}}


def _survey(app, make_survey, slug: str, *, anonymous: bool = False) -> None:
    make_survey(slug=slug, definition=INSTRUMENT, anonymous=anonymous)
    # an anonymous survey's invitee answers in no unit: all six by the open link, so that north can be shown
    add_rows(app, slug, [(language, None, *rest) for language, _, *rest in ROWS] if anonymous else ROWS)
    with app.app_context():
        for ref, attributes in ATTRIBUTES.items():
            invitation = db.session.scalar(sa.select(Invitation).filter_by(external_ref=ref))
            if invitation is not None:
                invitation.attributes = attributes
        db.session.commit()


def _pandas_csv(table: pd.DataFrame, whole: list[str]) -> bytes:
    """The CSV pandas writes of the table (the export before it was streamed), with the whole-number answers as
    whole numbers where some are missing (7, not the 7.0 of a float column)."""
    table = table.copy()
    for code in whole:
        table[code] = table[code].astype("Int64")
    return table.map(exports.neutralise).to_csv(index=False).encode("utf-8-sig")


WHOLE = ["SAT", "PROBLEM", "EASE", "NPS"]


def test_the_streamed_csv_is_the_table_pandas_writes(app, make_survey, admin_client):  # noqa: F811
    _survey(app, make_survey, "streamed")
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="streamed"))
        expected = _pandas_csv(exports.responses_table(survey), WHOLE)
        assert exports.export_bytes(survey, "csv") == expected
    streamed = admin_client.get("/admin/surveys/streamed/export.csv")
    assert streamed.is_streamed and streamed.data == expected
    rows = list(csv.DictReader(io.StringIO(expected.decode("utf-8-sig"))))
    assert [row["EASE"] for row in rows] == ["4", "", "4", "4", "", "4"]  # never 4.0 beside a gap
    assert rows[0]["COMMENT"] == "'=HYPERLINK(\"http://evil.example\")" and rows[1]["COMMENT"] == "'@SUM(A1)"
    assert rows[0]["PROBLEM_TEXT"] == "'+1, \"quoted\"\nline" and rows[5]["COMMENT"] == "'\ncarriage"
    assert [row["attr_team"] for row in rows[:3]] == ["'=cmd|' /C calc'!A0", "blue", ""]
    assert [row["attr_cost_centre"] for row in rows[:3]] == ["CC 12", "", ""]


def test_an_anonymous_streamed_csv_is_the_table_pandas_writes_redacted_and_generalised(app, make_survey):
    _survey(app, make_survey, "streamed-anon", anonymous=True)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="streamed-anon"))
        table = exports.responses_table(survey)
        header, *lines = _pandas_csv(table, WHOLE).decode("utf-8-sig").split("\n")
        got_header, *got_lines = exports.export_bytes(survey, "csv").decode("utf-8-sig").split("\n")
    assert got_header == header and sorted(got_lines) == sorted(lines)  # the same rows, each in a random order
    rows = list(csv.DictReader(io.StringIO("\n".join([got_header, *got_lines]))))
    assert len(rows) == len(ROWS) and not any(column.startswith("attr_") for column in rows[0])
    # one English answer and one older respondent in north: both facts given up for the whole unit
    assert {row["language"] for row in rows} == {""} and {row["AGE"] for row in rows} == {""}
    assert not any("13812345678" in row["COMMENT"] for row in rows)  # the comment's phone number redacted
    assert {row["BRANCH"] for row in rows} == {row["unit"] for row in rows}


def _sheet_rows(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def _expected_cells(table: pd.DataFrame) -> list[list]:
    cells = [[None if _missing(value) else exports.neutralise(value) for value in row]
             for row in table.astype(object).values.tolist()]
    whole = [list(table.columns).index(code) for code in WHOLE]
    return [list(table.columns), *[[int(value) if i in whole and value is not None else value
                                    for i, value in enumerate(row)] for row in cells]]


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def test_the_excel_export_holds_the_tables_cells(app, make_survey):
    _survey(app, make_survey, "streamed-xlsx")
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="streamed-xlsx"))
        book = openpyxl.load_workbook(io.BytesIO(exports.export_bytes(survey, "xlsx")))
        expected = _expected_cells(exports.responses_table(survey))
    assert book.sheetnames == ["responses"]
    got = _sheet_rows(book["responses"])
    assert got == expected


def test_a_larger_excel_export_continues_on_further_sheets_each_with_the_header(app, make_survey, monkeypatch):
    monkeypatch.setattr(exports, "EXCEL_ROWS", 4)
    _survey(app, make_survey, "streamed-sheets")
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="streamed-sheets"))
        book = openpyxl.load_workbook(io.BytesIO(exports.export_bytes(survey, "xlsx", lang="en")))
        expected = _expected_cells(exports.responses_table(survey))
    assert book.sheetnames == ["responses", "responses 2", "README"]
    first, second = _sheet_rows(book["responses"]), _sheet_rows(book["responses 2"])
    assert first[0] == second[0] == expected[0]
    assert first[1:] + second[1:] == expected[1:] and len(first) == 5
    assert "responses, responses 2" in book["README"]["A1"].value and "6 responses" in book["README"]["A1"].value


def test_the_spss_export_holds_the_csv_exports_answers(app, make_survey, tmp_path):
    _survey(app, make_survey, "streamed-sav")
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="streamed-sav"))
        (tmp_path / "export.sav").write_bytes(exports.export_bytes(survey, "sav"))
        rows = list(csv.DictReader(io.StringIO(exports.export_bytes(survey, "csv").decode("utf-8-sig"))))
    frame, _ = pyreadstat.read_sav(str(tmp_path / "export.sav"))
    for code in [*WHOLE, "VISITS"]:
        assert [float(row[code]) if row[code] else np.nan for row in rows] == _floats(frame[code]), code
    assert frame["UNIT"].tolist() == [row["UNIT"] for row in rows]


def _floats(values: pd.Series) -> list:
    return [np.nan if pd.isna(value) else float(value) for value in values]


def test_the_csv_generator_holds_one_batch_of_rows_at_a_time(app, make_survey, monkeypatch):
    monkeypatch.setattr(exports, "BATCH_ROWS", 2)
    made = []
    real = exports._record_batches

    def counting(plan, connection=None):
        for records in real(plan, connection):
            made.append(len(records))
            yield records

    monkeypatch.setattr(exports, "_record_batches", counting)
    _survey(app, make_survey, "streamed-batches")
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="streamed-batches"))
        chunks = exports.csv_chunks(survey)
        assert next(chunks).decode("utf-8-sig").count("\n") == 1 and made == []  # the header: no row read yet
        for batch, chunk in enumerate(chunks, start=1):
            # each chunk written from the one batch made for it, before the next is read
            assert made == [2] * batch and len(list(csv.reader(io.StringIO(chunk.decode())))) == 2
    assert made == [2, 2, 2]
