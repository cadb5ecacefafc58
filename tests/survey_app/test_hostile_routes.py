"""Every route with hostile values in every path parameter, query parameter and form field: never a 500.

The routes come from ``app.url_map`` (a new route is walked without being listed); the caller is an administrator
signed in to the console and holding an API token, so the requests reach the code behind the access checks.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Survey
from survey_app.services.api_tokens import create_api_token
from survey_app.services.invitations import create_invitations
from survey_app.services.users import create_user
from tests.survey_app.test_anonymity_attacks import EMPLOYEE, add_answers

PASSWORD = "correct horse battery"
#: what an attacker puts where an id, a slug, a token, a language or a page number is expected
HOSTILE = [
    "9" * 40,                        # far beyond 64 bits
    "-1",
    "0",
    "1e309",                         # a float that overflows
    "NaN",
    "\x00",
    "%00",
    "a\nb",
    "ok-slug\n",
    "\ud800",                        # an unpaired surrogate
    "%ED%A0%80",                     # the same as UTF-8 bytes in a URL
    "%FF%FE",                        # bytes that are not UTF-8
    "../../etc/passwd",
    "ｓｔａｆｆ－２０２６",           # fullwidth lookalikes of a slug
    "staff\u2011survey",             # a non-breaking hyphen
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "x" * 5000,
    "[]",
    "{}",
]
#: an unpaired surrogate reaches the app only inside JSON ("\ud800"): a URL or a form carries bytes, sent above
#: as %ED%A0%80
IN_URLS = [value for value in HOSTILE if value != "\ud800"]
#: what a JSON body carries in their place (the surrogate itself, where a URL carries its bytes)
IN_JSON = [value for value in HOSTILE if value != "%ED%A0%80"]
QUERY_KEYS = ("lang", "page", "unit", "by", "fmt")
FORM_KEYS = ("csrf_token", "submission_key", "nav", "email", "password", "slug", "SAT", "NPS", "COMMENT",
             "BRANCH", "CHANNELS", "current", "new", "repeat", "title_zh", "instruments", "languages")


@pytest.fixture
def target(app, client, make_survey):
    """A survey with answers and a personal link, an admin signed in, an API token."""
    make_survey(slug="walked", definition=EMPLOYEE, anonymous=True)
    make_survey(slug="named", definition=EMPLOYEE)
    add_answers(app, "walked", {"east": [7] * 6})
    with app.app_context():
        user, _ = create_user("admin@example.com", PASSWORD, role="admin")
        _, token = create_api_token(user, "walker")
        create_invitations(db.session.scalar(sa.select(Survey).filter_by(slug="walked")), [None])
        db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = False  # the values must reach the views; CSRF has its own tests
    assert client.post("/admin/login", data={"email": "admin@example.com", "password": PASSWORD}).status_code == 302
    return token


PLAUSIBLE = {"slug": "walked", "fmt": "csv", "action": "close", "token": "x" * 32, "resume_token": "x" * 32,
             "job_id": "1", "user_id": "1", "filename": "manyi.css"}


def _path(rule, hostile: str | None = None, value: str = "") -> str:
    """The rule's path with parameter ``hostile`` set to ``value`` and the others plausible."""
    path = rule.rule
    for name in rule.arguments:
        chosen = value if name == hostile else PLAUSIBLE.get(name, "1")
        path = re.sub(rf"<(?:[^>:]+:)?{name}>", chosen.replace("\\", "\\\\"), path)
    return path


def _requests(rule) -> list[tuple[str, str, str]]:
    """(path, query and form value, JSON value) of each request to the rule: every hostile value in each path
    parameter in turn (the query and form hostile too, taking the values in rotation), then every hostile value in
    the query and form of the plausible path. Each value meets each place; crossing every path value with every
    query value would multiply the requests (fourfold) without reaching a new place."""
    rotation = itertools.cycle(zip(IN_URLS, IN_JSON, strict=True))
    hostile_paths = sorted({_path(rule, name, value) for name in rule.arguments for value in IN_URLS})
    plausible = _path(rule)
    return ([(path, *next(rotation)) for path in hostile_paths]
            + [(plausible, value, raw) for value, raw in zip(IN_URLS, IN_JSON, strict=True)])


def test_no_route_answers_500_to_hostile_path_query_or_form_values(app, client, target):
    headers = {"Authorization": f"Bearer {target}", "Idempotency-Key": "walker-1"}
    tried, statuses = 0, Counter()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("admin.logout", "admin.password"):  # walked last: they end the session
            continue
        for path, value, raw in _requests(rule):
            query = {key: value for key in QUERY_KEYS}
            form = {key: value for key in FORM_KEYS}
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if method == "GET":
                    reply = client.get(path, query_string=query, headers=headers)
                elif path.startswith("/api/"):
                    reply = client.post(path, query_string=query, headers=headers,
                                        json={"answers": {key: raw for key in FORM_KEYS}, "language": raw,
                                              "channel": raw})
                else:
                    reply = client.post(path, query_string=query, data=form, headers=headers)
                if reply.status_code in (301, 302, 303):  # a browser shows the messages on the page it is sent to
                    with client.session_transaction() as session:
                        session.pop("_flashes", None)
                reply.close()  # a static file's reply holds the file open until closed
                tried += 1
                statuses[reply.status_code] += 1
                assert reply.status_code != 500, f"{method} {path!r} {value!r}: 500"
    assert tried > 2000 and statuses[200] > 0 and statuses[404] > 0, (tried, statuses)


def test_sign_out_and_password_routes_take_hostile_values_too(client, target):
    for value in IN_URLS:
        reply = client.post("/admin/password", data={"current": value, "new": value, "repeat": value},
                            query_string={"lang": value})
        assert reply.status_code != 500, repr(value)
    assert client.post("/admin/logout", data={"csrf_token": HOSTILE[5]}).status_code != 500


def test_a_deeply_nested_or_huge_api_body_is_a_400_naming_the_limit(client, target):
    headers = {"Authorization": f"Bearer {target}", "Idempotency-Key": "deep-1", "Content-Type": "application/json"}
    for depth in (17, 100_000):
        body = "[" * depth + "]" * depth
        reply = client.post("/api/v1/surveys/named/responses", data=body, headers=headers)
        assert reply.status_code == 400 and "nested deeper than 16 levels" in reply.get_json()["message"], depth
    huge = '{"answers": {"COMMENT": "' + "x" * (3 * 1024 * 1024) + '"}}'
    reply = client.post("/api/v1/surveys/named/responses", data=huge, headers=headers)
    assert reply.status_code == 413 and reply.is_json


def test_a_nul_in_any_query_or_form_value_is_a_400_in_the_readers_language(client, target):
    """PostgreSQL cannot compare a text with a NUL, so a lookup by such a value (an account's email, a form key)
    failed with a 500 there; every request carrying one is refused before any view runs."""
    reply = client.post("/admin/surveys/named/share", data={"email": "\x00"}, query_string={"lang": "zh"})
    assert reply.status_code == 400 and "请求无法接受" in reply.get_data(as_text=True)
    reply = client.post("/s/named", data={"submission_key": "a\x00b"}, query_string={"lang": "en"})
    assert reply.status_code == 400 and "The request could not be accepted" in reply.get_data(as_text=True)
    reply = client.get("/api/v1/surveys", query_string={"page": "\x00"}, headers={"Authorization": f"Bearer {target}"})
    assert reply.status_code == 400 and "NUL" in reply.get_json()["message"]
