"""QR codes of survey links, drawn with segno (PNG for screens and messages, SVG for print)."""

from __future__ import annotations

import io

import segno

#: error correction "M" (15 % of the symbol may be damaged): a poster behind glass or slightly torn still scans
ERROR = "m"
#: the quiet zone around the symbol, in modules: 4 is what ISO/IEC 18004 asks for
BORDER = 4
#: pixels per module of the PNG: a 33-module code becomes about 330 px
PNG_SCALE = 8
#: the formats a QR code is downloaded in, with their media type
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


def _code(url: str) -> segno.QRCode:
    return segno.make_qr(url, error=ERROR, boost_error=False)


def qr_png(url: str) -> bytes:
    """``url`` as a QR code in a PNG image."""
    buffer = io.BytesIO()
    _code(url).save(buffer, kind="png", scale=PNG_SCALE, border=BORDER)
    return buffer.getvalue()


def qr_svg(url: str, *, inline: bool = False) -> str:
    """``url`` as a QR code in an SVG document (``inline``: an ``<svg>`` element to put in HTML), sized by its
    container: modules of 1 user unit, no fixed width."""
    code = _code(url)
    if inline:
        return code.svg_inline(scale=1, border=BORDER, omitsize=True)
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=1, border=BORDER, omitsize=True, xmldecl=True)
    return buffer.getvalue().decode("utf-8")


def qr_image(url: str, fmt: str) -> bytes:
    """The QR code of ``url`` in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise ValueError(f"QR code format {fmt!r} is not one of {sorted(FORMATS)}")
    return qr_png(url) if fmt == "png" else qr_svg(url).encode("utf-8")
