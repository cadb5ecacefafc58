"""``flask --app survey_app api-token EMAIL --name NAME``: a bearer token for the JSON API."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from survey_app.extensions import db
from survey_app.models import ApiToken, User
from survey_app.services.api_tokens import create_api_token, revoke


@click.command("api-token")
@with_appcontext
@click.argument("email")
@click.option("--name", required=True, help="Where the token is used, e.g. 'lobby kiosk'.")
def api_token_command(email: str, name: str) -> None:
    """Create an API token acting as the account EMAIL and print it (it is shown only this once)."""
    user = db.session.scalar(sa.select(User).filter_by(email=email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no account {email!r}; create it first with create-admin")
    try:
        api_token, token = create_api_token(user, name)
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"API token {api_token.name!r} (id {api_token.id}) for {user.email}, shown only now:")
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
    db.session.commit()
    click.echo(f"API token {api_token.name!r} (id {api_token.id}) revoked")
