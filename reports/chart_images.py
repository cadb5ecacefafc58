"""Charts WeasyPrint lays out before they are drawn: their size is known, their drawing is waited for when the page
that shows them is painted.

WeasyPrint reads every image when it builds the document's boxes, before the layout: a report waited there for its
charts (about 1.2 s for a unit report on two cores, one of which then sat idle through the layout). A chart whose
size :func:`reports.charts.chart_size` knows is handed to WeasyPrint as a :class:`ChartImage` in its image cache
instead, so the layout runs while the chart is still being drawn.

This leans on WeasyPrint's image interface (``get_intrinsic_size``, ``draw``) and its ``SVGImage``, as of the
version pinned in requirements.txt; ``tests/reports/test_chart_images.py`` renders through it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree

from weasyprint.images import SVGImage
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

logger = logging.getLogger(__name__)

#: CSS pixels per point (WeasyPrint's intrinsic sizes are in CSS pixels)
PX_PER_PT = 96 / 72
_SIZE = re.compile(r"""<svg\b[^>]*?\swidth=["']([\d.]+)pt["'][^>]*?\sheight=["']([\d.]+)pt["']""")


def stated_size(svg: str) -> tuple[float, float] | None:
    """The width and height (points) an SVG chart states on its root, as matplotlib writes them."""
    found = _SIZE.search(svg)
    return (float(found.group(1)), float(found.group(2))) if found else None


class _Fonts:
    """What WeasyPrint's SVG drawing reads of the layout context it was made in: the document's fonts."""

    def __init__(self, font_config: FontConfiguration) -> None:
        self.font_config = font_config


class ChartImage(SVGImage):
    """A chart of known ``size`` (points) whose SVG ``svg()`` gives, waiting for it if need be, when WeasyPrint
    paints it; ``font_config`` must be the one the document is rendered with."""

    def __init__(self, svg: Callable[[], str], size: tuple[float, float], url: str, url_fetcher: URLFetcher,
                 font_config: FontConfiguration) -> None:
        # SVGImage's own state is made in draw(), from the chart once it is drawn
        self._chart = svg
        self._size = size
        self._url = url
        self._fetcher = url_fetcher
        self._fonts = _Fonts(font_config)
        self._image: SVGImage | None = None

    def get_intrinsic_size(self, image_resolution: float, font_size: float) -> tuple[float, float, float]:
        width, height = (length * PX_PER_PT for length in self._size)
        return width, height, width / height

    def draw(self, stream: Any, concrete_width: float, concrete_height: float, style: Any) -> None:
        if self._image is None:
            svg = self._chart()
            drawn = stated_size(svg)
            if drawn is None or any(abs(a - b) > 0.01 for a, b in zip(drawn, self._size, strict=True)):
                # a chart drawn at another size than its layout's is scaled into it: a bug to mend
                logger.error("chart %s was laid out at %.2f x %.2f pt but drawn at %s", self._url, *self._size,
                             f"{drawn[0]:.2f} x {drawn[1]:.2f} pt" if drawn else "a size it does not state")
            self._image = SVGImage(ElementTree.fromstring(svg.encode("utf-8")), self._url, self._fetcher,
                                   self._fonts)
        self._image.draw(stream, concrete_width, concrete_height, style)
