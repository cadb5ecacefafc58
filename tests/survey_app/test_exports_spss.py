"""The SPSS export opened as a client opens it: GNU PSPP reads each .sav without a word of warning, with every name,
measurement level and date-time as written; pyreadstat reads the labels and values; CSV and Excel carry the columns."""

from __future__ import annotations

import copy
import csv
import io
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, Survey
from survey_app.services.exports import spss_names
from survey_app.services.invitations import create_invitations
from survey_app.services.responses import save_page, start_response, submit, write_response
from survey_app.services.surveys import instrument_of
from survey_app.services.users import create_user
from tests.conftest import FLOW_INSTRUMENT, csrf_token

PASSWORD = "correct horse battery"

#: the flow instrument with an item coded UNIT (SPSS reads it as the service's column ``unit``) and a likert item
SPSS_INSTRUMENT = copy.deepcopy(FLOW_INSTRUMENT)
SPSS_INSTRUMENT["id"] = "spss_test"
SPSS_INSTRUMENT["scales"]["team"] = {"kind": "single", "options": [
    {"value": "front", "label": {"zh": "前台", "en": "Front desk"}},
    {"value": "back", "label": {"zh": "后台", "en": "Back office"}},
]}
SPSS_INSTRUMENT["pages"][1]["items"] += [
    {"code": "UNIT", "text": {"zh": "哪个团队为您服务？", "en": "Which team served you?"}, "scale": "team",
     "role": "other", "required": False},
    {"code": "EASE", "text": {"zh": "办事很方便。", "en": "It was easy to get things done."}, "scale": "likert5",
     "role": "other", "required": False},
]

#: (language, invitation reference, submitted at, answers by page)
ROWS = [
    ("en", "CRM-0042", datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC), [
        {"SAT": 9, "PROBLEM": 1, "PROBLEM_TEXT": "Long queue"},
        {"BRANCH": "north", "CHANNELS": ["web", "app"], "VISITS": 12, "UNIT": "front", "EASE": 4},
        {"NPS": 10, "COMMENT": "Friendly staff"}]),
    ("zh", None, datetime(2026, 3, 15, 18, 5, tzinfo=UTC), [
        {"SAT": 6, "PROBLEM": 0},
        {"BRANCH": "south", "CHANNELS": ["shop"], "VISITS": 2.5, "UNIT": "back", "EASE": 2},
        {"NPS": 6, "COMMENT": "空调太冷"}]),
    ("zh", None, datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC), [
        {"SAT": 7, "PROBLEM": 0}, {"BRANCH": "north"}, {"NPS": 8}]),
]

#: the columns of the CSV and Excel files: the service's columns, then the items in instrument order
TABLE_COLUMNS = ["response_id", "invitation_ref", "submitted_at", "unit", "language", "channel", "SAT", "PROBLEM",
                 "PROBLEM_TEXT", "BRANCH", "CHANNELS", "VISITS", "UNIT", "EASE", "NPS", "COMMENT"]

#: PSPP's DISPLAY DICTIONARY of the identified export: name, label, measurement level, print format
VARIABLES = [
    ["response_id", "Response id", "Nominal", "F10.0"],
    ["invitation_ref", "Invitation reference (the id given with the invitation)", "Nominal", "A8"],
    ["submitted_at", "Submitted at (UTC)", "Scale", "DATETIME20.0"],
    ["sys_unit", "Unit code the response counts towards", "Nominal", "A5"],
    ["language", "Language the survey was answered in", "Nominal", "A2"],
    ["channel", "Channel the response came through", "Nominal", "A3"],
    ["SAT", "Overall, how satisfied are you?", "Scale", "F2.0"],
    ["PROBLEM", "Did you have a problem?", "Nominal", "F1.0"],
    ["PROBLEM_TEXT", "What was the problem?", "Nominal", "A10"],
    ["BRANCH", "Which branch do you use?", "Nominal", "A5"],
    ["CHANNELS", "Which channels do you use?", "Nominal", "A7"],
    ["VISITS", "How many visits last year?", "Scale", "F8.2"],
    ["UNIT", "Which team served you?", "Nominal", "A5"],
    ["EASE", "It was easy to get things done.", "Ordinal", "F1.0"],
    ["NPS", "How likely are you to recommend us?", "Scale", "F2.0"],
    ["COMMENT", "Anything else to tell us?", "Nominal", "A14"],
]

