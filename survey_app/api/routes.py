"""API views: validate, call a service, return JSON; errors are ApiError (see errors.py)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, request
from werkzeug.exceptions import BadRequest

from survey_app.api import bp
from survey_app.api.auth import current_token, current_user, token_required, visible_survey
from survey_app.api.errors import ApiError
from survey_app.api.results import iso_time, survey_detail, survey_results, survey_summary
from survey_app.extensions import db
from survey_app.models import Response, Survey, Unit
from survey_app.services import audit
from survey_app.services.accounts import visible_surveys_query
from survey_app.services.invitations import has_invitations
from survey_app.services.submissions import (
    IDEMPOTENCY_KEY_PATTERN,
    IdempotencyConflict,
    SubmissionInvalid,
    submit_response,
)
from survey_app.services.surveys import SurveyUnavailable

OPENAPI_FILE = Path(__file__).with_name("openapi.yaml")


@bp.get("/surveys")
@token_required
def list_surveys():
    """Surveys the token's account may see."""
    surveys = db.session.scalars(visible_surveys_query(current_user())).all()
    return {"surveys": [survey_summary(survey) for survey in surveys]}


@bp.get("/surveys/<slug>")
@token_required
def get_survey(slug: str):
    """A survey's metadata, units and instrument."""
    return survey_detail(visible_survey(slug))


@bp.post("/surveys/<slug>/responses")
@token_required(channel_tokens=True)
def post_response(slug: str):
    """Store one complete response; a retry with the same Idempotency-Key returns the first one."""
    survey = visible_survey(slug)
    token = current_token()
    if survey.anonymous and token.survey_id != survey.id:
        raise ApiError(403, f"survey {slug!r} is anonymous: it takes answers over the API only from a channel token "
                            "made for it (flask --app survey_app api-token EMAIL --name NAME --survey SLUG "
                            "--channel kiosk), so that no account can add made-up members to a small group")
    if survey.anonymous and has_invitations(db.session.connection(), survey.id):
        raise ApiError(409, f"survey {slug!r} is answered through personal links only")
    key = request.headers.get("Idempotency-Key", "")
    if not IDEMPOTENCY_KEY_PATTERN.match(key):
        raise ApiError(400, "send an Idempotency-Key header of 1 to 128 visible ASCII characters "
                            "(a new random UUID per respondent; the same one when retrying)")
    body = _json_body()
    try:
        response, created = submit_response(survey, body, key, channel=token.channel)
    except IdempotencyConflict:
        raise ApiError(409, "this Idempotency-Key was already used for a different submission") from None
    except SurveyUnavailable as exc:
        if exc.reason == "closed":
            raise ApiError(410, f"survey {slug!r} is closed") from None
        raise ApiError(409, f"survey {slug!r} does not take responses yet") from None
    except SubmissionInvalid as exc:
        raise ApiError(422, str(exc), errors=exc.errors, fields=exc.fields, details=exc.details) from None
    return _submission(survey, response, replayed=not created), 201 if created else 200


#: deepest nesting a body may have: a response is {"answers": {code: [choices]}}, three levels
MAX_JSON_DEPTH = 16


def _json_body():
    if not request.is_json:
        raise ApiError(415, "send the body as JSON with 'Content-Type: application/json'")
    try:
        body = request.get_json()
    except BadRequest:
        raise ApiError(400, "the body is not valid JSON") from None
    except RecursionError:  # the parser gave up long before the end of a hostile body
        body = None
        deep = True
    else:
        deep = _depth(body) > MAX_JSON_DEPTH
    if deep:
        raise ApiError(400, f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels")
    return body


def _depth(value) -> int:
    """How deeply lists and objects nest in ``value`` (without recursion, whatever the depth)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        current, depth = todo.pop()
        if isinstance(current, dict | list):
            deepest = max(deepest, depth)
            if depth <= MAX_JSON_DEPTH:  # deeper than the limit is all we need to know
                todo.extend((item, depth + 1) for item in (current.values() if isinstance(current, dict)
                                                           else current))
    return deepest


def _submission(survey: Survey, response: Response, *, replayed: bool) -> dict:
    unit = db.session.get(Unit, response.unit_id) if response.unit_id is not None else None
    return {
        "id": response.id,
        "survey": survey.slug,
        "status": response.status,
        "channel": response.channel,
        "language": response.language,
        "unit": unit.code if unit is not None else None,
        "submitted_at": iso_time(response.submitted_at),
        "replayed": replayed,
    }


@bp.get("/surveys/<slug>/results")
@token_required
def get_results(slug: str):
    """Complete responses by unit and numeric item means, under the survey's minimum group size (an audited
    download)."""
    survey = visible_survey(slug)
    results = survey_results(survey)
    audit.record("export.downloaded", account=current_user(), survey=survey, target="api:results",
                 detail={"api_token": current_token().id})
    db.session.commit()
    return results



@bp.get("/openapi.yaml")
def openapi():
    """This API's OpenAPI 3.1 description (public: it holds no data)."""
    return current_app.response_class(OPENAPI_FILE.read_bytes(), mimetype="application/yaml")
