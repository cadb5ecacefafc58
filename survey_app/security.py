"""HTTP security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, g, request

from survey_app.services.embedding import frame_ancestors

#: No inline scripts anywhere; styles from our own files, except the self-contained HTML report (inline CSS).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
CSP_REPORT = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def allow_framing(origins: list[str] | None) -> None:
    """Let the pages of ``origins`` frame this response (a respondent page of a survey that allows them)."""
    if origins:
        g.frame_origins = origins


def init_app(app: Flask) -> None:
    """Add the headers after each request, unless the view set its own.

    A respondent page whose survey allows origins to frame it (``allow_framing``) gets ``frame-ancestors`` naming
    them and no ``X-Frame-Options`` (which knows no list of origins); every other response may not be framed.
    """
    common = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"), ("X-Frame-Options", "DENY")]
    if app.config.get("SESSION_COOKIE_SECURE"):
        common.append(("Strict-Transport-Security", "max-age=31536000"))
    pages = [("Content-Security-Policy", CSP), *common]
    report = [("Content-Security-Policy", CSP_REPORT), *common]

    @app.after_request
    def _security_headers(response: Response) -> Response:
        # one pass over the response's headers: a setdefault per header scanned them once each
        present = {name.lower() for name in response.headers.keys()}
        headers = report if request.endpoint == "admin.report" else pages
        origins = g.get("frame_origins")
        if origins:
            headers = [("Content-Security-Policy", CSP.replace("frame-ancestors 'none'", frame_ancestors(origins))),
                       *(header for header in common if header[0] != "X-Frame-Options")]
        response.headers.extend([(name, value) for name, value in headers if name.lower() not in present])
        return response
