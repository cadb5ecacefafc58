"""Static links are built once per mount point and stay right under a proxy prefix."""

from __future__ import annotations

from flask import url_for


def test_static_links_match_url_for_and_follow_the_mount_point(app, client, make_survey):
    make_survey()
    page = client.get("/s/flow").text
    with app.test_request_context("/"):
        assert url_for("static", filename="manyi.css") == "/static/manyi.css"
    assert 'href="/static/manyi.css"' in page and 'src="/static/survey.js"' in page
    # the same app mounted under /survey behind a proxy: the kept links must not be the ones built for "/"
    mounted = client.get("/s/flow", base_url="http://localhost/survey/").text
    assert 'href="/survey/static/manyi.css"' in mounted and 'src="/survey/static/survey.js"' in mounted
    assert 'href="/static/manyi.css"' in client.get("/s/flow").text
