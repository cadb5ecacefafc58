"""Nothing acknowledged is lost, nothing is stored twice: real gunicorn processes, SIGKILL under load, retries.

Every test runs on SQLite and on PostgreSQL (the ``database_url`` fixture) against gunicorn started with
gunicorn.conf.py, driven by the load generator of ``python -m bench load`` (respondents completing a 3-page,
30-item survey through the web flow; a respondent is acknowledged when the last page's POST redirects to the
thank-you page).
"""

from __future__ import annotations

import html as html_module
import http.client
import json
import os
import re
import signal
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from bench.load_bench import (
    _CSRF,
    _KEY,
    ITEMS_PER_PAGE,
    PAGES,
    SLUG,
    Browser,
    Server,
    item_code,
    postgres_cpu_seconds,
    prepare_database,
    process_cpu_seconds,
    run_load,
    stored_counts,
)


@pytest.fixture
def serve(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], Server]]:
    """Factory: gunicorn serving Manyi on the test database (with the bench survey); stopped at the end."""
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    prepare_database(database_url)
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key", "WEB_CONCURRENCY": "2",
           "GUNICORN_THREADS": "4"}
    servers: list[Server] = []

    def _start() -> Server:
        server = Server("bench.load_apps:manyi()", env, tmp_path / f"gunicorn-{len(servers)}.log")
        servers.append(server)
        server.wait_ready(f"/s/{SLUG}")
        return server

    yield _start
    for server in servers:
        server.stop()


def _rows(url: str, where: str = "") -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(f"SELECT count(*) FROM response {where}")).scalar_one()
    finally:
        engine.dispose()


def _load_in_background(port: int, respondents: int) -> tuple[threading.Thread, dict]:
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(
        run_load(port, respondents=respondents, concurrency=8, time_limit=20.0, think=0.0)))
    thread.start()
    return thread, result


def _wait_for_first_acknowledgements(url: str, at_least: int = 5, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while sum(stored_counts(url).values()) < at_least:
        if time.monotonic() > deadline:
            raise AssertionError("the load never got going")
        time.sleep(0.05)


def _assert_each_stored_once(url: str, acknowledged: list[str]) -> None:
    stored = stored_counts(url)
    assert acknowledged, "no respondent was acknowledged"
    lost = [key for key in acknowledged if stored.get(key, 0) == 0]
    assert lost == []
    assert {key: n for key, n in stored.items() if n != 1} == {}
    assert len(set(acknowledged)) == len(acknowledged)


def test_killing_a_worker_under_load_loses_no_acknowledged_response(serve, database_url):
    server = serve()
    thread, result = _load_in_background(server.port, respondents=60)
    _wait_for_first_acknowledgements(database_url)
    victim = server.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)
    assert thread.is_alive(), "the load finished before the worker was killed"
    thread.join()

    _assert_each_stored_once(database_url, result["acknowledged_keys"])
    # the master replaced the worker and still serves
    deadline = time.monotonic() + 10
    while victim in server.worker_pids() or len(server.worker_pids()) < 2:
        assert time.monotonic() < deadline, "gunicorn did not replace the killed worker"
        time.sleep(0.1)
    after = run_load(server.port, respondents=5, concurrency=5, time_limit=10.0, think=0.0)
    assert after["errors"] == 0 and len(after["acknowledged_keys"]) == 5
    _assert_each_stored_once(database_url, result["acknowledged_keys"] + after["acknowledged_keys"])


def test_killing_master_and_workers_then_restarting_loses_nothing(serve, database_url):
    first = serve()
    thread, result = _load_in_background(first.port, respondents=400)
    _wait_for_first_acknowledgements(database_url)
    first.kill_all()  # the whole server dies at once, mid-write for some respondents
    thread.join()
    assert result["errors"] > 0, "the kill did not interrupt the load"

    second = serve()  # a restart on the same database (SQLite recovers its WAL, PostgreSQL its log)
    more = run_load(second.port, respondents=10, concurrency=5, time_limit=10.0, think=0.0)
    assert more["errors"] == 0
    _assert_each_stored_once(database_url, result["acknowledged_keys"] + more["acknowledged_keys"])


def _page_form(html: str, page: int, key: str) -> str:
    form = {"csrf_token": _CSRF.search(html).group(1), "submission_key": key, "nav": "next"}
    form.update({item_code(page, i): "4" for i in range(ITEMS_PER_PAGE)})
    return urllib.parse.urlencode(form)


def _path(location: str) -> str:
    return urllib.parse.urlsplit(location)._replace(scheme="", netloc="").geturl()


