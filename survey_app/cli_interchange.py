"""``flask --app survey_app instruments export|import``: questionnaires to and from YAML, LimeSurvey and SurveyJS."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from instruments.interchange import FORMATS, InterchangeError, export_questionnaire, import_questionnaire
from instruments.interchange.base import MAX_IMPORT_BYTES
from instruments.registry import get_instrument
from instruments.schema import Instrument
from survey_app.extensions import db
from survey_app.services.instruments import latest_instrument


def _instrument(key: str) -> Instrument:
    """The newest stored version of ``key``, else the shipped file (a database not set up yet has none)."""
    try:
        return latest_instrument(key)
    except (LookupError, sa.exc.OperationalError, sa.exc.ProgrammingError):
        db.session.rollback()
    try:
        return get_instrument(key)
    except KeyError as exc:
        raise click.ClickException(str(exc.args[0])) from None


@click.command("export")
@with_appcontext
@click.argument("key")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="yaml", show_default=True,
              help="yaml (Manyi's instrument file), lss (LimeSurvey structure file) or surveyjs (SurveyJS JSON).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write; default: standard output.")
def export_command(key: str, fmt: str, out: Path | None) -> None:
    """Write instrument KEY as YAML, a LimeSurvey .lss file or SurveyJS JSON; what does not map goes to stderr."""
    exported = export_questionnaire(_instrument(key), fmt)
    if out is None:
        click.echo(exported.data.decode("utf-8"), nl=False)
    else:
        out.write_bytes(exported.data)
        click.echo(f"wrote {out} ({len(exported.data)} bytes)", err=True)
    for line in exported.not_mapped:
        click.echo(f"not mapped: {line}", err=True)


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the imported instrument as YAML to this file.")
def import_command(path: Path, out: Path | None) -> None:
    """Read a questionnaire (.yaml, LimeSurvey .lss, SurveyJS .json) and list what does not map."""
    with path.open("rb") as handle:
        data = handle.read(MAX_IMPORT_BYTES + 1)
    try:
        imported = import_questionnaire(path.name, data)
    except InterchangeError as exc:
        raise click.ClickException(str(exc)) from None
    instrument = imported.instrument
    click.echo(f"ok  {instrument.id} {instrument.version}: {len(instrument.items)} items, "
               f"{len(instrument.pages)} pages, languages {', '.join(instrument.languages)}")
    if imported.not_mapped:
        click.echo(f"not mapped ({len(imported.not_mapped)}):")
        for line in imported.not_mapped:
            click.echo(f"  - {line}")
    else:
        click.echo("everything in the file mapped")
    if out is not None:
        out.write_bytes(export_questionnaire(instrument, "yaml").data)
        click.echo(f"wrote {out}")
