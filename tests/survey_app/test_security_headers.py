"""Security headers: a CSP without inline scripts, no framing, no sniffing, a same-origin referrer."""

from __future__ import annotations


def test_pages_carry_security_headers(client, make_survey):
    make_survey()
    for url in ("/s/flow", "/admin/login", "/s/nowhere"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Frame-Options"] == "DENY"
