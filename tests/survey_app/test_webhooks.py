"""The generic signed webhook (survey_app.services.webhooks): the signature against a vector computed here with
hmac, the address check against private networks, and real POSTs to an HTTP server started in a thread."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from survey_app.messages import TranslatableError
from survey_app.services import webhooks

SECRET = "whsec_0123456789abcdefghijklmnop"
T = 1_765_000_000


class Receiver:
    """What the test server got, and how it answers: a status per path, or a list of statuses used in turn."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: dict[str, list[int]] = {}
        #: a request to /slow waits for this (the test sets it when done)
        self.release = threading.Event()
        #: when set, the receiver checks each request's signature as a receiver would (computed here with hmac,
        #: not with the app's code) and answers 401 to a wrong one; each request records ``verified``
        self.secret: str | None = None
        #: the receiver's clock for that check (unix seconds); None: any time is accepted
        self.clock: int | None = None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            verified = state.secret is None or _signed(state.secret, body, self.headers.get("Manyi-Signature", ""),
                                                       state.clock)
            state.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                   "verified": verified})
            if not verified:
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.path == "/slow":
                state.release.wait(10)
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "/ok")
                self.end_headers()
                return
            statuses = state.answers.get(self.path, [200])
            status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
            reply = b"nope, bad field" if status >= 400 else b"ok"
            self.send_response(status)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


