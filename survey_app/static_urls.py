"""Links to the static files (styles, scripts, icons) for templates, worked out once per mount point.

``url_for('static', ...)`` runs the URL router for every link on every page: three of them were about 3 % of a
survey page request. A static link depends only on the file and on where the app is mounted (``script_root``
behind a proxy prefix), so each is built once by ``url_for`` and kept.
"""

from __future__ import annotations

from functools import lru_cache

from flask import Flask, request, url_for


def static_url(filename: str) -> str:
    """The URL of static file ``filename``, as ``url_for('static', filename=filename)`` gives it."""
    return _static_url(request.script_root, filename)


@lru_cache(maxsize=256)
def _static_url(script_root: str, filename: str) -> str:
    return url_for("static", filename=filename)


def init_app(app: Flask) -> None:
    """Offer ``static_url`` to every template."""
    app.add_template_global(static_url)
