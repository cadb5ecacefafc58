"""The Webhooks page in a real browser: an endpoint added through the form, its secret shown once, a test event
and an alert delivered to a real receiver, a rejected one in the log; at a phone's width (zh) and a desktop's
(en)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Survey, WebhookDelivery
from survey_app.scheduler import run_due
from survey_app.scheduler.models import ScheduledJob
from survey_app.services.events import emit_event
from survey_app.services.users import create_user
from tests.browser.conftest import sign_in
from tests.survey_app.test_webhooks import receiver  # noqa: F401  (the fixture: a real HTTP server)

PASSWORD = "manager password 1"
SHOTS = os.environ.get("SCREENSHOTS")
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("lang", "viewport"), [("zh", {"width": 390, "height": 844}),
                                                ("en", {"width": 1280, "height": 800})])
def test_add_an_endpoint_and_read_the_delivery_log(app, live_server, browser, make_survey, tmp_path: Path,
                                                   receiver, lang, viewport):  # noqa: F811
    slug = make_survey("hooks", title={"zh": "门店调查", "en": "Store survey"})
    with app.app_context():
        create_user("manager@example.com", PASSWORD, role="admin")
        db.session.commit()
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport=viewport).new_page()
    sign_in(page, live_server, "manager@example.com", PASSWORD, lang)
    page.wait_for_url(f"{live_server}/admin/")

    page.goto(f"{live_server}/admin/surveys/{slug}")
    page.locator("#webhooks-link").click()
    for path, events in (("/crm/case-events", ["alert.created", "case.updated"]), ("/reject", ["alert.created"])):
        page.locator("#url").fill(receiver.base + path)
        for event in events:
            page.locator(f"input[name=events][value='{event}']").check()
        page.locator("#add-endpoint").click()
        secret = page.locator("#webhook-secret-value").inner_text()
        assert secret.startswith("whsec_")
        page.go_back()
        page.goto(f"{live_server}/admin/surveys/{slug}/webhooks")
    assert page.locator("#endpoints tbody tr").count() == 2
    page.locator("#endpoints tbody tr").first.locator("button[value=test]").click()
    receiver.answers["/reject"] = [422]
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        emit_event(survey, "alert.created", {"case": {"id": 1}}, T0)
        db.session.execute(sa.update(ScheduledJob).where(ScheduledJob.state == "due").values(due_at=T0))
        db.session.commit()
        run_due(T0, "worker")
        states = sorted(d.state for d in db.session.scalars(sa.select(WebhookDelivery)))
    assert states == ["delivered", "delivered", "failed"]
    page.goto(f"{live_server}/admin/surveys/{slug}/webhooks")
    assert page.locator("#delivery-log tbody tr").count() == 3
    assert page.locator("#delivery-log button", has_text="重新投递" if lang == "zh" else "Redeliver").count() == 1
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= viewport["width"], "the page scrolls sideways"
    page.screenshot(path=str(shots / f"webhooks-{lang}-{viewport['width']}.png"), full_page=True)
