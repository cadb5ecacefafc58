"""Render the report: RESULT -> context (:mod:`reports.context`) -> HTML (Jinja) -> PDF (WeasyPrint).

The HTML is self-contained (styles inline, charts as inline SVG), so the same page serves as the in-browser
report. For the PDF the charts become ``<img>`` elements instead: WeasyPrint then does not run the CSS cascade
over every SVG node, which halves the rendering time.

WeasyPrint fetches nothing from the file system or the network: :class:`AssetFetcher` serves only the
package's own assets and the charts of the report being rendered, under the ``manyi-asset:`` scheme, and
refuses every other URL, so a label such as ``<img src="file:///etc/passwd">`` (already escaped by Jinja)
could not read a file even if it got through. A chart that cannot be drawn when WeasyPrint asks for it stops the
rendering with a :class:`~reports.errors.ReportError` naming the chart (WeasyPrint itself would only log "Failed
to load image" and leave the chart out of the PDF).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from reports.chart_images import ChartImage
from reports.charts import ChartPool, chart_size
from reports.context import PendingChart, build_context, build_deferred
from reports.errors import ReportError
from reports.fonts import CSS_FONT_STACK, cjk_font_path

TEMPLATES = Path(__file__).parent / "templates"
#: The only URL scheme the PDF renderer serves; everything else (file:, http:, data:, ...) is refused.
ASSET_SCHEME = "manyi-asset:"
#: Assets that may be served, by name, with their media type.
ASSETS = {"report.css": "text/css"}

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    # Every value is escaped unless the template says |safe (only our own SVG charts), so respondent and
    # questionnaire text cannot inject markup.
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class ChartFailed(FatalURLFetchingError):
    """A chart could not be served: WeasyPrint stops on this exception (it catches every ``Exception`` a URL
    fetcher raises and leaves the image out); :func:`html_to_pdf` turns it into a :class:`ReportError`."""


class AssetFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves the packaged report assets and refuses everything else.

    ``charts`` are the SVG charts of the report being rendered, served as ``manyi-asset:chart-N.svg``; they
    are read when WeasyPrint asks for them (a :class:`reports.charts.ChartPool` may still be drawing them).
    ``names`` name them (the :mod:`reports.charts` function of each) in the error of a chart that fails.
    """

    def __init__(self, charts: Sequence[str] = (), names: Sequence[str] = ()) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False)
        self.charts = charts
        self.names = names

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        """The asset behind ``manyi-asset:NAME``; :class:`PermissionError` for any other URL."""
        name = url.removeprefix(ASSET_SCHEME) if url.startswith(ASSET_SCHEME) else None
        chart = re.fullmatch(r"chart-(\d{1,6})\.svg", name or "")
        if chart and int(chart.group(1)) < len(self.charts):
            svg = self.chart(int(chart.group(1))).encode("utf-8")
            return URLFetcherResponse(url, svg, {"Content-Type": "image/svg+xml"})
        if name not in ASSETS:
            raise PermissionError(f"Refused to fetch {url!r}: the report serves only its own assets.")
        body = (TEMPLATES / name).read_bytes()
        return URLFetcherResponse(url, body, {"Content-Type": ASSETS[name]})

    def chart(self, index: int) -> str:
        """The SVG of chart ``index``; :class:`ChartFailed`, which stops WeasyPrint, when it cannot be drawn."""
        try:
            return self.charts[index]
        except Exception as error:
            name = f"chart {index}" + (f" ({self.names[index]})" if index < len(self.names) else "")
            raise ChartFailed(f"The report's {name} could not be drawn, so no PDF was made: "
                              f"{type(error).__name__}: {error}") from error


class _Figures:
    """Places a chart: inline SVG for the browser, or an ``<img>`` of a served chart for the PDF."""

    def __init__(self, inline: bool) -> None:
        self.inline = inline
        self.charts: list[str] = []

    def __call__(self, svg: str | PendingChart) -> Markup:
        if isinstance(svg, PendingChart):  # drawn while WeasyPrint works (render_pdf)
            return Markup('<img src="{}" alt="">').format(chart_url(svg.index))
        if self.inline:
            return Markup(svg)  # drawn by reports.charts; matplotlib escapes every text it writes
        self.charts.append(svg)
        return Markup('<img src="{}" alt="">').format(chart_url(len(self.charts) - 1))


