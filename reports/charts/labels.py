"""Wrapping chart labels to a width in points: Chinese at characters, English at words.

One helper for every chart (path diagram boxes, axis labels, legends, point labels), so that a label never
runs past its room and never breaks inside an English word. Widths are measured with the report's own font
(the one WeasyPrint draws the SVG text with), not counted in characters: a Chinese character is about twice
as wide as a Latin letter.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.font_manager import FontProperties

from reports.fonts import CJK_FAMILY

ELLIPSIS = "…"
#: Lines a label may take unless the caller says otherwise; the rest is cut with an ellipsis.
MAX_LINES = 3
#: matplotlib's default line spacing (a multiple of the font size) for multi-line text.
LINE_SPACING = 1.2
#: Characters that may not start a line (Chinese line-breaking rules, 避头点): they stay with the one before.
NO_LINE_START = set("，。、；：！？）》」』】〉〕…%‰℃,.;:!?)]}")
#: Characters that may not end a line (避尾点): they stay with the one after.
NO_LINE_END = set("（《「『【〈〔([{")
#: The resolution the character widths are measured at (dots per inch of the measuring renderer).
_MEASURE_DPI = 720


def is_wide(char: str) -> bool:
    """A character that lines may break before and after: CJK ideographs, kana, hangul, fullwidth forms."""
    return unicodedata.east_asian_width(char) in ("W", "F")


@cache
def _renderer() -> RendererAgg:
    return RendererAgg(1, 1, _MEASURE_DPI)


@cache
def char_width(char: str) -> float:
    """Advance width of ``char`` at 1 pt in the report's font (in points)."""
    prop = FontProperties(family=[CJK_FAMILY], size=10)
    width, _, _ = _renderer().get_text_width_height_descent(char, prop, ismath=False)
    return width * 72 / _MEASURE_DPI / 10


def text_width(text: str, size: float) -> float:
    """Width of one line of ``text`` at ``size`` points, in points (the sum of the characters' advances)."""
    return size * sum(char_width(char) for char in text)


def _tokens(text: str) -> list[tuple[str, bool]]:
    """The unbreakable pieces of ``text`` and whether a space stands before each.

    A piece is a run of narrow non-space characters (an English word with its punctuation) or a single wide
    character; a mark that may not start (end) a line is glued to the piece before (after) it.
    """
    raw: list[tuple[str, bool]] = []
    word, word_space, space = "", False, False
    for char in text:
        if char.isspace() or is_wide(char):
            if word:
                raw.append((word, word_space))
                word = ""
            if char.isspace():
                space = True
            else:
                raw.append((char, space))
                space = False
        else:
            if not word:
                word_space, space = space, False
            word += char
    if word:
        raw.append((word, word_space))
    pieces: list[tuple[str, bool]] = []
    for piece, space in raw:
        space = space and bool(pieces)
        if pieces and not space and (piece[0] in NO_LINE_START or pieces[-1][0][-1] in NO_LINE_END):
            pieces[-1] = (pieces[-1][0] + piece, pieces[-1][1])
        else:
            pieces.append((piece, space))
    return pieces


def _split_long(piece: str, width: float, size: float) -> list[str]:
    """A piece wider than a line, cut at characters into lines of ``width`` (the only break inside a word)."""
    lines, line = [], ""
    for char in piece:
        if line and text_width(line + char, size) > width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines


def wrap_lines(label: object, width: float, *, size: float, max_lines: int = MAX_LINES) -> list[str]:
    """``label`` in lines of at most ``width`` points at font ``size``, at most ``max_lines`` of them.

    Lines break at spaces between English words and between Chinese characters (never before a closing or
    after an opening punctuation mark); a word wider than the line is the only thing cut inside. A label
    longer than ``max_lines`` lines ends in an ellipsis on the last line.
    """
    if width <= 0 or max_lines < 1:
        raise ValueError(f"a label needs a positive width and at least one line, not {width!r} and {max_lines!r}")
    text = " ".join(str(label).split())
    lines: list[str] = []
    line = ""
    for piece, space in _tokens(text):
        candidate = f"{line} {piece}" if line and space else line + piece
        if not line or text_width(candidate, size) <= width:
            line = candidate
        else:
            lines.append(line)
            line = piece
        if text_width(line, size) > width:  # one word wider than the whole line
            *full, line = _split_long(line, width, size)
            lines.extend(full)
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_width(last.rstrip() + ELLIPSIS, size) > width:
            # Drop whole English words while there are several; Chinese (or one long word) by characters.
            last = last.rsplit(" ", 1)[0] if " " in last.strip() else last[:-1]
        lines = [*lines[:max_lines - 1], last.rstrip() + ELLIPSIS]
    return lines


def wrap(label: object, width: float, *, size: float, max_lines: int = MAX_LINES) -> str:
    """:func:`wrap_lines` joined by newlines and made safe for matplotlib (``$`` would start mathtext)."""
    return plain("\n".join(wrap_lines(label, width, size=size, max_lines=max_lines)))


def plain(text: object) -> str:
    """Text drawn as it is: matplotlib reads a pair of ``$`` as mathtext."""
    return str(text).replace("$", r"\$")


def block_height(lines: int, size: float) -> float:
    """Height in points of ``lines`` lines of text at ``size`` points."""
    return size * (1 + LINE_SPACING * (lines - 1)) if lines else 0.0


def line_count(label: object, width: float, *, size: float) -> int:
    """How many lines ``label`` needs at ``width`` points and font ``size``, with no limit."""
    return len(wrap_lines(label, width, size=size, max_lines=10_000))
