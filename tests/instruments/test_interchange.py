"""Import and export through the public interface: formats, YAML, and every shipped instrument round trip."""

from __future__ import annotations

import pytest
import yaml

from instruments.interchange import (
    FORMATS,
    Exported,
    InterchangeError,
    export_questionnaire,
    format_of,
    import_questionnaire,
)
from instruments.registry import load_instruments, validate_instrument
from instruments.schema import Instrument
from tests.instruments.conftest import SMALL

SHIPPED = sorted(load_instruments())


def _small() -> Instrument:
    return validate_instrument(SMALL, source="small")


@pytest.mark.parametrize("key", SHIPPED)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_shipped_instrument_survives_export_and_import(key, fmt):
    instrument = load_instruments()[key]
    exported = export_questionnaire(instrument, fmt)
    assert isinstance(exported, Exported) and exported.suffix in (".yaml", ".lss", ".json")
    back = import_questionnaire(f"{key}{exported.suffix}", exported.data)
    assert back.instrument == instrument
    assert back.instrument.model_spec() == instrument.model_spec()
    assert back.not_mapped == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_conditions_on_choices_multiple_choice_and_text_values_survive(fmt):
    small = _small()
    back = import_questionnaire("small" + export_questionnaire(small, fmt).suffix,
                                export_questionnaire(small, fmt).data).instrument
    assert back == small
    assert back.item("WEB_OK").show_if.in_ == ["web"]
    assert back.item("NORTH_OK").show_if.in_ == ["north"]
    assert back.item("PROBLEM_TEXT").show_if.in_ == [1]


def test_yaml_export_is_the_instrument_file_format():
    instrument = load_instruments()["customer_satisfaction"]
    exported = export_questionnaire(instrument, "yaml")
    assert exported.media_type == "application/yaml" and exported.not_mapped == []
    document = yaml.safe_load(exported.data)
    assert list(document)[:3] == ["id", "version", "title"]
    assert document["scales"]["agree10"]["anchors"][1] == {"zh": "完全不同意", "en": "Completely disagree"}
    assert import_questionnaire("copy.yaml", exported.data).instrument == instrument


def test_yaml_import_reports_file_key_path_and_problem_like_the_registry():
    text = yaml.safe_dump({**SMALL, "pages": [{**SMALL["pages"][0], "items": [
        {**SMALL["pages"][0]["items"][1], "scale": "likert9"}]}]}, allow_unicode=True)
    with pytest.raises(InterchangeError, match=r"^mine\.yaml: pages\[0\]\.items\[0\]\.scale: unknown scale 'likert9'"):
        import_questionnaire("mine.yaml", text.encode())
    with pytest.raises(InterchangeError, match=r"^mine\.yml: line 2, column \d+: invalid YAML"):
        import_questionnaire("mine.yml", b"id: x\n  bad: [\n")


def test_format_from_suffix_then_from_content():
    assert format_of("a.LSS", b"") == "lss" and format_of("a.json", b"") == "surveyjs"
    assert format_of("a.yml", b"") == "yaml" and format_of("upload", b"\xef\xbb\xbf <?xml") == "lss"
    assert format_of("upload", b'\n {"pages": []}') == "surveyjs" and format_of("upload", b"id: x") == "yaml"


def test_unknown_export_format_names_the_choices():
    with pytest.raises(InterchangeError, match="one of yaml, lss, surveyjs"):
        export_questionnaire(_small(), "qualtrics")
    assert issubclass(InterchangeError, ValueError)
