"""Logs without the secrets that travel in URLs, and without who answered a survey when: gunicorn's access log and
the app's exception log.

A personal invitation link (``/s/<slug>/<token>``) or a resume link (``/s/<slug>/resume/<token>``) in a log,
next to the client address and the exact time, would let whoever reads the logs tie an anonymous employee's
answers to the invitation sent to that person. Both logs write such paths as ``/s/<slug>/<link>``. And the access
log's line for any respondent page (``/s/...``) leaves out the client address, the user agent and every request
header, and gives the day without the time: the line of a page submitted at 10:02 from one desk's address would
tell who answered, and when, as surely as the link. The console's emailed password reset and invitation links are
written as ``/admin/reset-password/<link>`` and ``/admin/invitation/<link>``.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, request
from gunicorn.glogging import Logger

#: /s/<slug>/<token> and /s/<slug>/resume/<token>; /s/<slug>/thanks carries no secret and stays as it is
SECRET_LINK = re.compile(r"(/s/[^/?#\s]+/)(resume/)?(?!thanks(?=$|[/?#\s]))[^/?#\s]+")
REDACTED = "<link>"
#: the console's emailed links: /admin/reset-password/<token> and /admin/invitation/<token> (whoever reads the log
#: within the hour could set the account's password)
ACCOUNT_LINK = re.compile(r"(/admin/(?:reset-password|invitation)/)[^/?#\s]+")


def redact(text: str) -> str:
    """``text`` with the token of every survey, resume or account link replaced by ``<link>``."""
    text = SECRET_LINK.sub(lambda match: match.group(1) + (match.group(2) or "") + REDACTED, text)
    return ACCOUNT_LINK.sub(lambda match: match.group(1) + REDACTED, text)


#: the environ fields a respondent page's access-log line may keep (no address, agent, forwarded-for, cookie...)
_RESPONDENT_ENVIRON = {"{raw_uri}e", "{path_info}e", "{query_string}e", "{request_method}e", "{server_protocol}e"}
#: a day in gunicorn's time format: [04/Dec/2026:10:02:13 +0000] -> [04/Dec/2026]
_DAY = re.compile(r"^\[([^:\]]+)[^\]]*\]$")


def is_respondent_page(path: str) -> bool:
    """Whether ``path`` is a respondent page (its log line must not say who answered, nor when)."""
    return path == "/s" or path.startswith("/s/")


class RedactingLogger(Logger):
    """gunicorn's logger whose access-log fields hold no link tokens, and for respondent pages no address, agent,
    request header or time of day."""

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = {key: redact(value) if isinstance(value, str) else value
                 for key, value in super().atoms(resp, req, environ, request_time).items()}
        if is_respondent_page(environ.get("PATH_INFO") or ""):
            for key in list(atoms):
                if key in ("h", "a", "u") or key.endswith("}i") or (key.endswith("}e")
                                                                    and key not in _RESPONDENT_ENVIRON):
                    atoms[key] = "-"
            atoms["t"] = _DAY.sub(r"[\1]", str(atoms.get("t", "")))
        return atoms


def redact_exception_log(app: Flask) -> None:
    """Make ``app`` log unhandled exceptions with the request path redacted (Flask logs the raw path)."""

    def log_exception(exc_info: Any) -> None:
        app.logger.error("Exception on %s [%s]", redact(request.path), request.method, exc_info=exc_info)

    app.log_exception = log_exception  # type: ignore[method-assign]
