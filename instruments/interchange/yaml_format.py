"""The instrument's own YAML format (instruments/*.yaml), read with the registry's validation and messages."""

from __future__ import annotations

import yaml

from instruments.interchange.base import Exported, Imported, InterchangeError
from instruments.registry import InstrumentError, parse_instrument
from instruments.schema import Instrument


def import_yaml(filename: str, data: bytes) -> Imported:
    """Read an instrument YAML file; errors read ``<file>: <key path>: <problem>`` as the registry words them."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InterchangeError(f"{filename}: not UTF-8 text; save the file as UTF-8") from None
    try:
        return Imported(instrument=parse_instrument(text, source=filename), not_mapped=[])
    except InstrumentError as exc:
        raise InterchangeError(str(exc)) from None


def export_yaml(instrument: Instrument) -> Exported:
    """The instrument as YAML that :func:`import_yaml` reads back to an equal instrument."""
    # python mode keeps anchor points as whole numbers (1:, not '1':), as the shipped files write them
    document = instrument.model_dump(by_alias=True, exclude_defaults=True)
    ordered = {key: document[key] for key in ("id", "version", "title", "description", "languages", "scales",
                                               "constructs", "paths", "welcome", "end", "pages") if key in document}
    text = yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False, width=120)
    return Exported(data=text.encode("utf-8"), suffix=".yaml", media_type="application/yaml", not_mapped=[])
