"""Questionnaires in and out of the editor as files: import and export, with what does not map.

Only the YAML format is implemented here (the instrument files themselves); other formats are listed in
:data:`FORMATS` as they are added.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from instruments.registry import parse_instrument
from instruments.schema import Instrument

#: the formats a questionnaire can be imported from and exported to
FORMATS: tuple[str, ...] = ("yaml",)


@dataclass(frozen=True)
class Imported:
    """A questionnaire read from a file, and what in the file had no place in it."""

    instrument: Instrument
    not_mapped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Exported:
    """A questionnaire written as a file, and what of it the format cannot hold."""

    data: bytes
    suffix: str
    media_type: str
    not_mapped: list[str] = field(default_factory=list)


def import_questionnaire(filename: str, data: bytes) -> Imported:
    """The questionnaire in ``data`` (the format told by the file's suffix); InstrumentError naming the problem."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in ("yaml", "yml"):
        raise ValueError(f"{filename}: unknown format; the formats known are: {', '.join(FORMATS)}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{filename}: not UTF-8 text; save the file as UTF-8") from None
    return Imported(parse_instrument(text, source=filename))


def export_questionnaire(instrument: Instrument, fmt: str) -> Exported:
    """``instrument`` as a file in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    data = instrument.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
    return Exported(text.encode("utf-8"), "yaml", "application/yaml")
