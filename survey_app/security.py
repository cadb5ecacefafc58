"""HTTP security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, request

#: No inline scripts anywhere; styles from our own files, except the self-contained HTML report (inline CSS).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
CSP_REPORT = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def init_app(app: Flask) -> None:
    """Add the headers after each request, unless the view set its own."""
    common = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"), ("X-Frame-Options", "DENY")]
    if app.config.get("SESSION_COOKIE_SECURE"):
        common.append(("Strict-Transport-Security", "max-age=31536000"))
    pages = [("Content-Security-Policy", CSP), *common]
    report = [("Content-Security-Policy", CSP_REPORT), *common]

    @app.after_request
    def _security_headers(response: Response) -> Response:
        # one pass over the response's headers: a setdefault per header scanned them once each
        present = {name.lower() for name in response.headers.keys()}
        response.headers.extend([(name, value) for name, value in
                                 (report if request.endpoint == "admin.report" else pages)
                                 if name.lower() not in present])
        return response
