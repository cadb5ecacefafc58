"""Logs without the secrets that travel in URLs: gunicorn's access log and the app's exception log.

A personal invitation link (``/s/<slug>/<token>``) or a resume link (``/s/<slug>/resume/<token>``) in a log,
next to the client address and the exact time, would let whoever reads the logs tie an anonymous employee's
answers to the invitation sent to that person. Both logs write such paths as ``/s/<slug>/<link>``.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, request
from gunicorn.glogging import Logger

#: /s/<slug>/<token> and /s/<slug>/resume/<token>; /s/<slug>/thanks carries no secret and stays as it is
SECRET_LINK = re.compile(r"(/s/[^/?#\s]+/)(resume/)?(?!thanks(?=$|[/?#\s]))[^/?#\s]+")
REDACTED = "<link>"


def redact(text: str) -> str:
    """``text`` with the token of every survey or resume link replaced by ``<link>``."""
    return SECRET_LINK.sub(lambda match: match.group(1) + (match.group(2) or "") + REDACTED, text)


class RedactingLogger(Logger):
    """gunicorn's logger whose access-log fields (request line, path, referer, headers) hold no link tokens."""

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        return {key: redact(value) if isinstance(value, str) else value
                for key, value in super().atoms(resp, req, environ, request_time).items()}


def redact_exception_log(app: Flask) -> None:
    """Make ``app`` log unhandled exceptions with the request path redacted (Flask logs the raw path)."""

    def log_exception(exc_info: Any) -> None:
        app.logger.error("Exception on %s [%s]", redact(request.path), request.method, exc_info=exc_info)

    app.log_exception = log_exception  # type: ignore[method-assign]