#: PSPP's LIST of the identified export
CASES = [
    ["response_id", "invitation_ref", "submitted_at", "sys_unit", "language", "channel", "SAT", "PROBLEM",
     "PROBLEM_TEXT", "BRANCH", "CHANNELS", "VISITS", "UNIT", "EASE", "NPS", "COMMENT"],
    ["1", "CRM-0042", "14-MAR-2026 09:26:53", "north", "en", "web", "9", "1", "Long queue", "north", "web;app",
     "12.00", "front", "4", "10", "Friendly staff"],
    ["2", "", "15-MAR-2026 18:05:00", "south", "zh", "web", "6", "0", "", "south", "shop", "2.50", "back", "2", "6",
     "空调太冷"],
    ["3", "", "31-DEC-2026 23:59:59", "north", "zh", "web", "7", "0", "", "north", "", ".", "", ".", "8", ""],
]


#: PSPP syntax run on each export: the variables with their labels, levels and formats, then every case
SHOW_ALL = "DISPLAY DICTIONARY.\nLIST."


@pytest.fixture
def admin_client(app, client):
    """The test client signed in to the console as an admin."""
    with app.app_context():
        create_user("admin@example.com", PASSWORD, role="admin")
        db.session.commit()
    page = client.get("/admin/login?lang=en")
    signed = client.post("/admin/login", data={"csrf_token": csrf_token(page.text), "email": "admin@example.com",
                                               "password": PASSWORD})
    assert signed.status_code == 302
    return client


def add_rows(app, slug: str, rows: list) -> None:
    """Store complete responses page by page, as the respondent pages do, then fix their submission times."""
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        instrument = instrument_of(survey)
        for i, (language, ref, when, pages) in enumerate(rows):
            invitation = create_invitations(survey, [ref])[0][0] if ref else None
            connection = db.session.connection()
            response, _ = start_response(survey, submission_key=f"row-{i}", language=language, invitation=invitation)
            for index, values in enumerate(pages):
                save_page(connection, response, survey, instrument, index, values, language=language)
            submit(connection, response, survey)
            write_response(connection, response)
            if not survey.anonymous:
                db.session.execute(sa.update(Response).filter_by(submission_key=f"row-{i}").values(submitted_at=when))
        db.session.commit()


def open_with_pspp(sav: bytes, folder: Path, commands: str = SHOW_ALL) -> dict[str, list[list[str]]]:
    """Open ``sav`` with GNU PSPP and run ``commands``; its output tables by title, cells stripped.

    PSPP prints a warning or note on the terminal and among its tables: either fails the test.
    """
    if shutil.which("pspp") is None:
        pytest.fail("GNU PSPP (pspp) is missing: run `make test`, which installs Debian's pspp")
    (folder / "export.sav").write_bytes(sav)
    (folder / "open.sps").write_text(f"GET FILE='export.sav'.\n{commands}\n", encoding="utf-8")
    done = subprocess.run(["pspp", "-o", "output.csv", "open.sps"], cwd=folder, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "LC_ALL": "C.UTF-8"})
    assert done.returncode == 0 and not done.stdout and not done.stderr, done.stdout + done.stderr
    output = (folder / "output.csv").read_text(encoding="utf-8")
    tables: dict[str, list[list[str]]] = {}
    title = None
    for row in csv.reader(io.StringIO(output)):
        if not row:
            title = None
        elif title is None:
            assert row[0].startswith("Table: "), f"PSPP said more than its tables:\n{output}"
            title = row[0].removeprefix("Table: ")
            tables[title] = []
        else:
            tables[title].append([cell.strip() for cell in row])
    return tables


def read_with_pyreadstat(sav: bytes, folder: Path) -> tuple[pd.DataFrame, pyreadstat.metadata_container]:
    path = folder / "export.sav"
    path.write_bytes(sav)
    return pyreadstat.read_sav(str(path))


def test_pspp_opens_the_export_with_unique_names_levels_and_date_times(app, admin_client, make_survey, tmp_path):
    make_survey(slug="spss", definition=SPSS_INSTRUMENT)
    add_rows(app, "spss", ROWS)
    reply = admin_client.get("/admin/surveys/spss/export.sav?lang=en")
    assert reply.status_code == 200 and reply.mimetype == "application/x-spss-sav"
    tables = open_with_pspp(reply.data, tmp_path)
    header, *variables = tables["Variables"]
    assert header == ["Name", "Position", "Label", "Measurement Level", "Role", "Width", "Alignment",
                      "Print Format", "Write Format"]
    assert [[name, label, level, fmt] for name, _, label, level, _, _, _, fmt, _ in variables] == VARIABLES
    assert tables["Data List"] == CASES
    labels = tables["Value Labels"]
    assert ["Which team served you?", "back", "Back office"] in labels
    assert ["", "front", "Front desk"] in labels
    assert ["It was easy to get things done.", "1", "Strongly disagree"] in labels


