"""Signed outgoing webhooks: the signature, the address check that keeps them off private networks, one POST and
whether a failed one is worth trying again. Nothing here knows what is sent (mail's channels, alerts).

The signature follows Stripe and Standard Webhooks: the header ``Manyi-Signature: t=<unix time>,v1=<hex>`` carries
the HMAC-SHA256, under the shared secret, of ``"<t>.<body>"``; a receiver recomputes it, compares in constant time
and refuses a ``t`` too far from its own clock (a replayed request). docs/channels.md shows how in Python.

The address must be ``https://`` and every address its host resolves to must be public (no loopback, private,
link-local, shared, reserved or multicast address): a console user could otherwise make the server call its own
network (server-side request forgery). The connection goes to the address that was checked, so a second DNS answer
cannot swap in a private one; redirects are not followed. ``allow_loopback`` (tests, a local receiver in
development) lets ``http://`` and ``https://`` reach 127.0.0.1, ::1 and localhost - and nothing else private.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from survey_app.messages import N_, Quoted, TranslatableError

#: the request header with the signature
SIGNATURE_HEADER = "Manyi-Signature"
#: the request header with the delivery's id: the same on every retry, so a receiver can drop a repeat
ID_HEADER = "Manyi-Webhook-Id"
#: version tag of the signature scheme in the header
SCHEME = "v1"
#: seconds a receiver should accept between ``t`` and its own clock (what :func:`verify` defaults to)
TOLERANCE = 300
#: longest accepted address
MAX_URL = 2000
#: characters of the receiver's reply kept for the delivery record
REPLY_KEPT = 300
#: replies in 4xx that say "later" rather than "never": Request Timeout, Too Many Requests
TEMPORARY_4XX = frozenset({408, 429})
#: host names that mean this machine (allowed only with ``allow_loopback``)
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


class WebhookError(Exception):
    """A POST not delivered; ``permanent`` when trying again would not help (a 4xx reply, a refused address);
    ``status`` the reply's HTTP status, None when there was no reply."""

    def __init__(self, reply: str, *, permanent: bool, status: int | None = None) -> None:
        super().__init__(reply)
        self.reply = reply[:1000]
        self.permanent = permanent
        self.status = status


def new_secret() -> str:
    """A new signing secret (32 random bytes as URL-safe text, prefixed so people recognise it)."""
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header's value for ``body`` sent at ``timestamp`` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},{SCHEME}={digest}"


def verify(secret: str, body: bytes, header: str, now: int, *, tolerance: int = TOLERANCE) -> bool:
    """Whether ``header`` signs ``body`` under ``secret`` at a time within ``tolerance`` seconds of ``now``
    (what a receiver does; several ``v1=`` values are allowed, as while a secret is changed)."""
    fields = [part.split("=", 1) for part in header.split(",") if "=" in part]
    stamps = [value for name, value in fields if name.strip() == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit() or abs(now - int(stamps[0])) > tolerance:
        return False
    expected = sign(secret, body, int(stamps[0])).split(f"{SCHEME}=", 1)[1]
    return any(hmac.compare_digest(expected.encode(), value.strip().encode(errors="surrogateescape"))
               for name, value in fields if name.strip() == SCHEME)


def retryable(status: int) -> bool:
    """Whether a reply with HTTP ``status`` is worth trying again: 5xx, 408 and 429 yes; other 4xx (and the 3xx of
    a redirect, which is not followed) no."""
    return status >= 500 or status in TEMPORARY_4XX


@dataclass(frozen=True)
class Target:
    """A checked address: where to connect (``ip``) and what to ask for (``host``, ``path``)."""

    scheme: str
    host: str
    port: int
    path: str
    ip: str


def check_url(url: str, *, allow_loopback: bool = False, resolve: bool = True) -> Target | None:
    """The address of ``url`` if a webhook may go there; TranslatableError (a ValueError) saying why not.

    ``resolve=False`` checks the form only (returns None).
    """
    url = url.strip()
    if not url or len(url) > MAX_URL or not url.isascii() or any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise TranslatableError(N_("the webhook address must be an https:// address of at most %(n)s ASCII "
                                   "characters, without spaces (a host name in another script in its xn-- form)"),
                                n=MAX_URL)
    try:
        parts = urlsplit(url)
        port = parts.port
        if port == 0:
            raise ValueError(port)
    except ValueError:
        raise TranslatableError(N_("the webhook address %(url)s cannot be read"), url=Quoted(url[:100])) from None
    host = (parts.hostname or "").lower()
    loopback_name = host in LOOPBACK_NAMES
    if parts.scheme != "https" and not (parts.scheme == "http" and allow_loopback and loopback_name):
        raise TranslatableError(N_("the webhook address must start with https://"))
    if not host:
        raise TranslatableError(N_("the webhook address names no host"))
    if parts.username is not None or parts.password is not None:
        raise TranslatableError(N_("the webhook address must not contain a user name or password (the signature "
                                   "proves who sends)"))
    if parts.fragment:
        raise TranslatableError(N_("the webhook address must not contain a # part"))
    port = port or (443 if parts.scheme == "https" else 80)
    if not resolve:
        return None
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError):
        raise TranslatableError(N_("the webhook host %(host)s cannot be found"), host=Quoted(host)) from None
    addresses = sorted(found, key=lambda a: (":" in a, a))  # IPv4 first, then a stable order
    refused = [a for a in addresses if not _public(a, allow_loopback=allow_loopback)]
    if refused or not addresses:
        raise TranslatableError(N_("the webhook host %(host)s is on a private or local network (%(address)s): "
                                   "webhooks go only to public addresses"), host=Quoted(host),
                                address=Quoted((refused or ["?"])[0]))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, addresses[0])


