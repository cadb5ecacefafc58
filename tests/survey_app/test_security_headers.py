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


def test_a_views_own_header_is_kept(app, client):
    @app.route("/own-headers")
    def own_headers():
        return "x", 200, {"X-Frame-Options": "SAMEORIGIN", "referrer-policy": "no-referrer"}

    headers = client.get("/own-headers").headers
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers.getlist("Referrer-Policy") == ["no-referrer"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in headers  # http in development and tests