def chart_url(index: int) -> str:
    """Where the PDF's page finds chart ``index`` (:class:`AssetFetcher` serves it)."""
    return f"{ASSET_SCHEME}chart-{index}.svg"


def stylesheet() -> str:
    """The print stylesheet with the report's font stack filled in."""
    return (TEMPLATES / "report.css").read_text(encoding="utf-8").replace("$FONT_STACK", CSS_FONT_STACK)


def render_html(result: Mapping[str, Any], *, lang: str = "en", title: str | None = None,
                meta: Mapping[str, Any] | None = None, charts: bool = True,
                redact: Callable[[str], str] | None = None) -> str:
    """The report as one self-contained HTML page, charts inline (the in-browser report); ``charts=False``
    leaves the charts out (a quick preview of the text)."""
    return _render(build_context(result, lang=lang, title=title, meta=meta, charts=charts, redact=redact),
                   _Figures(inline=True))


def _render(context: dict[str, Any], figures: _Figures) -> str:
    return _env.get_template("report.html").render(ctx=context, css=stylesheet(), figure=figures)


def preload() -> None:
    """Compile the report's templates and lay out one small page, so that a process forked from this one (a
    report worker's job) starts with them and with WeasyPrint's fonts and libraries loaded (about 0.5 s)."""
    _env.get_template("report.html")
    html_to_pdf("<html><body><p>Manyi 满意</p></body></html>")


def render_pdf(result: Mapping[str, Any], *, lang: str = "en", title: str | None = None,
               meta: Mapping[str, Any] | None = None, redact: Callable[[str], str] | None = None) -> bytes:
    """The report as PDF bytes (A4, table of contents, page numbers, running headers)."""
    cjk_font_path()  # fail with an install hint, not with boxes in place of every Chinese character
    context, pending = build_deferred(result, lang=lang, title=title, meta=meta, redact=redact)
    # The charts are drawn in other processes while WeasyPrint parses the page and its stylesheet.
    # Charts of a known size are laid out before they are drawn (reports.chart_images); the others are drawn
    # first, since WeasyPrint waits for them before its layout.
    sizes = [chart_size(chart.request) for chart in pending]
    with ChartPool([chart.request for chart in pending],
                   first=[index for index, size in enumerate(sizes) if size is None]) as charts:
        html = _render(context, _Figures(inline=False))
        return html_to_pdf(html, charts=charts, names=[chart.request[0] for chart in pending], sizes=sizes)


def html_to_pdf(html: str, *, charts: Sequence[str] = (), names: Sequence[str] = (),
                sizes: Sequence[tuple[float, float] | None] = ()) -> bytes:
    """Lay out report HTML with WeasyPrint, fetching nothing but our own assets and ``charts`` (named by
    ``names`` in the :class:`ReportError` of a chart that cannot be drawn). A chart whose size in points
    ``sizes`` gives is waited for only when its page is painted."""
    fetcher = AssetFetcher(charts, names)
    fonts = FontConfiguration()
    cache = {chart_url(index): ChartImage(functools.partial(fetcher.chart, index), size, chart_url(index), fetcher,
                                          fonts)
             for index, size in enumerate(sizes) if size is not None}
    try:
        return HTML(string=html, base_url=ASSET_SCHEME, url_fetcher=fetcher).write_pdf(font_config=fonts,
                                                                                       cache=cache)
    except ChartFailed as failure:
        raise ReportError(str(failure)) from failure.__cause__


def write_pdf(result: Mapping[str, Any], path: str | os.PathLike[str], *, lang: str = "en",
              title: str | None = None, meta: Mapping[str, Any] | None = None) -> None:
    """Write the PDF report to ``path`` (``python -m analysis ... --pdf`` calls this)."""
    Path(path).write_bytes(render_pdf(result, lang=lang, title=title, meta=meta))