def _public(address: str, *, allow_loopback: bool) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:  # ::ffff:10.0.0.1 is 10.0.0.1
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return allow_loopback
    return ip.is_global and not ip.is_multicast


def body_of(payload: Mapping[str, Any]) -> bytes:
    """The JSON body of ``payload``: UTF-8, compact, keys in a stable order (the bytes that are signed)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def post(url: str, payload: Mapping[str, Any], *, secret: str, delivery_id: str, timestamp: int, timeout: float,
         allow_loopback: bool = False, tls: ssl.SSLContext | None = None) -> int:
    """POST ``payload`` as signed JSON to ``url``; returns the 2xx status, else raises :class:`WebhookError`.

    A refused address, a redirect or a 4xx reply (not 408, 429) is permanent; a 5xx reply, 408, 429, a timeout or a
    failed connection is temporary. Nothing is retried here: the caller decides when (it keeps the attempts).
    """
    try:
        target = check_url(url, allow_loopback=allow_loopback)
    except ValueError as exc:
        raise WebhookError(f"refused: {exc}", permanent=True) from None
    body = body_of(payload)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Manyi-Webhook/1",
               ID_HEADER: delivery_id, "Idempotency-Key": delivery_id,
               SIGNATURE_HEADER: sign(secret, body, timestamp)}
    connection = _connection(target, timeout, tls)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        reply = connection.getresponse()
        text = reply.read(REPLY_KEPT).decode("utf-8", "replace")
    except TimeoutError:
        raise WebhookError(f"timed out after {timeout:g} s", permanent=False) from None
    except (OSError, http.client.HTTPException) as exc:  # refused, reset, TLS failure, a reply that is not HTTP
        raise WebhookError(f"connection failed: {exc or type(exc).__name__}", permanent=False) from None
    finally:
        connection.close()
    if 200 <= reply.status < 300:
        return reply.status
    summary = f"{reply.status} {reply.reason} {' '.join(text.split())}".strip()
    if 300 <= reply.status < 400:
        summary += " (redirects are not followed)"
    raise WebhookError(summary, permanent=not retryable(reply.status), status=reply.status)


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to the address that was checked, whatever the host name resolves to now."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.ip = target.ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self.ip, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """An HTTPS connection to the checked address; the certificate is checked against the host name."""

    def __init__(self, target: Target, timeout: float, tls: ssl.SSLContext) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=tls)
        self.ip, self.tls = target.ip, tls

    def connect(self) -> None:
        sock = socket.create_connection((self.ip, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def _connection(target: Target, timeout: float, tls: ssl.SSLContext | None) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return _PinnedHTTPS(target, timeout, tls or ssl.create_default_context())
    return _PinnedHTTP(target, timeout)
