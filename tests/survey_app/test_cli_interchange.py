"""``flask instruments export`` and ``instruments import``, run as a user would run them."""

from __future__ import annotations

from pathlib import Path

from instruments.registry import load_instrument, load_instruments

FIXTURES = Path(__file__).resolve().parents[1] / "instruments" / "fixtures"


def test_export_then_import_a_shipped_instrument_through_the_cli(runner, tmp_path):
    assert runner.invoke(args=["instruments", "load"]).exit_code == 0
    lss = tmp_path / "kano.lss"
    exported = runner.invoke(args=["instruments", "export", "kano", "--format", "lss", "--out", str(lss)])
    assert exported.exit_code == 0, exported.output
    assert f"wrote {lss}" in exported.output
    assert "not mapped: KF_RELIAB: its LimeSurvey code is KFRELIAB" in exported.output
    assert lss.read_bytes().startswith(b"<?xml") and b"<DBVersion>495</DBVersion>" in lss.read_bytes()
    back = tmp_path / "kano.yaml"
    imported = runner.invoke(args=["instruments", "import", str(lss), "--out", str(back)])
    assert imported.exit_code == 0, imported.output
    assert "ok  kano 1: 12 items, 2 pages, languages zh, en" in imported.output
    assert "everything in the file mapped" in imported.output
    assert load_instrument(back) == load_instruments()["kano"]


def test_export_to_standard_output_in_each_format(runner):
    surveyjs = runner.invoke(args=["instruments", "export", "servqual", "--format", "surveyjs"])
    assert surveyjs.exit_code == 0 and '"zh-cn":' in surveyjs.output
    as_yaml = runner.invoke(args=["instruments", "export", "servqual"])
    assert as_yaml.exit_code == 0 and as_yaml.output.startswith("id: servqual\n")
    unknown = runner.invoke(args=["instruments", "export", "nope", "--format", "lss"])
    assert unknown.exit_code != 0 and "no instrument 'nope'" in unknown.output
    wrong = runner.invoke(args=["instruments", "export", "kano", "--format", "qualtrics"])
    assert wrong.exit_code != 0 and "'qualtrics' is not one of 'yaml', 'lss', 'surveyjs'" in wrong.output


def test_import_lists_what_does_not_map_and_refuses_broken_files(runner, tmp_path):
    result = runner.invoke(args=["instruments", "import", str(FIXTURES / "branch_limesurvey5.lss")])
    assert result.exit_code == 0, result.output
    assert "ok  branch_limesurvey5 1: 13 items, 2 pages, languages zh, en" in result.output
    assert "  - RANK: question type 'R' is not mapped" in result.output
    assert "  - quotas are not mapped" in result.output
    broken = tmp_path / "broken.lss"
    broken.write_bytes(b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY a "a">]>\n<document/>')
    refused = runner.invoke(args=["instruments", "import", str(broken)])
    assert refused.exit_code != 0
    assert "broken.lss: line 2: a DOCTYPE or entity declaration is not allowed" in refused.output
