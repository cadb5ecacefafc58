"""Rate limits: sign-in per address and per account, survey pages, wrong links and wrong API tokens."""

from __future__ import annotations

import urllib.parse
from collections import Counter
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_limiter import Limiter
from flask_migrate import upgrade
from limits.storage import RedisStorage

from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import User
from survey_app.ratelimit_storage import SQLiteFileStorage
from survey_app.services.surveys import create_survey
from survey_app.services.users import create_user


@pytest.fixture
def limited_app(tmp_path, monkeypatch) -> Iterator[Flask]:
    """An app with the production limits on (the shared fixture turns them off); SQLite is enough here."""
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rl.db'}",
                      "RATELIMIT_ENABLED": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        create_user("admin@example.com", "correct horse battery", role="admin")
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def survey_slug(limited_app, make_survey_in) -> str:
    return make_survey_in(limited_app)


@pytest.fixture
def make_survey_in(tmp_path):
    import yaml

    from instruments.registry import load_instrument
    from survey_app.models import InstrumentRecord
    from tests.conftest import FLOW_INSTRUMENT

    def _make(app: Flask, slug: str = "flow") -> str:
        path = tmp_path / "flow.yaml"
        path.write_text(yaml.safe_dump(FLOW_INSTRUMENT, allow_unicode=True), encoding="utf-8")
        instrument = load_instrument(path)
        with app.app_context():
            db.session.add(InstrumentRecord(key=instrument.id, version=instrument.version,
                                            definition=instrument.snapshot()))
            create_survey(slug=slug, instrument_keys=[instrument.id])
            db.session.commit()
        return slug

    return _make