def test_pyreadstat_reads_labels_values_and_times(app, admin_client, make_survey, tmp_path):
    make_survey(slug="spss", definition=SPSS_INSTRUMENT)
    add_rows(app, "spss", ROWS)
    frame, meta = read_with_pyreadstat(admin_client.get("/admin/surveys/spss/export.sav?lang=zh").data, tmp_path)
    assert list(frame.columns) == [row[0] for row in VARIABLES]
    assert list(frame["submitted_at"]) == [pd.Timestamp("2026-03-14 09:26:53"), pd.Timestamp("2026-03-15 18:05:00"),
                                           pd.Timestamp("2026-12-31 23:59:59")]
    assert meta.original_variable_types["submitted_at"] == "DATETIME20"
    assert list(frame["sys_unit"]) == ["north", "south", "north"]
    assert list(frame["UNIT"]) == ["front", "back", ""]
    assert list(frame["COMMENT"]) == ["Friendly staff", "空调太冷", ""]
    assert frame["VISITS"].tolist()[:2] == [12.0, 2.5] and pd.isna(frame["VISITS"][2])
    assert meta.column_names_to_labels["sys_unit"] == "答卷所属单位代码"
    assert meta.column_names_to_labels["UNIT"] == "哪个团队为您服务？"
    assert meta.column_names_to_labels["submitted_at"] == "提交时间（UTC）"
    assert meta.variable_value_labels["UNIT"] == {"front": "前台", "back": "后台"}
    assert meta.variable_value_labels["PROBLEM"] == {1.0: "是", 0.0: "否"}
    assert meta.variable_value_labels["EASE"] == {1.0: "非常不同意", 2.0: "不同意", 3.0: "一般", 4.0: "同意",
                                                  5.0: "非常同意"}
    assert meta.variable_value_labels["NPS"] == {0.0: "完全不可能", 10.0: "极有可能"}
    assert meta.variable_measure == {
        "response_id": "nominal", "invitation_ref": "nominal", "submitted_at": "scale", "sys_unit": "nominal",
        "language": "nominal", "channel": "nominal", "SAT": "scale", "PROBLEM": "nominal", "PROBLEM_TEXT": "nominal",
        "BRANCH": "nominal", "CHANNELS": "nominal", "VISITS": "scale", "UNIT": "nominal", "EASE": "ordinal",
        "NPS": "scale", "COMMENT": "nominal"}
    assert meta.variable_display_width["COMMENT"] == 14 and meta.variable_display_width["UNIT"] == 8


