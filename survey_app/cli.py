"""Flask CLI commands: ``flask --app survey_app <command>``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade

from instruments.registry import InstrumentError, load_instrument, load_instruments
from survey_app.api.cli import api_token_command, api_token_revoke_command
from survey_app.cli_interchange import export_command, import_command
from survey_app.cli_mail import mail_group
from survey_app.extensions import db
from survey_app.models import Response, Survey, User
from survey_app.report_worker import report_worker_command
from survey_app.services.analysis import analyze_survey, survey_report
from survey_app.services.console_sessions import reset_password
from survey_app.services.instruments import sync_instruments
from survey_app.services.invitations import create_invitations
from survey_app.services.surveys import create_survey, get_survey
from survey_app.services.synthetic import add_synthetic_responses
from survey_app.services.units import import_units
from survey_app.services.users import create_user

#: how the demo tells the operator to set a new admin password (from the repository, where `make run` runs)
SET_PASSWORD_HINT = ".venv/bin/flask --app survey_app set-password"

DEMO_SURVEYS = (
    ("demo-customer", ["customer_satisfaction"], False),
    ("demo-employee", ["employee_satisfaction"], True),
)

#: the demo surveys' unit hierarchies, as a user would upload them: stores in regions, departments in divisions
DEMO_UNITS = {
    "demo-customer": (
        "unit,parent,kind,name_zh,name_en\n"
        "region_ne,,region,东北片区,North-east region\n"
        "region_sw,,region,西南片区,South-west region\n"
        "north,region_ne,store\neast,region_ne,store\n"
        "south,region_sw,store\nwest,region_sw,store\ncentral,region_sw,store\n"
        "online,,branch\n"
    ),
    "demo-employee": (
        "unit,parent,kind,name_zh,name_en\n"
        "front,,division,前台业务,Customer-facing\n"
        "support,,division,支持部门,Support functions\n"
        "sales,front,department\nservice,front,department\n"
        "operations,support,department\nfinance,support,department\nhr_admin,support,department\n"
        "it,support,department\n"
    ),
}


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _out_suffix(*suffixes: str) -> Callable[[click.Context, click.Parameter, Path], Path]:
    """A ``--out`` check: the file name must end in one of ``suffixes`` (any case), since they name the format."""

    def check(ctx: click.Context, param: click.Parameter, path: Path) -> Path:
        if path.suffix.lower() not in suffixes:
            raise click.BadParameter(f"{str(path)!r} must end in {' or '.join(suffixes)}; "
                                     f"{path.suffix or 'no suffix'} is not a format this command writes")
        return path

    return check


def _survey_or_fail(slug: str) -> Survey:
    survey = get_survey(slug)
    if survey is None:
        _fail(f"no survey with slug {slug!r}")
    return survey


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or migrate the database to the newest schema."""
    upgrade()
    click.echo(f"database ready: {db.engine.url.render_as_string(hide_password=True)}")


instruments_group = AppGroup("instruments", help="Validate, load, export and import questionnaire definitions.")
instruments_group.add_command(export_command)
instruments_group.add_command(import_command)


@instruments_group.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate_instruments(paths: tuple[Path, ...]) -> None:
    """Validate instrument files (default: every shipped instrument)."""
    try:
        found = [load_instrument(p) for p in paths] if paths else list(load_instruments().values())
    except InstrumentError as exc:
        _fail(str(exc))
    for instrument in found:
        click.echo(f"ok  {instrument.id} {instrument.version}: {len(instrument.items)} items, "
                   f"{len(instrument.pages)} pages")


@instruments_group.command("load")
def load_instruments_command() -> None:
    """Store every shipped instrument version in the database."""
    try:
        added = sync_instruments()
    except (InstrumentError, ValueError) as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(f"{len(added)} instrument version(s) added" + (": " + ", ".join(
        f"{r.key} {r.version}" for r in added) if added else ""))


def _parse_when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@click.command("create-survey")
@with_appcontext
@click.argument("slug")
@click.option("--instrument", "instrument_keys", multiple=True, required=True,
              help="Instrument id; repeat to combine modules.")
@click.option("--leave-out", "leave_out", multiple=True, help="Item code not to ask; repeat for more.")
@click.option("--anonymous", is_flag=True, help="Keep no link between invitations and answers.")
@click.option("--languages", default=None, help="Comma-separated, first is the default (e.g. zh,en).")
@click.option("--title-zh", default=None)
@click.option("--title-en", default=None)
@click.option("--opens", default=None, help="ISO date-time the survey opens.")
@click.option("--closes", default=None, help="ISO date-time the survey closes.")
def create_survey_command(slug, instrument_keys, leave_out, anonymous, languages, title_zh, title_en, opens,
                          closes) -> None:
    """Create a survey from one or more loaded instruments."""
    title = {"zh": title_zh, "en": title_en} if title_zh and title_en else None
    try:
        survey = create_survey(
            slug=slug, instrument_keys=list(instrument_keys), title=title, anonymous=anonymous,
            languages=languages.split(",") if languages else None,
            opens_at=_parse_when(opens), closes_at=_parse_when(closes), leave_out=list(leave_out),
        )
    except (ValueError, LookupError, InstrumentError) as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(f"survey {survey.slug} created: {current_app.config['PUBLIC_BASE_URL']}/s/{survey.slug}")


@click.command("generate-responses")
@with_appcontext
@click.argument("slug")
@click.argument("n", type=click.IntRange(min=0))
@click.option("--seed", default=0, show_default=True, type=int)
def generate_responses_command(slug: str, n: int, seed: int) -> None:
    """Add N synthetic responses with planted structure to a survey."""
    survey = _survey_or_fail(slug)
    added = add_synthetic_responses(survey, n, seed=seed)
    db.session.commit()
    click.echo(f"{added} synthetic responses added to {slug}")


