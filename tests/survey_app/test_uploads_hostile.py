"""Malformed and hostile uploads get a clear message, never a crash: units and invitation CSVs through the
console, and data files through the analysis reader (``python -m analysis``)."""

from __future__ import annotations

import codecs
import io

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.data import read_table
from analysis.errors import AnalysisError
from survey_app.extensions import db
from survey_app.models import Invitation, Survey, Unit
from survey_app.services.uploads import MAX_FIELD, UploadError, read_csv_upload
from survey_app.services.users import create_user

PASSWORD = "correct horse battery"
CHINESE_UNITS = "unit,parent,kind,name\n华东,,region,华东大区\nnorth,华东,branch,北区门店\nsouth,华东,branch,南区门店\n"

#: file bytes -> a phrase the refusal must contain
HOSTILE: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "missing column"),
    "only a BOM": (codecs.BOM_UTF8, "missing column"),
    "header only": (b"unit,parent\n", "no data rows"),
    "binary junk": (bytes(range(256)) * 40, "not a text CSV"),
    "a PNG": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64, "not a text CSV"),
    "zip (an .xlsx renamed)": (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "not a text CSV"),
    "huge field": (b"unit,name\nnorth," + b"x" * 300_000 + b"\n", "longer than"),
    "huge quoted field": (b'unit,name\nnorth,"' + b"y" * 200_000 + b'"\n', "longer than"),
    "unterminated quote": (b'unit,name\nnorth,"never closed\n' + b"z" * 200_000, "longer than"),
    "UTF-16 without BOM": ("unit\nnorth\n".encode("utf-16-le"), "not a text CSV"),
    "wrong columns": (b"department;boss\nnorth;x\n", "missing column"),
    "empty code": (b"unit,name\n,Nameless\n", "is empty"),
    "NUL inside": (b"unit,name\nno\x00rth,N\n", "not a text CSV"),
}


@pytest.fixture
def console(app, client, make_survey):
    make_survey(slug="hostile")
    with app.app_context():
        create_user("admin@example.com", PASSWORD, role="admin")
        db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = False
    client.get("/admin/login?lang=en")  # the console in English for the messages below
    client.post("/admin/login", data={"email": "admin@example.com", "password": PASSWORD})
    return client


def upload(client, kind: str, data: bytes, filename: str = "upload.csv"):
    return client.post(f"/admin/surveys/hostile/{kind}", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data", follow_redirects=True)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_unit_files_are_refused_with_a_clear_message(app, console, name):
    data, phrase = HOSTILE[name]
    reply = upload(console, "units", data)
    assert reply.status_code == 200, name
    assert "Units not imported" in reply.text and phrase in reply.text, name
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 2  # only the units the survey started with


def test_hostile_invitation_files_are_refused_and_create_no_links(app, console):
    for name, (data, phrase) in HOSTILE.items():
        reply = upload(console, "invitations", data)
        assert reply.status_code == 200 and "No invitations created" in reply.text, name
        assert phrase.replace("column(s) unit", "column(s) ref") in reply.text or "missing column" in reply.text \
            or phrase in reply.text, name
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_chinese_excel_files_in_gbk_or_utf8_with_or_without_bom_are_read(app, console, encoding):
    reply = upload(console, "units", CHINESE_UNITS.encode(encoding))
    assert "3 units imported" in reply.text or "3 个" in reply.text
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="hostile"))
        names = {unit.code: unit.name for unit in survey.units}
    assert names["华东"] == "华东大区" and names["north"] == "北区门店"


def test_an_upload_over_the_size_limit_is_413_with_a_page(app, console):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    # encoded in memory (the test client would spool a large body to a temporary file it never closes)
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(b"unit\n" + b"a,\n" * (1024 * 1024)),
                                                          filename="big.csv")})
    assert len(body) > 3 * 1024 * 1024
    reply = console.post("/admin/surveys/hostile/units", data=body,  # 3 MB > 2 MB
                         content_type=f"multipart/form-data; boundary={boundary}")
    assert reply.status_code == 413
    assert "Traceback" not in reply.text and "<h1>" in reply.text


def test_formula_and_markup_in_names_are_stored_as_given_and_shown_inert(app, console):
    hostile = 'unit,name\nnorth,"=HYPERLINK(""http://evil"")"\nsouth,<script>alert(1)</script><svg onload=x>\n'
    reply = upload(console, "units", hostile.encode())
    assert "2 units imported" in reply.text
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="hostile"))
        names = {unit.code: unit.name for unit in survey.units}
    assert names["south"] == "<script>alert(1)</script><svg onload=x>"
    page = console.get("/admin/surveys/hostile")
    assert "<script>alert(1)" not in page.text and "<svg onload" not in page.text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000) | st.text(max_size=2000).map(lambda t: t.encode("utf-8")))
def test_any_bytes_give_rows_or_an_upload_error(data):
    try:
        rows = read_csv_upload(data, required=("unit",), optional=("name",))
    except UploadError as exc:
        assert str(exc)  # a sentence to show
    else:
        assert rows and all(row["unit"] and len(row["unit"]) <= MAX_FIELD for row in rows)


# -- analysis data files -------------------------------------------------------------------------------------

ANALYSIS_HOSTILE: dict[str, tuple[str, bytes]] = {
    "empty csv": ("data.csv", b""),
    "blank header": ("data.csv", b"\n1,2\n"),
    "binary csv": ("data.csv", bytes(range(256)) * 10),
    "duplicate columns": ("data.csv", b"a,b,a\n1,2,3\n"),
    "ragged rows": ("data.csv", b"a,b\n1,2,3,4\n\"unclosed\n"),
    "xlsx that is not a zip": ("data.xlsx", b"not a workbook at all"),
    "xlsx that is a zip of junk": ("data.xlsx", b"PK\x05\x06" + b"\x00" * 18),
    "sav of junk": ("data.sav", b"$FL2junk" + b"\x00" * 100),
    "unknown type": ("data.json", b"{}"),
}


@pytest.mark.parametrize("name", list(ANALYSIS_HOSTILE))
def test_analysis_reader_refuses_hostile_files_with_an_analysis_error(tmp_path, name):
    file_name, data = ANALYSIS_HOSTILE[name]
    path = tmp_path / file_name
    path.write_bytes(data)
    with pytest.raises(AnalysisError) as caught:
        read_table(path)
    assert file_name in str(caught.value) or "data" in str(caught.value)


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-16"])
def test_analysis_reader_reads_chinese_text_in_common_encodings(tmp_path, encoding):
    path = tmp_path / "answers.csv"
    path.write_bytes("部门,满意度\n华东,8\n华南,9\n".encode(encoding))
    frame = read_table(path)
    assert list(frame.columns) == ["部门", "满意度"] and list(frame["部门"]) == ["华东", "华南"]


def test_analysis_reader_survives_a_huge_field(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,comment\n1," + b"x" * 500_000 + b"\n")
    frame = read_table(path)
    assert len(frame.loc[0, "comment"]) == 500_000
