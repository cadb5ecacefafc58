"""``flask --app survey_app api-token EMAIL --name NAME``: a bearer token for the JSON API."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from survey_app.extensions import db
from survey_app.models import ApiToken, Survey, User
from survey_app.services import audit
from survey_app.services.api_tokens import create_api_token, revoke
from survey_app.services.submissions import API_CHANNELS


@click.command("api-token")
@with_appcontext
@click.argument("email")
@click.option("--name", required=True, help="Where the token is used, e.g. 'lobby kiosk'.")
@click.option("--survey", "slug", help="Make a channel token: it submits answers to this survey only.")
@click.option("--channel", type=click.Choice(API_CHANNELS), help="The channel a channel token's answers are marked "
              "with (needed with --survey).")
def api_token_command(email: str, name: str, slug: str | None, channel: str | None) -> None:
    """Create an API token acting as the account EMAIL and print it (it is shown only this once).

    Anonymous surveys take API answers only from a channel token (--survey SLUG --channel kiosk).
    """
    user = db.session.scalar(sa.select(User).filter_by(email=email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no account {email!r}; create it first with create-admin")
    survey = None
    if slug is not None:
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        if survey is None:
            raise click.ClickException(f"no survey {slug!r}")
    try:
        api_token, token = create_api_token(user, name, survey=survey, channel=channel)
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    audit.record("token.created", account=None, survey=survey, target=f"token:{api_token.id}",
                 detail={"for_account": user.id, **({"channel": channel} if channel else {})})
    db.session.commit()
    scope = f", channel token for {survey.slug} ({channel})" if survey is not None else ""
    click.echo(f"API token {api_token.name!r} (id {api_token.id}) for {user.email}{scope}, shown only now:")
    click.echo(token)


@click.command("api-token-revoke")
@with_appcontext
@click.argument("token_id", type=int)
def api_token_revoke_command(token_id: int) -> None:
    """Stop accepting the API token with this id (printed when it was created)."""
    api_token = db.session.get(ApiToken, token_id)
    if api_token is None:
        raise click.ClickException(f"no API token with id {token_id}")
    revoke(api_token)
    audit.record("token.revoked", account=None, target=f"token:{api_token.id}",
                 detail={"for_account": api_token.user_id})
    db.session.commit()

    click.echo(f"API token {api_token.name!r} (id {api_token.id}) revoked")
