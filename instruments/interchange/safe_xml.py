"""An XML parser for uploaded files that refuses DOCTYPEs, so no entity can expand (billion laughs) or load."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - fed only through the guarded expat parser below
from xml.parsers import expat

#: LimeSurvey documents are five elements deep; anything far deeper is not one.
MAX_DEPTH = 32


class UnsafeXML(ValueError):
    """XML refused: malformed, with a DOCTYPE or entity declarations, or nested too deeply."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


def parse_xml(data: bytes) -> ET.Element:
    """The root element of ``data``; raises :class:`UnsafeXML` naming the line."""
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()
    depth = 0

    def refuse(*_args: object) -> None:
        raise UnsafeXML("a DOCTYPE or entity declaration is not allowed", parser.CurrentLineNumber)

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise UnsafeXML(f"elements nested more than {MAX_DEPTH} deep", parser.CurrentLineNumber)
        builder.start(tag, attrs)

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(tag)

    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise UnsafeXML(f"malformed XML: {expat.ErrorString(exc.code)}", exc.lineno) from None
    return builder.close()