def from_ip(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_survey_pages_allow_an_office_behind_one_address_then_answer_429_in_both_languages(limited_app, survey_slug):
    client = limited_app.test_client()
    replies = [client.get(f"/s/{survey_slug}", **from_ip("10.0.0.1")).status_code for _ in range(120)]
    assert replies == [200] * 120  # 120 page views a minute from one NAT address are fine
    refused = client.get(f"/s/{survey_slug}", **from_ip("10.0.0.1"))
    assert refused.status_code == 429
    assert "请求过于频繁" in refused.text and "Too many requests" in refused.text
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Traceback" not in refused.text
    # another address is not affected
    assert client.get(f"/s/{survey_slug}", **from_ip("10.0.0.2")).status_code == 200


def test_sign_in_is_limited_per_address(limited_app):
    client = limited_app.test_client()
    codes = [client.post("/admin/login", data={"email": f"user{i}@example.com", "password": "wrong password"},
                         **from_ip("10.0.1.1")).status_code for i in range(20)]
    assert codes == [200] * 20  # the form again, with the same message for every failure
    assert client.post("/admin/login", data={"email": "x@example.com", "password": "p"},
                       **from_ip("10.0.1.1")).status_code == 429
    # reading the sign-in page is not counted
    assert client.get("/admin/login", **from_ip("10.0.1.1")).status_code == 200


def test_sign_in_is_limited_per_account_from_many_addresses(limited_app):
    client = limited_app.test_client()
    for i in range(10):
        reply = client.post("/admin/login", data={"email": "admin@example.com", "password": "wrong password"},
                            **from_ip(f"10.0.2.{i}"))
        assert reply.status_code == 200
    # a botnet spreading guesses over addresses still hits the per-account limit (case and spaces do not help)
    blocked = client.post("/admin/login", data={"email": " ADMIN@example.com", "password": "correct horse battery"},
                          **from_ip("10.0.2.200"))
    assert blocked.status_code == 429
    # other accounts can still sign in from a fresh address
    other = client.post("/admin/login", data={"email": "someone@example.com", "password": "x"},
                        **from_ip("10.0.2.201"))
    assert other.status_code == 200


def test_forgotten_password_requests_are_limited_per_address_and_per_client(limited_app, tmp_path):
    from tests.survey_app.test_account_links import mails, wait_for_mail

    limited_app.config.update(SMTP_URL=None, MAIL_OUTBOX=str(tmp_path / "outbox"))

    def ask(address: str, client_address: str) -> int:
        # a new visitor each time (a bot keeps no cookie, so no flash message piles up in it)
        return limited_app.test_client().post("/admin/forgot-password", data={"email": address},
                                              **from_ip(client_address)).status_code

    # three an hour per address, from any client, for an address with an account and one without alike
    for address in ("admin@example.com", "nobody@example.com"):
        assert [ask(address, f"10.0.5.{i}") for i in range(3)] == [302] * 3
        assert ask(f" {address.upper()}", "10.0.5.99") == 429
    wait_for_mail()
    assert mails(limited_app) == 3  # one inbox gets at most three messages an hour
    # five a minute per client, whatever the addresses; another client is not affected
    assert [ask(f"user{i}@example.com", "10.0.6.1") for i in range(5)] == [302] * 5
    assert ask("user9@example.com", "10.0.6.1") == 429
    assert ask("user9@example.com", "10.0.6.2") == 302
    client = limited_app.test_client()
    assert client.get("/admin/forgot-password", **from_ip("10.0.6.1")).status_code == 200  # the form is not counted
    # guessing the emailed links: 20 wrong ones a minute
    for kind in ("reset-password", "invitation"):
        for i in range(20):
            assert client.get(f"/admin/{kind}/guess{i:032d}", **from_ip("10.0.7.1")).status_code == 404
        assert client.get(f"/admin/{kind}/guess-next", **from_ip("10.0.7.1")).status_code == 429


def test_wrong_invitation_links_are_limited_but_good_pages_are_not_counted(limited_app, survey_slug):
    client = limited_app.test_client()
    for _ in range(25):  # ordinary page views do not use up the wrong-link allowance
        assert client.get(f"/s/{survey_slug}", **from_ip("10.0.3.1")).status_code == 200
    for i in range(20):
        assert client.get(f"/s/{survey_slug}/guess{i:040d}", **from_ip("10.0.3.1")).status_code == 404
    assert client.get(f"/s/{survey_slug}/guess-next", **from_ip("10.0.3.1")).status_code == 429
    assert client.get(f"/s/{survey_slug}/resume/nope", **from_ip("10.0.3.9")).status_code == 404


def test_api_answers_429_as_json_after_too_many_wrong_tokens(limited_app, survey_slug):
    client = limited_app.test_client()
    headers = {"Authorization": "Bearer not-a-real-token"}
    for _ in range(30):
        assert client.get("/api/v1/surveys", headers=headers, **from_ip("10.0.4.1")).status_code == 401
    reply = client.get("/api/v1/surveys", headers=headers, **from_ip("10.0.4.1"))
    assert reply.status_code == 429 and reply.is_json
    body = reply.get_json()
    assert body["error"] == "Too Many Requests" and "try again in" in body["message"]
    assert body["retry_after"] == int(reply.headers["Retry-After"]) >= 1


def test_api_submissions_are_limited_per_address(limited_app, survey_slug):
    from survey_app.services.api_tokens import create_api_token

    with limited_app.app_context():
        admin = db.session.scalar(sa.select(User).filter_by(email="admin@example.com"))
        _, token = create_api_token(admin, "kiosk")
        db.session.commit()
    client = limited_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    codes = [client.get(f"/api/v1/surveys/{survey_slug}", headers=headers, **from_ip("10.0.5.1")).status_code
             for _ in range(300)]
    assert set(codes) == {200}
    assert client.get(f"/api/v1/surveys/{survey_slug}", headers=headers,
                      **from_ip("10.0.5.1")).status_code == 429
    assert client.get("/api/v1/surveys", headers=headers, **from_ip("10.0.5.2")).status_code == 200


def test_limits_off_in_the_shared_test_fixture(app, client, make_survey):
    make_survey(slug="nolimit")
    codes = {client.get("/s/nolimit").status_code for _ in range(130)}
    assert codes == {200}
    assert "limiter" not in app.extensions


def test_counters_in_redis_when_redis_url_is_set_and_a_dead_redis_does_not_take_the_site_down(tmp_path,
                                                                                                 monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.db'}",
                      "WTF_CSRF_ENABLED": False})
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:1/0"
    limiter = app.extensions["limiter"]
    limiter = limiter if isinstance(limiter, Limiter) else next(iter(limiter))
    assert isinstance(limiter.storage, RedisStorage)
    with app.app_context():
        upgrade()
    reply = app.test_client().post("/admin/login", data={"email": "a@example.com", "password": "x"})
    assert reply.status_code == 200  # counted in memory meanwhile
    monkeypatch.delenv("REDIS_URL")
    local = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}"})
    local_limiter = local.extensions["limiter"]
    local_limiter = local_limiter if isinstance(local_limiter, Limiter) else next(iter(local_limiter))
    # without Redis: one file every worker shares, beside the database - never one worker's memory
    assert isinstance(local_limiter.storage, SQLiteFileStorage)
    assert local_limiter.storage.path == (tmp_path / "m.db-ratelimit").resolve()



def test_operators_can_raise_or_lower_the_survey_page_limit(limited_app, survey_slug):
    limited_app.config["RATELIMIT_SURVEY_PAGES"] = "5/minute"
    client = limited_app.test_client()
    assert [client.get(f"/s/{survey_slug}", **from_ip("10.0.6.1")).status_code for _ in range(6)] == [200] * 5 + [429]
    assert client.get(f"/s/{survey_slug}/thanks", **from_ip("10.0.6.2")).status_code == 200


# --- the limits hold across gunicorn's worker processes, without Redis and with it


@pytest.fixture(params=["shared file", "redis"])
def two_workers(request, tmp_path):
    """Manyi under real gunicorn with 2 workers (as `make run` serves it), rate limits on."""
    from bench.load_bench import Server, prepare_database

    url = f"sqlite:///{tmp_path / 'limits.db'}"
    prepare_database(url)
    env = {"DATABASE_URL": url, "SECRET_KEY": "test-secret-key", "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "1",
           "RATELIMIT_ENABLED": "1", "REDIS_URL": "", "RATELIMIT_STORAGE_URI": ""}
    redis = None
    if request.param == "redis":
        from tests.redis_server import RedisServer

        redis = RedisServer().start()
        env["REDIS_URL"] = redis.url
    server = Server("survey_app:create_app()", env, tmp_path / "gunicorn.log")
    try:
        server.wait_ready("/s/load-test")
        assert len(server.worker_pids()) == 2
        yield server
    finally:
        server.stop()
        if redis is not None:
            redis.stop()


