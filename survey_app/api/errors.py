"""JSON errors for everything under /api/v1: an API client never gets an HTML page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, jsonify, request
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, default_exceptions
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app.extensions import db


class ApiError(Exception):
    """Raised by API views; rendered as ``{"error", "message", ...extra}`` with ``status``."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.extra = extra


def error_response(status: int, message: str | None = None, *, headers: dict[str, str] | None = None,
                   **extra: Any) -> WerkzeugResponse:
    """A JSON error body: the status phrase, a sentence for people, and any machine-readable details."""
    payload: dict[str, Any] = {"error": HTTP_STATUS_CODES.get(status, "Unknown error")}
    if message:
        payload["message"] = message
    payload.update(extra)
    response = jsonify(payload)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _http_error(error: HTTPException) -> WerkzeugResponse:
    db.session.rollback()
    headers = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    if error.code == 429:
        from survey_app.ratelimit import current_retry_after

        seconds = current_retry_after()
        return error_response(429, f"too many requests from this address (at most {error.description}); "
                                   f"try again in {seconds} seconds", headers={"Retry-After": str(seconds)},
                              retry_after=seconds)
    return error_response(error.code or 500, error.description, headers=headers)


def register(bp: Blueprint) -> None:
    """Attach the JSON handlers to the API blueprint, and JSON 404/405 for unrouted URLs under its prefix."""

    @bp.errorhandler(ApiError)
    def api_error(error: ApiError):
        db.session.rollback()
        return error_response(error.status, error.message, headers=error.headers, **error.extra)

    # Every HTTP error raised inside an API view (413 while reading the body, 500 wrapping a crash, ...).
    # Registered per status code: Flask prefers the app's handler for a code over a blueprint's class handler.
    for code in default_exceptions:
        bp.register_error_handler(code, _http_error)

    @bp.record_once
    def _json_routing_errors(state: BlueprintSetupState) -> None:
        # A URL that matches no route (or not with this method) is rejected before any blueprint is chosen,
        # so Flask asks only the app-level handlers. Wrap them: JSON under our prefix, the app's page elsewhere.
        app: Flask = state.app
        prefix = (state.url_prefix or bp.url_prefix or "").rstrip("/")
        for exc_class in (NotFound, MethodNotAllowed):
            code = exc_class.code
            previous = app.error_handler_spec[None].get(code, {}).get(exc_class)

            def handler(error: HTTPException, previous=previous):
                if request.path == prefix or request.path.startswith(prefix + "/"):
                    return _http_error(error)
                return previous(error) if previous is not None else error

            app.register_error_handler(code, handler)
