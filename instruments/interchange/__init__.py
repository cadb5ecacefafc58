"""Questionnaires in and out: the instrument YAML, LimeSurvey structure files (.lss) and SurveyJS JSON.

``import_questionnaire(filename, data)`` reads a file (the format from its suffix, else from its first
character) and ``export_questionnaire(instrument, fmt)`` writes one; both say what does not map.
"""

from __future__ import annotations

from collections.abc import Callable

from instruments.interchange.base import Exported, Imported, InterchangeError, check_size
from instruments.interchange.lss_export import export_lss
from instruments.interchange.lss_import import import_lss
from instruments.interchange.surveyjs_export import export_surveyjs
from instruments.interchange.surveyjs_import import import_surveyjs
from instruments.interchange.yaml_format import export_yaml, import_yaml
from instruments.schema import Instrument

__all__ = ["FORMATS", "Exported", "Imported", "InterchangeError", "export_questionnaire", "format_of",
           "import_questionnaire"]

#: The formats, by the name ``export_questionnaire`` takes.
FORMATS: tuple[str, ...] = ("yaml", "lss", "surveyjs")
#: The format of each file suffix an import accepts.
SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".lss": "lss", ".xml": "lss", ".json": "surveyjs"}

_IMPORTERS: dict[str, Callable[[str, bytes], Imported]] = {
    "yaml": import_yaml, "lss": import_lss, "surveyjs": import_surveyjs}
_EXPORTERS: dict[str, Callable[[Instrument], Exported]] = {
    "yaml": export_yaml, "lss": export_lss, "surveyjs": export_surveyjs}


def format_of(filename: str, data: bytes) -> str:
    """The format of a file: from its suffix, else ``<`` means LimeSurvey XML, ``{`` SurveyJS JSON, else YAML."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    start = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return {b"<": "lss", b"{": "surveyjs"}.get(start, "yaml")


def import_questionnaire(filename: str, data: bytes) -> Imported:
    """Read a questionnaire file into a validated instrument and the list of what did not map."""
    check_size(filename, data)
    return _IMPORTERS[format_of(filename, data)](filename, data)


def export_questionnaire(instrument: Instrument, fmt: str) -> Exported:
    """Write ``instrument`` in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in _EXPORTERS:
        raise InterchangeError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    return _EXPORTERS[fmt](instrument)