def test_csv_and_excel_carry_the_same_columns(app, admin_client, make_survey):
    make_survey(slug="spss", definition=SPSS_INSTRUMENT)
    add_rows(app, "spss", ROWS)
    text = admin_client.get("/admin/surveys/spss/export.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    sheet = openpyxl.load_workbook(io.BytesIO(admin_client.get("/admin/surveys/spss/export.xlsx").data)).active
    assert rows[0] == TABLE_COLUMNS
    assert [cell.value for cell in sheet[1]] == TABLE_COLUMNS
    assert len(rows) == sheet.max_row == 4
    assert rows[1][TABLE_COLUMNS.index("unit")] == "north" and rows[1][TABLE_COLUMNS.index("UNIT")] == "front"


def test_pspp_opens_the_anonymous_export(app, admin_client, make_survey, tmp_path):
    """No ids and no time; the unit column still gives way to the item UNIT."""
    make_survey(slug="spss-anon", definition=SPSS_INSTRUMENT, anonymous=True)
    row = ("zh", None, None, [{"SAT": 8, "PROBLEM": 0}, {"BRANCH": "north", "UNIT": "front", "EASE": 5},
                              {"NPS": 9}])
    add_rows(app, "spss-anon", [row] * 6)
    tables = open_with_pspp(admin_client.get("/admin/surveys/spss-anon/export.sav?lang=en").data, tmp_path)
    names = [variable[0] for variable in tables["Variables"][1:]]
    assert names == ["sys_unit", "language", "channel", "SAT", "PROBLEM", "PROBLEM_TEXT", "BRANCH", "CHANNELS",
                     "VISITS", "UNIT", "EASE", "NPS", "COMMENT"]
    header, *cases = tables["Data List"]
    assert header == names
    assert cases == [["north", "zh", "web", "8", "0", "", "north", "", ".", "front", "5", "9", ""]] * 6


def test_spss_names_are_unique_in_any_case_and_never_an_items():
    long_code = "Q" * 70
    items = ["SAT", "Sat", "UNIT", "TO", "SYS_LANGUAGE", long_code, "Q" * 64 + "X"]
    columns = ["response_id", "unit", "language", *items]
    assert spss_names(columns, items) == {
        "response_id": "response_id",
        "unit": "sys_unit",
        "language": "language",  # no item is called LANGUAGE: SYS_LANGUAGE does not move it
        "SAT": "SAT",
        "Sat": "Sat_2",
        "UNIT": "UNIT",
        "TO": "TO_2",
        "SYS_LANGUAGE": "SYS_LANGUAGE",
        long_code: "Q" * 64,
        "Q" * 64 + "X": "Q" * 62 + "_2",
    }
    # the prefixed name taken by an item too: the suffix rule goes on
    assert spss_names(["language", "Sys_Language", "Language"], ["Sys_Language", "Language"]) == {
        "language": "sys_language_2", "Sys_Language": "Sys_Language", "Language": "Language"}


def test_pspp_opens_an_export_before_the_first_response(admin_client, make_survey, tmp_path):
    """No rows: pandas cannot tell a number column from a text one, the export still can."""
    make_survey(slug="spss", definition=SPSS_INSTRUMENT)
    tables = open_with_pspp(admin_client.get("/admin/surveys/spss/export.sav?lang=en").data, tmp_path)
    variables = {name: (level, fmt) for name, _, _, level, _, _, _, fmt, _ in tables["Variables"][1:]}
    assert list(variables) == [row[0] for row in VARIABLES]
    assert variables["response_id"] == ("Nominal", "F10.0")
    assert variables["submitted_at"] == ("Scale", "DATETIME20.0")
    assert variables["SAT"] == ("Scale", "F2.0") and variables["UNIT"] == ("Nominal", "A5")
    assert "Data List" not in tables


def test_a_text_longer_than_spss_holds_is_cut_between_characters(app, admin_client, make_survey, tmp_path):
    definition = copy.deepcopy(SPSS_INSTRUMENT)
    definition["id"] = "spss_long"
    definition["scales"]["long"] = {"kind": "text", "max_length": 20000}
    definition["pages"][2]["items"][1]["scale"] = "long"
    make_survey(slug="spss", definition=definition)
    comment = "满" * 12000  # 36,000 bytes in UTF-8; SPSS holds 32,767
    add_rows(app, "spss", [("zh", None, datetime(2026, 3, 14, tzinfo=UTC), [
        {"SAT": 9, "PROBLEM": 0}, {"BRANCH": "north"}, {"NPS": 10, "COMMENT": comment}])])
    sav = admin_client.get("/admin/surveys/spss/export.sav?lang=en").data
    tables = open_with_pspp(sav, tmp_path, "DISPLAY DICTIONARY.")
    assert tables["Variables"][-1][0] == "COMMENT" and tables["Variables"][-1][7] == "A32766"
    frame, _ = read_with_pyreadstat(sav, tmp_path)
    assert frame["COMMENT"][0] == "满" * 10922
    text = admin_client.get("/admin/surveys/spss/export.csv").data.decode("utf-8-sig")
    assert list(csv.DictReader(io.StringIO(text)))[0]["COMMENT"] == comment


#: the further columns of the participants list of the two invitees in ROWS (the third row came by the open link)
LIST_ATTRIBUTES = {"CRM-0042": {"team": "=HYPERLINK(\"http://evil.example\")", "部门": "销售", "cost centre": "CC 12"},
                   "CRM-0043": {"team": "blue", "部门": "", "cost centre": "@SUM(A1)"}}


def _with_attributes(app, slug: str, *, anonymous: bool = False) -> None:
    rows = [ROWS[0], (ROWS[1][0], "CRM-0043", *ROWS[1][2:]), ROWS[2]]
    add_rows(app, slug, rows)
    with app.app_context():
        from survey_app.models import Invitation

        for ref, attributes in LIST_ATTRIBUTES.items():
            invitation = db.session.scalar(sa.select(Invitation).filter_by(external_ref=ref))
            invitation.attributes = attributes
        db.session.commit()


def test_an_identified_export_has_a_column_per_list_attribute_neutralised_and_named_for_spss(
        app, admin_client, make_survey, tmp_path):
    """attr_<name>: letters, digits and _ only, unique among the columns; formula-like cells neutralised; PSPP
    reads the columns with their labels and values."""
    make_survey(slug="spss", definition=SPSS_INSTRUMENT)
    _with_attributes(app, "spss")
    added = ["attr_team", "attr_部门", "attr_cost_centre"]
    columns = [*TABLE_COLUMNS[:6], *added, *TABLE_COLUMNS[6:]]
    rows = list(csv.reader(io.StringIO(admin_client.get("/admin/surveys/spss/export.csv").data.decode("utf-8-sig"))))
    assert rows[0] == columns
    by_column = [dict(zip(columns, row, strict=True)) for row in rows[1:]]
    assert [row["attr_team"] for row in by_column] == ["'=HYPERLINK(\"http://evil.example\")", "blue", ""]
    assert [row["attr_cost_centre"] for row in by_column] == ["CC 12", "'@SUM(A1)", ""]
    assert [row["attr_部门"] for row in by_column] == ["销售", "", ""]
    sheet = openpyxl.load_workbook(io.BytesIO(admin_client.get("/admin/surveys/spss/export.xlsx").data)).active
    assert [cell.value for cell in sheet[1]] == columns
    assert sheet.cell(row=2, column=7).value == "'=HYPERLINK(\"http://evil.example\")"
    tables = open_with_pspp(admin_client.get("/admin/surveys/spss/export.sav?lang=en").data, tmp_path)
    variables = {name: (label, level) for name, _, label, level, *_ in tables["Variables"][1:]}
    assert list(variables)[6:9] == added
    assert variables["attr_team"] == ("Attribute from the participants list: team", "Nominal")
    assert variables["attr_cost_centre"] == ("Attribute from the participants list: cost centre", "Nominal")
    header, *cases = tables["Data List"]
    assert header[6:9] == added
    assert [case[6:9] for case in cases] == [["=HYPERLINK(\"http://evil.example\")", "销售", "CC 12"],
                                              ["blue", "", "@SUM(A1)"], ["", "", ""]]
    _, meta = read_with_pyreadstat(admin_client.get("/admin/surveys/spss/export.sav?lang=zh").data, tmp_path)
    assert meta.column_names_to_labels["attr_部门"] == "参与者名单的属性：部门"


def test_an_anonymous_export_has_no_attribute_column(app, admin_client, make_survey):
    make_survey(slug="spss-anon", definition=SPSS_INSTRUMENT, anonymous=True)
    row = ("zh", "CRM-0042", None, [{"SAT": 8, "PROBLEM": 0}, {"BRANCH": "north"}, {"NPS": 9}])
    add_rows(app, "spss-anon", [row] * 6)
    with app.app_context():
        from survey_app.models import Invitation

        for invitation in db.session.scalars(sa.select(Invitation)):
            invitation.attributes = LIST_ATTRIBUTES["CRM-0042"]
        db.session.commit()
    header = admin_client.get("/admin/surveys/spss-anon/export.csv").data.decode("utf-8-sig").splitlines()[0]
    assert not any(column.startswith("attr_") for column in header.split(","))
    assert "HYPERLINK" not in admin_client.get("/admin/surveys/spss-anon/export.csv").data.decode("utf-8-sig")


def test_an_attribute_column_is_a_valid_spss_name_unique_in_any_case():
    from survey_app.services.exports import attribute_column

    assert attribute_column("cost centre", set()) == "attr_cost_centre"
    assert attribute_column("a-b.c/d", set()) == "attr_a_b_c_d"
    assert attribute_column("floor", {"ATTR_FLOOR"}) == "attr_floor_2"
    assert attribute_column("to", set()) == "attr_to"
    long = attribute_column("x" * 80, set())
    assert long == "attr_" + "x" * 59 and len(long.encode()) == 64
    chinese = attribute_column("部" * 30, set())  # 3 bytes each: cut between characters
    assert len(chinese.encode()) <= 64 and chinese == "attr_" + "部" * 19
