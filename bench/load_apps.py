"""WSGI entry points for ``python -m bench load``: Manyi without rate limits, and a bare Flask baseline.

gunicorn imports ``bench.load_apps:manyi()`` or ``bench.load_apps:bare()`` in each worker. Both get the same
gunicorn settings (gunicorn.conf.py), so the ratio between them measures Manyi's own work per request.
"""

from __future__ import annotations

import secrets

from flask import Flask, redirect, request


def manyi() -> Flask:
    """The real app on DATABASE_URL, with rate limits off: the bench is one client firing from one address."""
    from survey_app import create_app

    return create_app({"RATELIMIT_ENABLED": False})


#: roughly the size of a survey page: 10 questions of 5 radio buttons each
_BARE_PAGE = (
    "<!doctype html><html><body><form method=post>"
    '<input name="csrf_token" type="hidden" value="{token}">'
    '<input name="submission_key" type="hidden" value="{token}">'
    + "".join(f'<input type=radio name="Q{i}" value="{v}">' for i in range(10) for v in range(1, 6))
    + "</form></body></html>"
)


def bare() -> Flask:
    """A bare Flask app: the same pages and redirects, no templates, no session, no database."""
    app = Flask(__name__)

    @app.route("/s/<slug>", methods=["GET", "POST"])
    def page(slug: str):
        if request.method == "POST":
            following = request.args.get("page", 1, type=int) + 1
            target = f"/s/{slug}/thanks" if following > 3 else f"/s/{slug}?page={following}"
            return redirect(target)
        return _BARE_PAGE.format(token=secrets.token_hex(16))

    return app
