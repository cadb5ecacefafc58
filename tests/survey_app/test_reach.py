"""QR codes, posters and embedding through the console: codes that read back to the exact link, a poster page per
unit, and frame-ancestors sent for the survey that allows them only."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from survey_app.extensions import db
from survey_app.models import Survey
from survey_app.services.embedding import OriginError, parse_origins
from survey_app.services.unit_links import signed_unit
from tests.conftest import sign_in

BASE = "http://127.0.0.1:5000"
UNITS_CSV = "unit,parent,kind,name_zh,name_en\nhq,,company,总部,Head office\nnorth,hq,branch,北区网点,North branch\n"


@pytest.fixture
def console(app, client, make_survey):
    """A signed-in owner of survey "flow" (units: the module's north and south)."""
    make_survey(title={"zh": "门店满意度", "en": "Store satisfaction"}, anonymous=True)
    sign_in(app, client, "owner@example.com", "correct horse battery", token_name="t")
    return client


def _decoded(png: bytes) -> str:
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return code.text


def test_the_survey_qr_code_reads_back_as_its_open_link(console):
    png = console.get("/admin/surveys/flow/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert _decoded(png.data) == f"{BASE}/s/flow"
    svg = console.get("/admin/surveys/flow/qr.svg")
    assert svg.mimetype == "image/svg+xml" and svg.text.startswith("<?xml") and "<svg" in svg.text


def test_a_unit_qr_code_reads_back_as_its_signed_link_that_the_survey_accepts(app, console):
    png = console.get("/admin/surveys/flow/qr.png?unit=south")
    link = _decoded(png.data)
    assert link.startswith(f"{BASE}/s/flow?u=south.")
    with app.app_context():
        assert signed_unit("flow", parse_qs(urlsplit(link).query)["u"][0]) == "south"
    page = console.get(link.removeprefix(BASE) + "&lang=en")
    assert "You are answering for South" in page.text
    assert console.get("/admin/surveys/flow/qr.png?unit=nowhere").status_code == 404
    assert console.get("/admin/surveys/flow/qr.gif").status_code == 404


def _pages(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF")
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_posters_have_a_page_per_unit_with_title_unit_name_link_and_anonymity_line(console):
    reply = console.post("/admin/surveys/flow/units", data={"file": (io.BytesIO(UNITS_CSV.encode()), "u.csv")})
    assert reply.status_code == 302
    zh = _pages(console.get("/admin/surveys/flow/posters/zh/units.pdf").data)
    # the hierarchy's units in tree order (the file's hierarchy replaced the module's stand-in "south")
    assert len(zh) == 2
    for text, name in zip(zh, ("总部", "北区网点"), strict=True):
        assert "门店满意度" in text and name in text
        assert f"{BASE}/s/flow" in text.replace("\n", "")
        assert "匿名" in text
    en = _pages(console.get("/admin/surveys/flow/posters/en.pdf?unit=north").data)
    assert len(en) == 1
    assert "Store satisfaction" in en[0] and "North branch" in en[0] and "anonymous" in en[0]
    survey_poster = _pages(console.get("/admin/surveys/flow/posters/en.pdf").data)
    assert len(survey_poster) == 1 and "North branch" not in survey_poster[0]
    assert console.get("/admin/surveys/flow/posters/fr.pdf").status_code == 404


def test_an_identified_survey_poster_has_no_anonymity_line(app, console, make_survey):
    make_survey("named", title={"zh": "客户调查", "en": "Customer survey"})
    with app.app_context():
        from survey_app.models import User
        from survey_app.services.accounts import share_survey
        survey = db.session.scalars(sa.select(Survey).filter_by(slug="named")).one()
        share_survey(survey, db.session.scalars(sa.select(User)).one())
        db.session.commit()
    [text] = _pages(console.get("/admin/surveys/named/posters/en.pdf?unit=north").data)
    assert "Customer survey" in text and "North" in text and "anonymous" not in text


def test_framing_is_allowed_for_the_survey_that_names_the_origin_only(app, console, make_survey):
    make_survey("other")
    closed = console.get("/s/flow")
    assert "frame-ancestors 'none'" in closed.headers["Content-Security-Policy"]
    assert closed.headers["X-Frame-Options"] == "DENY"
    reply = console.post("/admin/surveys/flow/embedding",
                         data={"origins": "https://intranet.example.com/\nhttp://localhost:8001"})
    assert reply.status_code == 302
    page = console.get("/s/flow")
    assert "frame-ancestors https://intranet.example.com http://localhost:8001;" in (
        page.headers["Content-Security-Policy"] + ";")
    assert "X-Frame-Options" not in page.headers
    assert 'data-origins="https://intranet.example.com http://localhost:8001"' in page.text
    # other surveys, the console and the survey's own console page stay unframeable
    for path in ("/s/other", "/admin/surveys/flow", "/admin/"):
        headers = console.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert headers["X-Frame-Options"] == "DENY", path
    console_page = console.get("/admin/surveys/flow")
    assert "event.origin !== &#34;http://127.0.0.1:5000&#34;" in console_page.text
    # emptied: no framing again
    console.post("/admin/surveys/flow/embedding", data={"origins": ""})
    assert "frame-ancestors 'none'" in console.get("/s/flow").headers["Content-Security-Policy"]


@pytest.mark.parametrize("origin", ["http://intranet.example.com", "https://example.com/path", "javascript:alert(1)",
                                    "https://*.example.com", "'self'", "https://example.com;script-src *",
                                    "https://example.com:99999", "*"])
def test_an_origin_that_is_not_an_https_origin_is_refused(origin):
    with pytest.raises(OriginError):
        parse_origins(origin)


def test_a_refused_origin_changes_nothing_and_says_why(app, console):
    reply = console.post("/admin/surveys/flow/embedding", data={"origins": "https://ok.example.com\n'none' *"},
                         follow_redirects=True)
    assert "不是形如 https://intranet.example.com 的来源" in reply.text
    with app.app_context():
        assert db.session.scalars(sa.select(Survey.frame_origins).filter_by(slug="flow")).one() is None
