"""Interface languages: Chinese (default) and English, chosen per visit."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, request, session

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
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        tmp.replace(mo_path)  # atomic, so parallel workers never read half a file


def select_locale() -> Locale:
    """?lang= (remembered in the session), else the session, else the browser's preference, else zh."""
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
        return _locale(asked)
    if session.get("lang") in languages:
        return _locale(session["lang"])
    return _locale(request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"])


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


def _switch_url(code: str) -> str:
    """The current page in language ``code``."""
    from flask import url_for

    args = {**request.view_args, **request.args.to_dict(), "lang": code} if request.view_args is not None else {
        "lang": code}
    return url_for(request.endpoint, **args) if request.endpoint else "?lang=" + code


def template_globals() -> dict:
    """Language helpers for every template."""
    from flask_babel import get_locale

    return {"current_locale": str(get_locale()), "switch_url": _switch_url}