def _signed(secret: str, body: bytes, header: str, clock: int | None) -> bool:
    """The receiver's check: ``t=<time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``, within 5 minutes of ``clock``."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if not fields.get("t", "").isdigit() or (clock is not None and abs(clock - int(fields["t"])) > 300):
        return False
    expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))


def _post(url: str, **options):
    return webhooks.post(url, {"event": "test", "text": "你好 =1"}, secret=SECRET, delivery_id="msg_1",
                         timestamp=T, timeout=options.pop("timeout", 5), allow_loopback=True, **options)


def test_the_signature_is_hmac_sha256_of_time_dot_body_in_hex():
    body = b'{"event":"message","id":"msg_1"}'
    expected = hmac.new(SECRET.encode(), b"1765000000." + body, hashlib.sha256).hexdigest()
    assert webhooks.sign(SECRET, body, T) == f"t=1765000000,v1={expected}"
    header = webhooks.sign(SECRET, body, T)
    assert webhooks.verify(SECRET, body, header, T + 299)
    assert not webhooks.verify(SECRET, body, header, T + 301)  # too old: a replay
    assert not webhooks.verify(SECRET, body, header, T - 301)
    assert not webhooks.verify("whsec_other", body, header, T)
    assert not webhooks.verify(SECRET, body + b" ", header, T)
    assert not webhooks.verify(SECRET, body, header.replace("t=1765000000", "t=1765000001"), T)
    assert not webhooks.verify(SECRET, body, f"v1={expected}", T)  # no time
    assert not webhooks.verify(SECRET, body, f"t={T},t={T},v1={expected}", T)
    # while a secret is changed a sender may sign twice; one matching v1 is enough
    assert webhooks.verify(SECRET, body, f"t={T},v1={'0' * 64},v1={expected}", T)


def test_the_body_is_compact_utf8_json_with_sorted_keys():
    assert webhooks.body_of({"b": "李", "a": [1, 2]}) == '{"a":[1,2],"b":"李"}'.encode()


def test_which_replies_are_tried_again():
    assert all(webhooks.retryable(s) for s in (500, 502, 503, 504, 408, 429))
    assert not any(webhooks.retryable(s) for s in (400, 401, 403, 404, 410, 422, 301, 302))


@pytest.mark.parametrize("url", [
    "https://10.0.0.1/hook", "https://172.16.5.4/", "https://172.31.255.255/", "https://192.168.1.1/",
    "https://169.254.169.254/latest/meta-data", "https://100.64.0.1/", "https://0.0.0.0/", "https://127.0.0.1/",
    "https://[::1]/", "https://[fc00::1]/", "https://[fd12:3456::1]/", "https://[fe80::1]/",
    "https://[::ffff:10.0.0.1]/", "https://224.0.0.1/", "https://localhost/",
])
def test_private_and_local_addresses_are_refused(url):
    with pytest.raises(TranslatableError, match="private or local network"):
        webhooks.check_url(url)


def test_loopback_allowed_for_tests_but_nothing_else_private():
    assert webhooks.check_url("http://127.0.0.1:8080/x?y=1", allow_loopback=True).path == "/x?y=1"
    assert webhooks.check_url("http://localhost:8080/", allow_loopback=True).ip in ("127.0.0.1", "::1")
    for url in ("https://10.0.0.1/", "https://192.168.0.10/", "https://169.254.169.254/"):
        with pytest.raises(TranslatableError, match="private or local network"):
            webhooks.check_url(url, allow_loopback=True)
    with pytest.raises(TranslatableError, match="https://"):
        webhooks.check_url("http://10.0.0.1/", allow_loopback=True)  # plain http only to this machine


@pytest.mark.parametrize(("url", "reason"), [
    ("http://hooks.example.com/", "https://"), ("ftp://hooks.example.com/", "https://"),
    ("file:///etc/passwd", "https://"), ("", "https://"), ("https://hooks.example.com/a b", "https://"),
    ("https://user:pw@hooks.example.com/", "user name or password"), ("https:///path", "no host"),
    ("https://hooks.example.com:99999/", "cannot be read"), ("https://hooks.example.com:0/", "cannot be read"),
    ("https://hooks.example.com/#x", "# part"),
    ("https://" + "a" * 2000 + ".com/", "https://"), ("https://例子.测试/hook", "xn--"),
    ("https://hooks.example.com/路径", "ASCII"),
])
def test_malformed_addresses_are_refused_with_a_reason(url, reason):
    with pytest.raises(TranslatableError, match=reason):
        webhooks.check_url(url, resolve=False)


def test_a_name_that_resolves_to_any_private_address_is_refused(monkeypatch):
    def resolve(host, port, *args, **kwargs):
        assert host == "hooks.example.com"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in ("93.184.215.14",
                                                                                              "10.1.2.3")]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(TranslatableError, match="10.1.2.3"):
        webhooks.check_url("https://hooks.example.com/")
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))])
    target = webhooks.check_url("https://hooks.example.com:8443/in")
    assert (target.host, target.port, target.ip, target.path) == ("hooks.example.com", 8443, "93.184.215.14", "/in")


def test_a_post_is_signed_json_with_the_id(receiver):
    assert _post(f"{receiver.base}/ok") == 200
    [request] = receiver.requests
    assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert request["headers"]["Manyi-Webhook-Id"] == request["headers"]["Idempotency-Key"] == "msg_1"
    assert json.loads(request["body"]) == {"event": "test", "text": "你好 =1"}
    digest = hmac.new(SECRET.encode(), f"{T}.".encode() + request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["Manyi-Signature"] == f"t={T},v1={digest}"


def test_5xx_is_temporary_4xx_permanent_and_redirects_are_not_followed(receiver):
    receiver.answers = {"/flaky": [503, 200], "/bad": [400], "/busy": [429]}
    with pytest.raises(webhooks.WebhookError) as failed:
        _post(f"{receiver.base}/flaky")
    assert not failed.value.permanent and failed.value.reply.startswith("503")
    assert _post(f"{receiver.base}/flaky") == 200
    with pytest.raises(webhooks.WebhookError) as refused:
        _post(f"{receiver.base}/bad")
    assert refused.value.permanent and refused.value.reply == "400 Bad Request nope, bad field"
    with pytest.raises(webhooks.WebhookError) as busy:
        _post(f"{receiver.base}/busy")
    assert not busy.value.permanent
    with pytest.raises(webhooks.WebhookError) as moved:
        _post(f"{receiver.base}/redirect")
    assert moved.value.permanent and "not followed" in moved.value.reply
    assert [r["path"] for r in receiver.requests] == ["/flaky", "/flaky", "/bad", "/busy", "/redirect"]


def test_a_timeout_and_a_refused_connection_are_temporary(receiver):
    with pytest.raises(webhooks.WebhookError) as slow:
        _post(f"{receiver.base}/slow", timeout=0.3)
    assert not slow.value.permanent and slow.value.reply == "timed out after 0.3 s"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]  # nobody listens there once the socket is closed
    with pytest.raises(webhooks.WebhookError) as refused:
        _post(f"http://127.0.0.1:{closed}/")
    assert not refused.value.permanent and refused.value.reply.startswith("connection failed")


def test_a_refused_address_is_never_contacted_and_permanent(receiver):
    with pytest.raises(webhooks.WebhookError) as refused:
        webhooks.post(f"{receiver.base}/ok", {}, secret=SECRET, delivery_id="x", timestamp=T, timeout=1)
    assert refused.value.permanent and refused.value.reply.startswith("refused:")
    assert receiver.requests == []


def test_the_connection_goes_to_the_address_checked_not_a_second_dns_answer(receiver, monkeypatch):
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1", "10.9.9.9"])  # a rebinding DNS server: a safe answer first, then a private one

    def resolve(host, port, *args, **kwargs):
        if host == "localhost":
            address = next(answers)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    port = receiver.base.rsplit(":", 1)[1]
    assert _post(f"http://localhost:{port}/ok") == 200
    assert receiver.requests[0]["headers"]["Host"] == f"localhost:{port}"
    assert next(answers) == "10.9.9.9"  # asked once only


def test_https_checks_the_certificate_against_the_host_name_while_connecting_to_the_checked_address(
        receiver, tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver.requests.append({"body": self.rfile.read(int(self.headers["Content-Length"]))})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        trusted = ssl.create_default_context(cafile=str(cert))
        assert _post(f"https://localhost:{port}/in", tls=trusted) == 204
        with pytest.raises(webhooks.WebhookError) as mismatch:  # the certificate names localhost, not 127.0.0.1
            _post(f"https://127.0.0.1:{port}/in", tls=trusted)
        assert "certificate" in mismatch.value.reply.lower() or "hostname" in mismatch.value.reply.lower()
        with pytest.raises(webhooks.WebhookError):  # not trusted by default
            _post(f"https://localhost:{port}/in")
    finally:
        server.shutdown()
        server.server_close()
    assert len(receiver.requests) == 1
