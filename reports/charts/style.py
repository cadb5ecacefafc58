"""What every chart shares: the page it must fit, the matplotlib style, the SVG it is saved as."""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from reports.fonts import CJK_FAMILY, cjk_font_path

MM_PER_INCH = 25.4
#: A4 in millimetres (the report's ``@page { size: A4 }``).
A4_MM = (210.0, 297.0)
STYLESHEET = Path(__file__).resolve().parent.parent / "templates" / "report.css"
_PAGE_MARGIN = re.compile(r"@page\s*\{[^}]*?\bmargin\s*:\s*([^;]+);", re.S)


def page_margins(css: str) -> tuple[float, float, float, float]:
    """The top, right, bottom and left margins (mm) of the first ``@page`` rule of a stylesheet."""
    match = _PAGE_MARGIN.search(css)
    words = match.group(1).split() if match else []
    values = [float(word[:-2]) for word in words if re.fullmatch(r"\d+(\.\d+)?mm", word)]
    if not 1 <= len(values) <= 4 or len(values) != len(words):
        raise ValueError(f"{STYLESHEET.name}: the first @page rule needs a margin of 1 to 4 lengths in mm, "
                         "from which the charts take the printable area")
    # CSS shorthand: top [right [bottom [left]]], the missing ones copied from the opposite side.
    top = values[0]
    right = values[1] if len(values) > 1 else top
    bottom = values[2] if len(values) > 2 else top
    left = values[3] if len(values) > 3 else right
    return top, right, bottom, left


#: Margins of the report's pages, read from its stylesheet so that the two cannot disagree.
MARGINS_MM = page_margins(STYLESHEET.read_text(encoding="utf-8"))
#: The printable area of a page, in inches: every chart is drawn at this width (1:1 in the PDF).
PAGE_WIDTH = (A4_MM[0] - MARGINS_MM[1] - MARGINS_MM[3]) / MM_PER_INCH
PAGE_HEIGHT = (A4_MM[1] - MARGINS_MM[0] - MARGINS_MM[2]) / MM_PER_INCH
#: Chart width: the printable width.
WIDTH = PAGE_WIDTH
#: Room kept above a chart for a section heading and a short paragraph (40 mm), so that a chart at the top
#: of a chapter stays on the page of its heading.
HEADROOM = 40 / MM_PER_INCH
#: The tallest a chart may be.
MAX_HEIGHT = PAGE_HEIGHT - HEADROOM

#: Grayscale-distinct marker shapes for scatter points.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p")
#: Stacked series: hatched light grey, white, solid dark grey - distinct in grayscale print.
HATCHES = ("///", "", "")
FILLS = ("#d0d0d0", "#ffffff", "#505050")
#: Line styles that stay apart in grayscale, with :data:`MARKERS`.
LINESTYLES = ("-", "--", ":", "-.")
#: The body text size of the charts (points).
FONT_SIZE = 8.5
_RC = {
    "font.family": [CJK_FAMILY],
    "svg.fonttype": "none",
    "svg.hashsalt": None,
    "font.size": FONT_SIZE,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "hatch.color": "#202020",
    "hatch.linewidth": 0.6,
}
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)
_STRIP = re.compile(r"<metadata>.*?</metadata>|<!--.*?-->", re.S)


@contextmanager
def style() -> Iterator[None]:
    """The charts' matplotlib settings (and a clear error when the report's font is missing)."""
    cjk_font_path()  # a clear error, not matplotlib's "missing glyph" warnings, when the font is absent
    with matplotlib.rc_context(_RC):
        yield


def figure(height: float, *, constrained: bool = True) -> Figure:
    """A chart of the page's width and ``height`` inches (at most :data:`MAX_HEIGHT`).

    ``constrained``: matplotlib's constrained layout shrinks the axes until tick labels, axis labels,
    legends and annotations fit inside the figure, so the saved SVG is exactly this size.
    """
    fig = Figure(figsize=(WIDTH, min(height, MAX_HEIGHT)), layout="constrained" if constrained else None)
    if constrained:
        fig.get_layout_engine().set(w_pad=0.03, h_pad=0.03, wspace=0, hspace=0)
    return fig


def to_svg(fig: Figure) -> str:
    """The figure as an ``<svg>`` element of the figure's own size (no tight bounding box: the layout
    already keeps everything inside, and the tests check it)."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    # Only the <svg> element: the XML prologue and DOCTYPE are not allowed inside HTML, and the metadata
    # (a timestamp) and comments are not needed.
    return _STRIP.sub("", _PROLOGUE.sub("", buffer.getvalue(), count=1))


def chart(build: Callable[..., Figure] | None = None, *,
          height: float | Callable[..., float] | None = None) -> Any:
    """Make a function that builds a chart's :class:`Figure` return its SVG; the builder stays reachable as
    ``.figure`` (called inside :func:`style`) for the layout tests.

    ``height``: the chart's height in inches, a number or a function of the chart's arguments, where it is known
    without drawing the chart; ``.size(*args, **kwargs)`` then gives the chart's size in points (None otherwise),
    and the PDF renderer lays the page out while the chart is still being drawn.
    """
    def decorate(builder: Callable[..., Figure]) -> Callable[..., str]:
        @functools.wraps(builder)
        def draw(*args: Any, **kwargs: Any) -> str:
            with style():
                return to_svg(builder(*args, **kwargs))

        def size(*args: Any, **kwargs: Any) -> tuple[float, float] | None:
            if height is None:
                return None
            inches = height(*args, **kwargs) if callable(height) else height
            return figure_points(WIDTH), figure_points(min(inches, MAX_HEIGHT))

        draw.figure = builder  # type: ignore[attr-defined]
        draw.size = size  # type: ignore[attr-defined]
        return draw

    return decorate(build) if build is not None else decorate


def figure_points(inches: float) -> float:
    """A figure's length in points as its SVG states it (matplotlib writes six decimals)."""
    return round(inches * 72, 6)