@click.command("create-admin")
@with_appcontext
@click.argument("email")
@click.option("--password", default=None, help="Default: a random password, printed once.")
@click.option("--role", default="admin", show_default=True)
def create_admin_command(email: str, password: str | None, role: str) -> None:
    """Create an account and print its credentials."""
    try:
        user, password = create_user(email, password, role=role)
    except ValueError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(f"account created: {user.email} / {password} ({user.role})")


@click.command("set-password")
@with_appcontext
@click.argument("email")
@click.option("--stdin", "from_stdin", is_flag=True,
              help="Read the new password from the first line of standard input (scripts) instead of asking twice.")
def set_password_command(email: str, from_stdin: bool) -> None:
    """Set a new password for an account; its console sessions end and a sign-in lock is lifted."""
    user = db.session.scalar(sa.select(User).filter_by(email=email.strip().lower()))
    if user is None:
        _fail(f"no account for {email!r} (create one with create-admin)")
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt="Repeat the new password")
    try:
        ended = reset_password(user, password)
    except ValueError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(f"new password set for {user.email}; {ended} console session(s) ended")


@click.command("invite")
@with_appcontext
@click.argument("slug")
@click.option("--count", default=1, show_default=True, type=click.IntRange(min=1, max=100_000))
@click.option("--unit", default=None, help="Unit code the invitees belong to.")
def invite_command(slug: str, count: int, unit: str | None) -> None:
    """Create personal one-response links and print them."""
    survey = _survey_or_fail(slug)
    try:
        created = create_invitations(survey, [None] * count, unit_code=unit)
    except ValueError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    base = current_app.config["PUBLIC_BASE_URL"]
    for _, token in created:
        click.echo(f"{base}/s/{survey.slug}/{token}")


@click.command("demo")
@with_appcontext
@click.option("--responses", default=300, show_default=True, type=click.IntRange(min=0))
@click.option("--admin-email", default="admin@example.com", show_default=True)
def demo_command(responses: int, admin_email: str) -> None:
    """Migrate, load instruments, create the two demo surveys with responses and an admin (idempotent)."""
    upgrade()
    sync_instruments()
    for seed, (slug, keys, anonymous) in enumerate(DEMO_SURVEYS):
        if get_survey(slug) is None:
            survey = create_survey(slug=slug, instrument_keys=keys, anonymous=anonymous)
            import_units(survey, DEMO_UNITS[slug].encode())
            # with planted contrasts: a weaker and a stronger unit, constructs that perform unlike
            add_synthetic_responses(survey, responses, seed=seed, contrasts=True)
    admin_line = None
    if db.session.scalar(sa.select(User.id).filter_by(email=admin_email)) is None:
        user, password = create_user(admin_email, role="admin")
        admin_line = f"admin account: {user.email} / {password}"
    db.session.commit()
    base = current_app.config["PUBLIC_BASE_URL"]
    for slug, _, _ in DEMO_SURVEYS:
        survey = get_survey(slug)
        count = db.session.scalar(sa.select(sa.func.count(Response.id)).filter_by(survey_id=survey.id))
        click.echo(f"{base}/s/{slug}  ({count} responses)")
    click.echo(admin_line or f"admin account {admin_email} already exists (its password was printed when it was "
                             f"made); to set a new one: {SET_PASSWORD_HINT} {admin_email}")


@click.command("analyze")
@with_appcontext
@click.argument("slug")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              callback=_out_suffix(".json"), help="Where to write RESULT.json.")
@click.option("--by", default=None, help="Item code to compare groups by (e.g. the unit question), or "
              "attribute:NAME for a column of the participants list (identified surveys only).")
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
def analyze_command(slug: str, out_path: Path, by: str | None, quiet: bool) -> None:
    """Analyse a survey's responses with its instrument's model; writes the same JSON as python -m analysis."""
    survey = _survey_or_fail(slug)
    progress = None if quiet else (lambda message: click.echo(message, err=True))
    try:
        result = analyze_survey(survey, by=by, progress=progress)
    except ValueError as exc:  # AnalysisError included: a message the user can act on
        _fail(str(exc))
    out_path.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    click.echo(f"{result['n_used']} of {result['n']} responses analysed; results in {out_path}")


@click.command("report")
@with_appcontext
@click.argument("slug")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--unit", default=None, help="Only this unit and the units below it.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              callback=_out_suffix(".pdf", ".html"), help="Where to write REPORT.pdf or REPORT.html.")
def report_command(slug: str, lang: str, unit: str | None, out_path: Path) -> None:
    """Write a survey's report as PDF or HTML, as --out ends."""
    survey = _survey_or_fail(slug)
    fmt = out_path.suffix.lower().removeprefix(".")
    try:
        body = survey_report(survey, lang=lang, unit=unit, fmt=fmt)
    except ValueError as exc:
        _fail(str(exc))
    if isinstance(body, str):
        out_path.write_text(body, encoding="utf-8")
    else:
        out_path.write_bytes(body)
    click.echo(f"report written to {out_path}")


def init_app(app: Flask) -> None:
    """Register the commands."""
    for command in (init_db_command, instruments_group, create_survey_command, generate_responses_command,
                    create_admin_command, set_password_command, invite_command, demo_command, analyze_command,
                    report_command, api_token_command, api_token_revoke_command, mail_group, report_worker_command):
        app.cli.add_command(command)