@pytest.fixture
def browsers() -> Iterator[Callable[[int], Browser]]:
    """Factory of load-bench browsers, each closed after the test even when an assertion fails."""
    made: list[Browser] = []

    def _make(port: int) -> Browser:
        made.append(Browser(port))
        return made[-1]

    yield _make
    for browser in made:
        browser.close()


def test_double_posted_and_retried_pages_store_one_response(serve, database_url, browsers):
    server = serve()
    browser = browsers(server.port)
    status, _, html = browser.request("GET", f"/s/{SLUG}")
    assert status == 200
    key = _KEY.search(html).group(1)
    body = _page_form(html, 0, key)
    # a double click: the first page posted twice at the same moment, from the same session and from a copy
    # of the page in a second browser (no session cookie, same submission key)
    twin = browsers(server.port)
    twin.cookies.update(browser.cookies)
    answers: list[tuple[int, str, str]] = []
    # posted where the page's form posts (its action names the page, as a browser's double click would)
    action = html_module.unescape(re.search(r'<form method="post" action="([^"]+)"', html).group(1))
    assert action == f"/s/{SLUG}?page=1"
    posts = [threading.Thread(target=lambda b=b: answers.append(b.request("POST", action, body)))
             for b in (browser, twin)]
    for post in posts:
        post.start()
    for post in posts:
        post.join()
    assert [status for status, _, _ in answers] == [302, 302]
    path = _path(answers[0][1])
    for page in range(1, PAGES):
        status, _, html = browser.request("GET", path)
        assert status == 200
        body = _page_form(html, page, key)
        status, location, _ = browser.request("POST", path, body)
        assert status == 302
        path = _path(location)
    assert path.endswith("/thanks")
    # the last page sent again after the acknowledgement (a retry after a lost reply) changes nothing
    fresh = browsers(server.port)
    status, location, _ = fresh.request("POST", f"/s/{SLUG}", _page_form(html, 0, key))
    assert status in (200, 302, 400)
    assert stored_counts(database_url) == {key: 1}
    assert _rows(database_url) == 1


def test_api_retries_with_one_idempotency_key_store_one_response(serve, database_url):
    from survey_app import create_app
    from survey_app.extensions import db
    from survey_app.models import Survey
    from survey_app.services.api_tokens import create_api_token
    from survey_app.services.users import create_user

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        user, _ = create_user("kiosk@example.com", "long enough password", role="admin")
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=SLUG))  # anonymous: a channel token answers
        _, token = create_api_token(user, "durability kiosk", survey=survey, channel="kiosk")
        db.session.commit()
        db.engine.dispose()
    server = serve()
    body = json.dumps({"answers": {item_code(p, i): 3 for p in range(PAGES) for i in range(ITEMS_PER_PAGE)},
                       "language": "en", "channel": "kiosk"})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
               "Idempotency-Key": "kiosk-7-0001"}
    replies: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def send() -> None:  # each retry on its own connection, so the two workers race each other
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
        connection.request("POST", f"/api/v1/surveys/{SLUG}/responses", body=body, headers=headers)
        reply = connection.getresponse()
        with lock:
            replies.append((reply.status, json.loads(reply.read())))
        connection.close()

    senders = [threading.Thread(target=send) for _ in range(6)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    send()  # and one more, well after the first was stored

    statuses = sorted(status for status, _ in replies)
    assert statuses == [200] * 6 + [201], replies
    assert len({reply["id"] for _, reply in replies}) == 1
    assert sum(reply["replayed"] for _, reply in replies) == 6
    assert _rows(database_url) == 1
    assert _rows(database_url, "WHERE status = 'complete' AND channel = 'kiosk'") == 1


@pytest.mark.postgres
def test_load_bench_counts_the_database_servers_processor_time(postgres):
    # the bench's database_cpu_ms_per_request: PostgreSQL's own work, which shares the cores with the app
    data = postgres.dir / "data"
    before = postgres_cpu_seconds(data)
    started = time.process_time()
    with psycopg.connect(f"host=127.0.0.1 port={postgres.port} user=manyi dbname=postgres") as connection:
        connection.execute("SELECT count(*) FROM generate_series(1, 5000000)").fetchone()
    # the work ended with its connection's process, and still counts
    assert postgres_cpu_seconds(data) - before > 0.2
    assert time.process_time() - started < 0.1  # ... and it was the server's, not this process's
    assert process_cpu_seconds(2**22 + 1) == 0.0  # no such process