#: requests in flight at once: enough that both workers take a share
AT_ONCE = 4


def _statuses(server, paths: list[str], headers: dict[str, str] | None = None) -> Counter:
    """The replies to ``paths`` sent :data:`AT_ONCE` at a time, each on a connection of its own."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    def get(path: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            connection.request("GET", path, headers=headers or {})
            return connection.getresponse().status
        finally:
            connection.close()

    with ThreadPoolExecutor(AT_ONCE) as pool:
        return Counter(pool.map(get, paths))


def test_wrong_links_and_wrong_api_tokens_are_limited_across_both_workers(two_workers):
    """20 wrong links a minute in all, not 20 per worker (per-worker counters let 40 through here). A failure is
    counted after its reply, so requests in flight together when the 20th is counted may all still get their
    404: at most AT_ONCE - 1 more."""
    links = _statuses(two_workers, [f"/s/load-test/wrong-link-{i:04d}" for i in range(60)])
    assert set(links) == {404, 429} and 20 <= links[404] <= 20 + AT_ONCE - 1, links
    tokens = _statuses(two_workers, ["/api/v1/surveys"] * 60, {"Authorization": "Bearer not-a-real-token-at-all"})
    assert set(tokens) == {401, 429} and 30 <= tokens[401] <= 30 + AT_ONCE - 1, tokens


def test_concurrent_wrong_passwords_lock_the_account_across_both_workers(two_workers, tmp_path):
    """Eight wrong passwords at once, spread over gunicorn's two workers: the account locks at the fifth, and the
    right password is refused after them."""
    import http.client
    import re
    import threading

    url = f"sqlite:///{tmp_path / 'limits.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        create_user("hr@example.com", "correct horse battery", role="hr")
        db.session.commit()
        db.engine.dispose()

    def sign_in(password: str, start: threading.Barrier | None = None) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", two_workers.port, timeout=20)
        try:
            connection.request("GET", "/admin/login?lang=en")
            page = connection.getresponse()
            cookie = page.getheader("Set-Cookie").split(";")[0]
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.read().decode()).group(1)
            if start is not None:
                start.wait()
            body = urllib.parse.urlencode({"csrf_token": token, "email": "hr@example.com", "password": password})
            connection.request("POST", "/admin/login?lang=en", body=body, headers={
                "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
            reply = connection.getresponse()
            return f"{reply.status} {reply.read().decode()}"
        finally:
            connection.close()

    start = threading.Barrier(8)
    replies: list[str] = []
    threads = [threading.Thread(target=lambda: replies.append(sign_in("wrong password!", start))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(replies) == 8 and all(reply.startswith("200 ") for reply in replies)
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(email="hr@example.com"))
        # locked at the fifth; attempts that came after it, refused by the lock, are not counted again
        assert user.locked_until is not None and 0 <= user.failed_logins <= 3
        db.engine.dispose()
    right = sign_in("correct horse battery")
    assert right.startswith("200 ") and "locked" in right


def _count_hits(path: str, start, hits: int) -> int:
    """A worker process's share of :func:`test_workers_opening_and_counting_at_once_lose_no_hit`: its failed hits."""
    storage = SQLiteFileStorage(f"manyi+sqlite://{path}")
    start.wait()
    failed = 0
    for _ in range(hits):
        try:
            storage.incr("key", 60)
        except Exception:
            failed += 1
    return failed


def test_workers_opening_and_counting_at_once_lose_no_hit(tmp_path):
    # three workers open a new counter file and count at the same moment: a statement that read before it asked for
    # the write lock got "database is locked" at once (no wait), and Flask-Limiter then counted in that worker's
    # memory alone (7 of 9,000 hits failed in 15 such rounds before each write took the lock first)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")  # no fork of this threaded test process
    with ProcessPoolExecutor(3, mp_context=context) as pool, context.Manager() as manager:
        for round_ in range(5):
            path = str(tmp_path / f"counters-{round_}.sqlite")
            start = manager.Barrier(3)
            failed = list(pool.map(_count_hits, [path] * 3, [start] * 3, [300] * 3))
            assert failed == [0, 0, 0]
            assert SQLiteFileStorage(f"manyi+sqlite://{path}").get("key") == 900


def test_a_key_cleared_and_all_reset_in_the_shared_file(tmp_path) -> None:
    storage = SQLiteFileStorage(f"manyi+sqlite://{tmp_path / 'counters.sqlite'}")
    for key in ("a", "a", "b", "c"):
        storage.incr(key, 60)
    storage.clear("a")
    assert (storage.get("a"), storage.get("b")) == (0, 1)
    assert storage.reset() == 2  # the counters it removed
    assert (storage.get("b"), storage.get("c")) == (0, 0)
