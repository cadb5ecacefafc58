"""The PDF report: content in both languages, the embedded CJK font, and a renderer that fetches nothing."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from reports import charts, fonts
from reports.context import build_context
from reports.errors import ReportError
from reports.render import AssetFetcher, html_to_pdf, render_pdf, write_pdf

HOSTILE_LABEL = "<img src=\"file:///etc/passwd\">Quality<script>alert(1)</script>"
#: Section titles as the issue names them, in each language.
TITLES = {
    "en": ["Contents", "Executive summary", "What drives satisfaction", "The satisfaction model",
           "Net Promoter Score", "Appendix: measurement quality", "Appendix: methods in brief",
           "Recommended actions", "The satisfaction trap", "Satisfaction and loyalty", "Segments",
           "Basic and latent attributes", "By relationship stage", "Complaints and recovery", "Revenue at risk"],
    "zh": ["目录", "摘要", "满意度的驱动因素", "满意度模型", "净推荐值（NPS）", "附录：测量质量",
           "附录：方法简介", "建议措施", "客户满意陷阱", "满意度与忠诚度", "客户细分", "基本属性与潜在属性",
           "按关系阶段", "投诉与服务补救", "风险收入"],
}


class Report:
    def __init__(self, pdf: bytes, fetched: list[str]) -> None:
        self.pdf = pdf
        self.fetched = fetched
        self.reader = PdfReader(io.BytesIO(pdf))
        self.text = "\n".join(page.extract_text() for page in self.reader.pages)

    def fonts(self) -> set[str]:
        names: set[str] = set()

        def walk(resources: Any) -> None:
            for font in (resources.get("/Font") or {}).values():
                names.add(str(font.get_object()["/BaseFont"]))
            for xobject in (resources.get("/XObject") or {}).values():
                xobject = xobject.get_object()
                if "/Resources" in xobject:
                    walk(xobject["/Resources"])

        for page in self.reader.pages:
            walk(page["/Resources"])
        return names


@pytest.fixture(scope="module")
def reports(result: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """Both PDFs, rendered once; English through write_pdf with a hostile label; every fetch recorded."""
    fetched: dict[str, list[str]] = {"en": [], "zh": []}
    original = AssetFetcher.fetch
    with pytest.MonkeyPatch.context() as patch:
        current = "en"

        def spy(self: AssetFetcher, url: str, headers: Any = None) -> Any:
            fetched[current].append(url)
            return original(self, url, headers)

        patch.setattr(AssetFetcher, "fetch", spy)
        path = tmp_path_factory.mktemp("reports") / "report.pdf"
        write_pdf(result, path, meta={"labels": {"Quality": HOSTILE_LABEL}})  # lang defaults to English
        en = path.read_bytes()
        current = "zh"
        zh = render_pdf(result, lang="zh")
    return {"en": Report(en, fetched["en"]), "zh": Report(zh, fetched["zh"])}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pdf_is_a_multi_page_a4_document(reports: dict[str, Report], lang: str) -> None:
    report = reports[lang]
    assert report.pdf.startswith(b"%PDF")
    assert len(report.reader.pages) >= 4
    width, height = (float(x) for x in report.reader.pages[0].mediabox.upper_right)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pdf_text_has_the_key_numbers_and_section_titles(reports: dict[str, Report], result: dict[str, Any],
                                                         lang: str) -> None:
    context = build_context(result, lang=lang, charts=False)
    text = reports[lang].text
    assert context["summary"]["nps"]["value"] in text
    assert context["summary"]["nps"]["ci"] in text
    assert context["summary"]["n"] in text
    assert context["summary"]["csi"]["value"] in text
    assert "built-in method" not in text  # the appendix's item counts are numbers, not dict.items
    trap = context["trap"]
    assert trap["index"]["value"] in text and trap["complaints"]["kpis"][0]["value"] in text
    assert trap["behaviour"]["rows"][0]["revenue"] in text
    flat = text.replace("\n", "")
    for item in context["actions"]:
        assert item["action"].replace(" ", "")[:20] in flat.replace(" ", ""), item["action"]
    for title in TITLES[lang]:
        assert title in text, title
    # Page numbers "n / total" in the footer, and the running header with the report title.
    total = len(reports[lang].reader.pages)
    assert f"3 / {total}" in reports[lang].reader.pages[2].extract_text()
    assert context["title"] in reports[lang].reader.pages[2].extract_text()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_glyph_comes_from_the_embedded_cjk_font(reports: dict[str, Report], lang: str) -> None:
    # A fallback font would mean a character the CJK font lacks (a missing-glyph box); there is none.
    names = reports[lang].fonts()
    assert names and all("Noto-Sans-CJK-SC" in name for name in names), names
    if lang == "zh":
        assert "客户满意度报告" in reports[lang].text and "推荐者" in reports[lang].text


def test_hostile_label_is_printed_as_text_and_fetches_nothing(reports: dict[str, Report]) -> None:
    report = reports["en"]
    assert "file:///etc/passwd" in report.text and "alert(1)" in report.text
    # Only the report's own chart images were fetched: the <img> in the label never became an element.
    assert report.fetched and all(url.startswith("manyi-asset:chart-") for url in report.fetched)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://example.com/x.png", "https://example.com/",
                                 "data:image/png;base64,iVBORw0KGgo=", "manyi-asset:../render.py",
                                 "manyi-asset:chart-0.svg"])
def test_fetcher_refuses_anything_but_its_own_assets(url: str) -> None:
    with pytest.raises(PermissionError, match="serves only its own assets"):
        AssetFetcher().fetch(url)


def test_fetcher_serves_the_stylesheet_and_the_charts_it_was_given() -> None:
    assert b"@page" in AssetFetcher().fetch("manyi-asset:report.css").read()
    response = AssetFetcher(["<svg xmlns='http://www.w3.org/2000/svg'/>"]).fetch("manyi-asset:chart-0.svg")
    assert response.content_type == "image/svg+xml" and response.read().startswith(b"<svg")


def test_outside_urls_in_html_are_refused_by_weasyprint(monkeypatch: pytest.MonkeyPatch) -> None:
    refused: list[str] = []
    original = AssetFetcher.fetch

    def spy(self: AssetFetcher, url: str, headers: Any = None) -> Any:
        try:
            return original(self, url, headers)
        except PermissionError:
            refused.append(url)
            raise

    monkeypatch.setattr(AssetFetcher, "fetch", spy)
    pdf = html_to_pdf('<p>x</p><img src="file:///etc/passwd"><img src="http://example.com/x.png">'
                      '<link rel="stylesheet" href="https://example.com/s.css">')
    assert pdf.startswith(b"%PDF")
    assert sorted(refused) == ["file:///etc/passwd", "http://example.com/x.png", "https://example.com/s.css"]


def test_a_chart_that_fails_while_the_pdf_is_laid_out_stops_the_report(monkeypatch: pytest.MonkeyPatch,
                                                                       result: dict[str, Any]) -> None:
    # WeasyPrint catches what a URL fetcher raises, logs "Failed to load image" and leaves the image out.
    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("dot crashed")

    monkeypatch.setattr(charts, "path_diagram", broken)
    monkeypatch.setattr(charts, "workers", lambda: 1)  # drawn here, where the broken function is
    with pytest.raises(ReportError, match=r"chart \d+ \(path_diagram\) could not be drawn.*RuntimeError: dot crashed"):
        render_pdf(result, lang="en")


class Charts(list[str]):
    """Charts of which chart 1 cannot be drawn."""

    def __getitem__(self, index: Any) -> Any:
        if index == 1:
            raise ValueError("no data")
        return super().__getitem__(index)


def test_a_chart_that_fails_is_named_by_html_to_pdf() -> None:
    svg = "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>"
    page = '<img src="manyi-asset:chart-0.svg"><img src="manyi-asset:chart-1.svg">'
    with pytest.raises(ReportError, match=r"chart 1 \(bar_chart\) could not be drawn.*ValueError: no data"):
        html_to_pdf(page, charts=Charts([svg, svg]), names=["ipa_chart", "bar_chart"])
    with pytest.raises(ReportError, match=r"chart 1 could not be drawn"):
        html_to_pdf(page, charts=Charts([svg, svg]))
    assert html_to_pdf(page, charts=[svg, svg]).startswith(b"%PDF")


def test_missing_cjk_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, result: dict[str, Any],
                                           tmp_path: Path) -> None:
    monkeypatch.setattr(fonts, "CJK_FAMILY", "No Such Font CJK")
    fonts.cjk_font_path.cache_clear()
    try:
        with pytest.raises(ReportError, match="fonts-noto-cjk"):
            write_pdf(result, tmp_path / "x.pdf", lang="zh")
    finally:
        fonts.cjk_font_path.cache_clear()
    assert not (tmp_path / "x.pdf").exists()


#: A page is blank when nearly all of it is white; a page of the report carries at least a heading and a footer.
MAX_WHITE = 0.995


def page_images(pdf: bytes, tmp_path: Path) -> list[Path]:
    """Every page rendered to PNG with poppler's pdftoppm at low resolution (``make test`` installs it)."""
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: install poppler-utils (make test does) to render the report pages.")
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-gray", "-png", str(source), str(tmp_path / "page")], check=True,
                   capture_output=True, timeout=120)
    return sorted(tmp_path.glob("page-*.png"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_page_is_blank(reports: dict[str, Report], lang: str, tmp_path: Path) -> None:
    images = page_images(reports[lang].pdf, tmp_path)
    assert len(images) == len(reports[lang].reader.pages)
    for number, path in enumerate(images, start=1):
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("L"))
        white = float(np.mean(pixels >= 250))
        assert white < MAX_WHITE, f"page {number} of the {lang} report is blank ({white:.2%} white)"


def test_blank_page_detector_sees_a_blank_page(tmp_path: Path) -> None:
    # The check above would pass vacuously if every page looked inked; an empty page must be caught.
    images = page_images(html_to_pdf("<p></p>"), tmp_path)
    with Image.open(images[0]) as image:
        assert float(np.mean(np.asarray(image.convert("L")) >= 250)) >= MAX_WHITE
