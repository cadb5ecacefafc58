"""The JSON API through the test client: tokens, submissions with idempotency keys, results, OpenAPI file."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from openapi_spec_validator import validate

import survey_app.api.routes as api_routes
import survey_app.services.answers as answers_module
from survey_app.extensions import db
from survey_app.models import ApiToken, Response, Survey, Unit, User
from survey_app.services import submissions
from survey_app.services.accounts import share_survey
from survey_app.services.api_tokens import authenticate, create_api_token, revoke
from survey_app.services.invitations import create_invitations
from survey_app.services.tokens import token_hash
from survey_app.services.users import create_user
from tests.conftest import FLOW_INSTRUMENT

#: every answer of FLOW_INSTRUMENT, PROBLEM_TEXT shown because PROBLEM is 1
FULL = {"SAT": 8, "PROBLEM": 1, "PROBLEM_TEXT": "the queue was slow", "BRANCH": "north",
        "CHANNELS": ["web", "shop"], "VISITS": 12, "NPS": 9, "COMMENT": "谢谢"}
MINIMAL = {"SAT": 7, "PROBLEM": 0, "BRANCH": "south", "NPS": 10}

#: FLOW_INSTRUMENT with a third branch, for suppression across three units
THREE_BRANCHES = copy.deepcopy(FLOW_INSTRUMENT)
THREE_BRANCHES["id"] = "flow_three"
THREE_BRANCHES["scales"]["branch"]["options"].append({"value": "east", "label": {"zh": "东区", "en": "East"}})


@pytest.fixture
def tokens(app):
    """Factory: an account with an API token; returns the token (admins see everything, managers what is shared)."""

    def _make(email: str = "kiosk@example.com", role: str = "admin", shared: tuple[str, ...] = (),
              channel_for: str | None = None, channel: str = "kiosk") -> str:
        with app.app_context():
            user = db.session.scalar(sa.select(User).filter_by(email=email))
            if user is None:
                user, _ = create_user(email, "long enough password", role=role)
            for slug in shared:
                share_survey(db.session.scalar(sa.select(Survey).filter_by(slug=slug)), user)
            survey = db.session.scalar(sa.select(Survey).filter_by(slug=channel_for)) if channel_for else None
            _, token = create_api_token(user, "test kiosk", survey=survey, channel=channel if survey else None)
            db.session.commit()
        return token

    return _make


def post(client, token, slug="flow", body=None, key="key-1", **body_fields):
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    body = {"answers": FULL, **body_fields} if body is None else body
    return client.post(f"/api/v1/surveys/{slug}/responses", json=body, headers=headers)


def get(client, token, path):
    return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})


def stored(app, slug="flow"):
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        rows = db.session.scalars(sa.select(Response).filter_by(survey_id=survey.id).order_by(Response.id)).all()
        units = {unit.id: unit.code for unit in survey.units}
        for row in rows:
            db.session.expunge(row)
            row.unit_code = units.get(row.unit_id)
        return rows


def set_survey(app, slug, **values):
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        for name, value in values.items():
            setattr(survey, name, value)
        db.session.commit()


# -- submissions ---------------------------------------------------------------------------------------------------


def test_submission_stores_one_complete_response(app, client, make_survey, tokens):
    make_survey()
    token = tokens()
    # CSRF protection is on in this app (no WTF_CSRF_ENABLED override): the API blueprint is exempt
    assert app.config.get("WTF_CSRF_ENABLED", True)
    result = post(client, token, language="en", channel="kiosk")
    assert result.status_code == 201, result.json
    assert result.json["status"] == "complete" and result.json["unit"] == "north"
    assert result.json["channel"] == "kiosk" and result.json["replayed"] is False
    [row] = stored(app)
    assert row.id == result.json["id"]
    assert row.answers == FULL
    assert (row.status, row.channel, row.language, row.unit_code) == ("complete", "kiosk", "en", "north")
    assert row.submitted_at is not None and row.invitation_id is None
    assert row.idempotency_key == token_hash("key-1")  # a hash, never the client's key


def test_defaults_are_the_first_language_and_the_api_channel(app, client, make_survey, tokens):
    make_survey(languages=["en", "zh"])
    result = post(client, tokens(), body={"answers": MINIMAL})
    assert result.status_code == 201
    [row] = stored(app)
    assert (row.language, row.channel, row.unit_code) == ("en", "api", "south")
    assert row.answers == MINIMAL


def test_every_answer_problem_is_reported_at_once(app, client, make_survey, tokens):
    make_survey()
    answers = {
        "SAT": 11,                 # rating10 is 1-10
        "PROBLEM": [0, 1],         # single choice given two answers
        "PROBLEM_TEXT": "x",       # hidden (PROBLEM has no valid answer): dropped, no error
        # BRANCH missing: required
        "CHANNELS": {"web": True},  # an object is never an answer
        "VISITS": 400,             # 0-365
        "NPS": "ten",              # not a scale point
        "COMMENT": 5,              # text items take strings
        "FOO": 1, "bar": None,     # not items of this survey
    }
    result = post(client, tokens(), body={"answers": answers})
    assert result.status_code == 422
    assert result.json["errors"] == {
        "SAT": "not_a_choice", "PROBLEM": "one_answer_only", "BRANCH": "required", "CHANNELS": "wrong_type",
        "VISITS": "out_of_range", "NPS": "not_a_choice", "COMMENT": "wrong_type", "FOO": "unknown_item",
        "bar": "unknown_item",
    }
    assert result.json["details"] == {"VISITS": {"min": 0, "max": 365}}
    assert result.json["fields"] == {}
    message = result.json["message"]
    assert message.startswith("9 problems") and "FOO is not an item of this survey" in message
    assert "VISITS must be between 0 and 365" in message
    assert stored(app) == []


def test_missing_required_items_and_wrong_json_types(client, make_survey, tokens):
    make_survey()
    token = tokens()
    missing = post(client, token, body={"answers": {"SAT": 5}})
    assert missing.status_code == 422
    assert missing.json["errors"] == {"PROBLEM": "required", "BRANCH": "required", "NPS": "required"}
    boolean = post(client, token, body={"answers": {**MINIMAL, "PROBLEM": True}})
    assert boolean.status_code == 422 and boolean.json["errors"] == {"PROBLEM": "wrong_type"}
    nested = post(client, token, body={"answers": {**MINIMAL, "CHANNELS": [["web"]]}})
    assert nested.status_code == 422 and nested.json["errors"] == {"CHANNELS": "wrong_type"}
    choice = post(client, token, body={"answers": {**MINIMAL, "CHANNELS": ["web", "fax"]}})
    assert choice.status_code == 422 and choice.json["errors"] == {"CHANNELS": "not_a_choice"}
    number = post(client, token, body={"answers": {**MINIMAL, "VISITS": "many"}})
    assert number.status_code == 422 and number.json["errors"] == {"VISITS": "not_a_number"}
    long_text = post(client, token, body={"answers": {**MINIMAL, "COMMENT": "x" * 5000}})
    assert long_text.status_code == 422 and long_text.json["errors"] == {"COMMENT": "too_long"}


def test_hidden_item_values_are_dropped_and_values_normalised(app, client, make_survey, tokens):
    make_survey()
    body = {"answers": {"SAT": "9", "PROBLEM": 0, "PROBLEM_TEXT": "should not be kept", "BRANCH": "north",
                        "CHANNELS": ["shop", "web", "shop"], "VISITS": 3.0, "NPS": 10, "COMMENT": None}}
    result = post(client, tokens(), body=body)
    assert result.status_code == 201, result.json
    [row] = stored(app)
    # the web form's rules: hidden PROBLEM_TEXT dropped, "9" is the point 9, options in scale order, no empties
    assert row.answers == {"SAT": 9, "PROBLEM": 0, "BRANCH": "north", "CHANNELS": ["web", "shop"], "VISITS": 3,
                           "NPS": 10}


def test_conditions_see_earlier_pages_through_check_items(client, make_survey, tokens, monkeypatch):
    make_survey()
    calls = []
    original = submissions.check_items

    def spy(instrument, items, raw, earlier):
        calls.append(([item.code for item in items], dict(earlier)))
        return original(instrument, items, raw, earlier)

    monkeypatch.setattr(submissions, "check_items", spy)
    assert post(client, tokens(), body={"answers": MINIMAL}).status_code == 201
    # one call per page, in page order, each seeing the answers of the pages before it
    assert [codes for codes, _ in calls] == [["SAT", "PROBLEM", "PROBLEM_TEXT"],
                                             ["BRANCH", "CHANNELS", "VISITS"], ["NPS", "COMMENT"]]
    assert calls[0][1] == {} and calls[2][1] == {"SAT": 7, "PROBLEM": 0, "BRANCH": "south"}


def test_body_field_problems(app, client, make_survey, tokens):
    make_survey()
    token = tokens()
    fields = post(client, token, body={"answers": MINIMAL, "language": "fr", "channel": "web", "respondent": "x"})
    assert fields.status_code == 422
    assert fields.json["fields"] == {"respondent": "unknown_field", "language": "not_offered",
                                     "channel": "not_a_channel"}
    assert fields.json["errors"] == {}
    assert post(client, token, body={"answers": [1, 2]}).json["fields"] == {"answers": "not_an_object"}
    assert post(client, token, body={"language": "zh"}).json["fields"] == {"answers": "required"}
    listed = post(client, token, body=[{"answers": MINIMAL}])
    assert listed.status_code == 422 and listed.json["fields"] == {"body": "not_an_object"}
    assert stored(app) == []


def test_bodies_that_are_not_json(app, client, make_survey, tokens):
    make_survey()
    headers = {"Authorization": f"Bearer {tokens()}", "Idempotency-Key": "k"}
    url = "/api/v1/surveys/flow/responses"
    form = client.post(url, data={"answers": "x"}, headers=headers)
    assert form.status_code == 415 and form.is_json and "application/json" in form.json["message"]
    broken = client.post(url, data="{not json", content_type="application/json", headers=headers)
    assert broken.status_code == 400 and broken.is_json and broken.json["message"] == "the body is not valid JSON"
    huge = client.post(url, data="[" + "1," * 1_200_000 + "1]", content_type="application/json",
                       headers=headers)
    assert huge.status_code == 413 and huge.is_json
    assert stored(app) == []


# -- idempotency ---------------------------------------------------------------------------------------------------


def test_retry_returns_the_first_response_and_a_changed_body_conflicts(app, client, make_survey, tokens):
    make_survey()
    token = tokens()
    first = post(client, token, channel="kiosk")
    assert first.status_code == 201
    # the same submission again, keys in another order: the same response, nothing new stored
    retry = post(client, token, body={"channel": "kiosk", "answers": dict(reversed(FULL.items()))})
    assert retry.status_code == 200
    assert retry.json["id"] == first.json["id"] and retry.json["replayed"] is True
    changed = post(client, token, body={"answers": {**FULL, "NPS": 3}, "channel": "kiosk"})
    assert changed.status_code == 409 and "different submission" in changed.json["message"]
    other_channel = post(client, token, channel="app")
    assert other_channel.status_code == 409
    invalid = post(client, token, body={"answers": {"SAT": 99}})
    assert invalid.status_code == 409
    other_key = post(client, token, key="key-2", channel="kiosk")
    assert other_key.status_code == 201 and other_key.json["id"] != first.json["id"]
    assert [row.id for row in stored(app)] == [first.json["id"], other_key.json["id"]]


def test_a_retry_after_the_survey_closed_still_finds_its_response(app, client, make_survey, tokens):
    make_survey()
    token = tokens()
    first = post(client, token)
    set_survey(app, "flow", status="closed")
    retry = post(client, token)
    assert retry.status_code == 200 and retry.json["id"] == first.json["id"]
    assert post(client, token, key="new").status_code == 410


@pytest.mark.parametrize("key", [None, "", "has space", "x" * 129, "naïve"])
def test_idempotency_key_is_required_and_checked(app, client, make_survey, tokens, key):
    make_survey()
    result = post(client, tokens(), key=key)
    assert result.status_code == 400 and "Idempotency-Key" in result.json["message"]
    assert stored(app) == []


def test_longest_idempotency_key_is_accepted(client, make_survey, tokens):
    make_survey()
    assert post(client, tokens(), key="~" * 128).status_code == 201


def test_concurrent_duplicate_is_resolved_by_the_unique_constraint(app, client, make_survey, tokens, monkeypatch):
    make_survey()
    token = tokens()
    first = post(client, token)
    # a second request that looked for the key before the first one committed: it inserts and hits the
    # unique constraint, which must roll back only its savepoint and hand back the first response
    original = submissions.find_by_idempotency_key
    lookups = []

    def not_yet_committed(survey, key):
        lookups.append(key)
        return None if len(lookups) == 1 else original(survey, key)

    monkeypatch.setattr(submissions, "find_by_idempotency_key", not_yet_committed)
    duplicate = post(client, token)
    assert len(lookups) == 2  # the first look found nothing, the second ran after the IntegrityError
    assert duplicate.status_code == 200 and duplicate.json["id"] == first.json["id"]
    lookups.clear()
    conflicting = post(client, token, body={"answers": MINIMAL})
    assert conflicting.status_code == 409
    assert len(stored(app)) == 1
    # the session survived the rolled-back savepoint: a new key still stores normally
    assert post(client, token, key="after").status_code == 201


# -- survey state and anonymity ------------------------------------------------------------------------------------


def test_closed_and_not_yet_open_surveys(app, client, make_survey, tokens):
    now = datetime.now(UTC)
    make_survey("ended", closes_at=now - timedelta(hours=1))
    make_survey("archived", status="archived")
    make_survey("future", opens_at=now + timedelta(days=1))
    make_survey("drafted", status="draft")
    token = tokens()
    for slug, status in (("ended", 410), ("archived", 410), ("future", 409), ("drafted", 409)):
        result = post(client, token, slug=slug)
        assert result.status_code == status, slug
        assert result.is_json and slug in result.json["message"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 0


def test_anonymous_survey_keeps_no_identifiers(app, client, make_survey, tokens):
    make_survey("staff", anonymous=True)
    key = "employee-4711"  # a careless client's key that names a person
    kiosk = tokens(channel_for="staff")
    result = post(client, kiosk, slug="staff", key=key)
    assert result.status_code == 201 and result.json["channel"] == "kiosk"
    assert result.json["submitted_at"].endswith("T00:00:00+00:00")
    [row] = stored(app, "staff")
    assert row.invitation_id is None
    for moment in (row.started_at, row.updated_at, row.submitted_at):
        assert (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)
    with app.app_context():
        raw = db.session.execute(sa.text("SELECT * FROM response")).mappings().one()
    assert not any(key in str(value) for value in raw.values())
    # the retry still works: the key is looked up by its hash
    assert post(client, kiosk, slug="staff", key=key).json["id"] == row.id


def test_anonymous_surveys_take_api_answers_only_from_a_channel_token_made_for_them(app, client, make_survey,
                                                                                     tokens):
    make_survey("staff", anonymous=True)
    make_survey("other", anonymous=True)
    own = post(client, tokens(), slug="staff")  # an account's own token could pad a small group at will
    assert own.status_code == 403 and "channel token" in own.json["message"]
    kiosk = tokens(channel_for="staff", channel="kiosk")
    assert post(client, kiosk, slug="other", key="k2").status_code == 404  # made for another survey
    assert post(client, kiosk, slug="staff", channel="app").status_code == 422  # its channel is fixed
    stored_ok = post(client, kiosk, slug="staff", key="k3")
    assert stored_ok.status_code == 201 and stored_ok.json["channel"] == "kiosk"
    # a channel token reads nothing: not the results, not the survey list, not the questionnaire
    headers = {"Authorization": f"Bearer {kiosk}"}
    for path in ("/api/v1/surveys", "/api/v1/surveys/staff", "/api/v1/surveys/staff/results"):
        refused = client.get(path, headers=headers)
        assert refused.status_code == 403 and "channel token" in refused.json["message"], path
    # once the survey has personal links it is answered through them only, the kiosk included
    with app.app_context():
        create_invitations(db.session.scalar(sa.select(Survey).filter_by(slug="staff")), [None])
        db.session.commit()
    assert post(client, kiosk, slug="staff", key="k4").status_code == 409
    assert [row.channel for row in stored(app, "staff")] == ["kiosk"]


def test_a_channel_token_marks_an_identified_surveys_answers_with_its_channel(app, client, make_survey, tokens):
    make_survey()
    result = post(client, tokens(channel_for="flow", channel="call_centre"))
    assert result.status_code == 201 and result.json["channel"] == "call_centre"


def test_channel_tokens_are_made_for_a_survey_and_a_known_channel(app, make_survey):
    make_survey("staff", anonymous=True)
    with app.app_context():
        user, _ = create_user("ops@example.com", "long enough password", role="manager")
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="staff"))
        with pytest.raises(ValueError, match="both its survey and its channel"):
            create_api_token(user, "kiosk", survey=survey)
        with pytest.raises(ValueError, match="not one of"):
            create_api_token(user, "kiosk", survey=survey, channel="web")
        with pytest.raises(ValueError, match="may not see"):  # a manager's token for a survey not shared
            create_api_token(user, "kiosk", survey=survey, channel="kiosk")


# -- authentication and access -------------------------------------------------------------------------------------


def test_requests_without_a_valid_token_are_refused(app, client, make_survey, tokens):
    make_survey()
    token = tokens()
    missing = client.get("/api/v1/surveys")
    assert missing.status_code == 401 and missing.is_json
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="manyi"'
    for header in (f"Bearer {token}x", "Bearer", f"Basic {token}", f"Bearer {'a' * 500}"):
        bad = client.get("/api/v1/surveys", headers={"Authorization": header})
        assert bad.status_code == 401, header
        assert bad.headers["WWW-Authenticate"] == 'Bearer realm="manyi", error="invalid_token"'
    # POST without a token: 401 before anything else, and nothing stored
    assert post(client, "nope").status_code == 401
    assert client.get("/api/v1/surveys", headers={"Authorization": f"bearer {token}"}).status_code == 200
    assert stored(app) == []


def test_revoked_tokens_and_deactivated_accounts(app, client, make_survey, tokens):
    make_survey()
    token = tokens()
    assert get(client, token, "/surveys").status_code == 200
    with app.app_context():
        api_token = db.session.scalar(sa.select(ApiToken).filter_by(token_hash=token_hash(token)))
        assert api_token.last_used_at is not None  # recorded on use
        revoke(api_token)
        db.session.commit()
    assert get(client, token, "/surveys").status_code == 401
    second = tokens("second@example.com")
    assert get(client, second, "/surveys").status_code == 200
    with app.app_context():
        db.session.scalar(sa.select(User).filter_by(email="second@example.com")).active = False
        db.session.commit()
    refused = post(client, second)
    assert refused.status_code == 401 and refused.is_json
    assert stored(app) == []


def test_a_survey_not_shared_is_indistinguishable_from_a_missing_one(app, client, make_survey, tokens):
    make_survey("theirs")
    make_survey("shared")
    manager = tokens("manager@example.com", role="manager", shared=("shared",))
    admin = tokens("admin@example.com", role="admin")
    assert [s["slug"] for s in get(client, manager, "/surveys").json["surveys"]] == ["shared"]
    assert {s["slug"] for s in get(client, admin, "/surveys").json["surveys"]} == {"theirs", "shared"}
    for path in ("/surveys/theirs", "/surveys/theirs/results", "/surveys/no-such-survey"):
        hidden = get(client, manager, path)
        assert hidden.status_code == 404 and hidden.is_json, path
    assert post(client, manager, slug="theirs").status_code == 404
    assert (get(client, manager, "/surveys/theirs").json["error"]
            == get(client, manager, "/surveys/no-such-survey").json["error"])
    assert get(client, manager, "/surveys/shared").status_code == 200
    assert get(client, manager, "/surveys/shared/results").status_code == 200
    assert post(client, manager, slug="shared").status_code == 201
    assert stored(app, "theirs") == []


def test_authenticate_service(app, make_survey):
    with app.app_context():
        user, _ = create_user("svc@example.com", "long enough password", role="manager")
        api_token, token = create_api_token(user, "  call centre  ")
        assert api_token.name == "call centre" and len(token) == 32  # 24 random bytes, base64url
        assert api_token.token_hash == token_hash(token) and token not in api_token.token_hash
        assert authenticate(f"Bearer {token}") is user
        first_use = api_token.last_used_at
        assert authenticate(f"  BEARER   {token} ") is user
        assert api_token.last_used_at == first_use  # written at most once a minute
        later = datetime.now(UTC) + timedelta(minutes=5)
        authenticate(f"Bearer {token}", now=later)
        assert api_token.last_used_at == later
        assert authenticate(None) is None and authenticate("") is None and authenticate(token) is None
        with pytest.raises(ValueError, match="1 to 100 characters"):
            create_api_token(user, " ")
        revoke(api_token)
        assert authenticate(f"Bearer {token}") is None
        db.session.rollback()


def test_api_token_command_prints_a_working_token(app, runner, client, make_survey):
    make_survey()
    with app.app_context():
        create_user("ops@example.com", "long enough password", role="admin")
        db.session.commit()
    made = runner.invoke(args=["api-token", "OPS@example.com", "--name", "lobby kiosk"])
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", token)
    assert get(client, token, "/surveys").json["surveys"][0]["slug"] == "flow"
    unknown = runner.invoke(args=["api-token", "nobody@example.com", "--name", "x"])
    assert unknown.exit_code != 0 and "nobody@example.com" in unknown.output
    token_id = re.search(r"\(id (\d+)\)", made.output).group(1)
    revoked = runner.invoke(args=["api-token-revoke", token_id])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert get(client, token, "/surveys").status_code == 401
    assert runner.invoke(args=["api-token-revoke", "999999"]).exit_code != 0


# -- reading surveys and results -----------------------------------------------------------------------------------


def test_survey_metadata_and_instrument(client, make_survey, tokens):
    make_survey(languages=["zh", "en"], anonymous=True)
    detail = get(client, tokens(), "/surveys/flow")
    assert detail.status_code == 200
    body = detail.json
    assert body["slug"] == "flow" and body["anonymous"] is True and body["languages"] == ["zh", "en"]
    assert body["accepting_responses"] is True and body["min_group_size"] == 5
    assert [unit["code"] for unit in body["units"]] == ["north", "south"]
    instrument = body["instrument"]
    assert [page["id"] for page in instrument["pages"]] == ["p1", "p2", "p3"]
    assert [item["code"] for item in instrument["pages"][1]["items"]] == ["BRANCH", "CHANNELS", "VISITS"]
    assert instrument["scales"]["visits"] == {**instrument["scales"]["visits"], "kind": "numeric", "min": 0,
                                              "max": 365}
    assert instrument["scales"]["rating10"]["kind"] == "rating"  # built-in scales resolved in the snapshot


def add_via_api(client, token, slug, units):
    """Submit {unit: count} responses; SAT is 1..10 cycling, VISITS answered by the first two of each unit."""
    sat = []
    for unit, count in units.items():
        for i in range(count):
            answers = {**MINIMAL, "BRANCH": unit, "SAT": (len(sat) % 10) + 1}
            if i < 2:
                answers["VISITS"] = 10
            sat.append(answers["SAT"])
            result = post(client, token, slug=slug, body={"answers": answers}, key=f"{unit}-{i}")
            assert result.status_code == 201, result.json
    return sat


def test_results_suppress_small_units_and_their_complement(app, client, make_survey, tokens):
    make_survey("three", definition=THREE_BRANCHES)
    token = tokens()
    sat = add_via_api(client, token, "three", {"north": 7, "south": 6, "east": 3})
    results = get(client, token, "/surveys/three/results").json
    assert results["n"] == 16 and results["suppressed"] is False and results["min_group_size"] == 5
    units = {unit["code"]: unit for unit in results["units"]}
    # east (3 < 5) is hidden; south, the next smallest, too - else east = 16 - 7 - 6
    assert units["east"] == {"code": "east", "name": "东区", "n": None, "suppressed": True}
    assert units["south"]["n"] is None and units["south"]["suppressed"] is True
    assert units["north"]["n"] == 7 and units["north"]["suppressed"] is False
    shown = sum(unit["n"] for unit in results["units"] if not unit["suppressed"])
    assert results["n"] - shown >= results["min_group_size"]
    items = {item["code"]: item for item in results["items"]}
    assert list(items) == ["SAT", "PROBLEM", "VISITS", "NPS"]  # numeric scales, questionnaire order
    assert items["SAT"]["n"] == 16 and items["SAT"]["mean"] == pytest.approx(sum(sat) / 16)
    assert items["NPS"] == {"code": "NPS", "n": 16, "mean": pytest.approx(10.0), "suppressed": False}
    assert items["PROBLEM"]["mean"] == pytest.approx(0.0)
    # VISITS was answered 6 times (two per unit): shown; with a threshold of 7 it is not
    assert items["VISITS"]["n"] == 6 and items["VISITS"]["mean"] == pytest.approx(10.0)
    set_survey(app, "three", min_group_size=7)
    stricter = get(client, token, "/surveys/three/results").json
    assert {item["code"]: item["suppressed"] for item in stricter["items"]}["VISITS"] is True
    assert {unit["code"]: unit["n"] for unit in stricter["units"]} == {"north": 7, "south": None, "east": None}


def test_results_of_a_small_survey_show_nothing_but_empty_units(app, client, make_survey, tokens):
    make_survey("three", definition=THREE_BRANCHES)
    token = tokens()
    add_via_api(client, token, "three", {"north": 3})
    results = get(client, token, "/surveys/three/results").json
    assert results["n"] is None and results["suppressed"] is True
    units = {unit["code"]: (unit["n"], unit["suppressed"]) for unit in results["units"]}
    assert units == {"north": (None, True), "south": (0, False), "east": (0, False)}
    assert all(item["mean"] is None and item["suppressed"] for item in results["items"])


def test_results_count_responses_without_a_unit(app, client, make_survey, tokens):
    make_survey("three", definition=THREE_BRANCHES)
    token = tokens()
    add_via_api(client, token, "three", {"north": 6, "south": 5})
    with app.app_context():  # a unit removed from the survey after responses named it
        db.session.execute(sa.delete(Unit).where(Unit.code == "south"))
        db.session.commit()
    results = get(client, token, "/surveys/three/results").json
    assert results["n"] == 11
    assert [(unit["code"], unit["n"]) for unit in results["units"]] == [("north", 6), ("east", 0), (None, 5)]


# -- errors and documentation --------------------------------------------------------------------------------------


def test_unrouted_api_urls_answer_json_and_the_site_keeps_its_pages(client, tokens):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.is_json and missing.json["error"] == "Not Found"
    wrong_method = client.delete("/api/v1/surveys", headers={"Authorization": f"Bearer {tokens()}"})
    assert wrong_method.status_code == 405 and wrong_method.is_json
    assert "GET" in wrong_method.headers["Allow"]
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_a_crash_in_an_api_view_is_a_json_500(app, client, make_survey, tokens, monkeypatch):
    make_survey()
    token = tokens()

    def broken(survey):
        raise RuntimeError("database went away")

    monkeypatch.setattr(api_routes, "survey_results", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error handler answers
    crashed = get(client, token, "/surveys/flow/results")
    assert crashed.status_code == 500 and crashed.is_json and crashed.json["error"] == "Internal Server Error"
    assert "database went away" not in crashed.text


OPENAPI_PATH = Path(__file__).parents[2] / "survey_app" / "api" / "openapi.yaml"


def _resolve(document, reference):
    node = document
    for part in reference.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _references(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def test_openapi_documents_every_route(app, client):
    served = client.get("/api/v1/openapi.yaml")
    assert served.status_code == 200 and served.mimetype == "application/yaml"
    document = yaml.safe_load(served.data)
    assert document == yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
    assert document["openapi"].startswith("3.1.")
    validate(document)  # openapi-spec-validator: raises on anything that is not valid OpenAPI 3.1
    prefix = document["servers"][0]["url"]
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(prefix)), method.lower())
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in document["paths"].items()
                  for method in item if method in ("get", "post", "put", "patch", "delete")}
    assert routes == documented
    for path, item in document["paths"].items():
        for name in re.findall(r"{(\w+)}", path):  # every path parameter declared
            declared = [_resolve(document, p["$ref"]) if "$ref" in p else p for p in item.get("parameters", [])]
            assert any(p["name"] == name and p["in"] == "path" and p["required"] for p in declared), path
    for reference in set(_references(document)):
        assert reference.startswith("#/"), reference
        _resolve(document, reference)  # KeyError if it points nowhere


def test_openapi_lists_the_problem_keys_and_channels_the_code_uses(client, make_survey, tokens):
    document = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]
    item_problems = schemas["ValidationError"]["allOf"][1]["properties"]["errors"]["additionalProperties"]["enum"]
    source = Path(answers_module.__file__).read_text(encoding="utf-8")
    assert set(item_problems) == set(re.findall(r'AnswerError\("(\w+)"', source)) | {"unknown_item", "wrong_type"}
    assert schemas["SubmissionRequest"]["properties"]["channel"]["enum"] == list(submissions.API_CHANNELS)
    # the documented example request is accepted by the API as it stands
    make_survey()
    example = document["paths"]["/surveys/{slug}/responses"]["post"]["requestBody"]["content"]["application/json"]
    assert post(client, tokens(), body=example["example"]).status_code == 201
