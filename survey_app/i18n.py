"""Interface languages: Chinese (default) and English, chosen per visit."""

from __future__ import annotations

import tempfile
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, request, session
from flask_babel import get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from survey_app.extensions import babel

SOURCE_DIR = Path(__file__).parent / "translations"


def compile_translations(target: Path) -> None:
    """Compile the shipped .po catalogues into ``target`` when they are newer than the .mo files."""
    for po_path in SOURCE_DIR.glob("*/LC_MESSAGES/*.po"):
        mo_path = target / po_path.relative_to(SOURCE_DIR).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        # a temporary file of this process's own: two workers compiling at once (gunicorn's, the tests') must not
        # write into one file and move it from under each other
        with tempfile.NamedTemporaryFile("wb", dir=mo_path.parent, suffix=".mo.tmp", delete=False) as mo_file:
            write_mo(mo_file, catalog)
        Path(mo_file.name).replace(mo_path)  # atomic, so parallel workers never read half a file


def request_language() -> str:
    """The request's language code: ?lang= (remembered in the session), else the session's, else the browser's
    preference, else zh. The respondent pages read it directly, without Flask-Babel's per-request look-up."""
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
        return asked
    remembered = session.get("lang")
    if remembered in languages:
        return remembered
    return (_preferred(request.headers.get("Accept-Language", ""), tuple(languages))
            or current_app.config["BABEL_DEFAULT_LOCALE"])


def select_locale() -> Locale:
    """Flask-Babel's locale selector: the ``request_language`` as a Locale."""
    return _locale(request_language())


@lru_cache(maxsize=512)
def _preferred(accept_language: str, languages: tuple[str, ...]) -> str | None:
    """The browser's preferred language among ``languages``, parsed once per distinct header: browsers send a few
    dozen different ones, and parsing one took about 30 microseconds of every request."""
    return parse_accept_header(accept_language, LanguageAccept).best_match(languages)


@cache
def _locale(code: str) -> Locale:
    # parsed once: Locale.parse looks the locale's data file up on disk every time, and ran on every request
    return Locale.parse(code)


def init_app(app: Flask) -> None:
    """Compile catalogues into the instance folder and attach Flask-Babel."""
    target = Path(app.instance_path) / "translations"
    compile_translations(target)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(target)
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(template_globals)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  (added by the i18n extension)
        gettext=_template_gettext, ngettext=_template_ngettext, newstyle=True)


def _switch_url(code: str) -> str:
    """The current page in language ``code``."""
    from flask import url_for
    from werkzeug.routing import BuildError

    if not request.endpoint or request.view_args is None:
        return "?lang=" + code
    # the path's own values first: a query parameter of the same name may not change which page this is
    args = {**request.args.to_dict(), **request.view_args, "lang": code}
    try:
        return url_for(request.endpoint, **args)
    except (BuildError, ValueError):  # a query value the page's converters refuse (an error page about it, say)
        return "?lang=" + code


def template_globals() -> dict:
    """Language helpers for every template, and the request's catalogue for ``_()`` in it."""
    from flask_babel import get_locale

    return {"current_locale": str(get_locale()), "switch_url": _switch_url, TRANSLATIONS: get_translations()}


#: the template variable holding the catalogue that ``_()`` and ``ngettext()`` in templates read
TRANSLATIONS = "_catalogue"


def _catalogue(context: Context) -> Translations | NullTranslations:
    # Flask-Babel's own template gettext looked the request's catalogue up again for every string (about 20
    # context look-ups per page); the catalogue is fetched once per render by template_globals instead
    catalogue = context.get(TRANSLATIONS)
    return catalogue if catalogue is not None else get_translations()


@pass_context
def _template_gettext(context: Context, string: str) -> str:
    return _catalogue(context).ugettext(string)


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return _catalogue(context).ungettext(singular, plural, n)
