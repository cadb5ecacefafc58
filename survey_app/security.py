"""HTTP security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, request

#: No inline scripts anywhere; styles from our own files, except the self-contained HTML report (inline CSS).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
CSP_REPORT = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def init_app(app: Flask) -> None:
    """Add the headers after each request."""

    @app.after_request
    def _security_headers(response: Response) -> Response:
        report = request.endpoint == "admin.report"
        response.headers.setdefault("Content-Security-Policy", CSP_REPORT if report else CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
