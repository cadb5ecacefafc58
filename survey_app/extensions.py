"""Flask extensions, created unbound and attached in create_app()."""

from flask_babel import Babel, lazy_gettext
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints so that Alembic migrations work on SQLite (batch mode) and PostgreSQL alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
login_manager.login_view = "admin.login"
login_manager.login_message = lazy_gettext("Please sign in to see this page.")


@login_manager.unauthorized_handler
def _sign_in_first():
    """Send the caller to the sign-in page, saying why once: a caller that follows no redirect (a bot, a script)
    would otherwise pile one message per request into its session cookie until browsers drop it."""
    from flask import flash, redirect, request, session
    from flask_login.utils import login_url

    message = str(login_manager.login_message)
    if message not in (text for _, text in session.get("_flashes", [])):
        flash(message, login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, request.url))


@login_manager.user_loader
def _load_user(user_id: str):
    # only for a session the server still holds: signing out, a password change or deactivation ends it for good
    from flask import session

    from survey_app.services.console_sessions import SESSION_TOKEN, session_user

    return session_user(user_id, session.get(SESSION_TOKEN))
