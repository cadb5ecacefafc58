"""The hook point of case events: subscribers hear every case opened and every change of one.

``alert.created`` is announced when an alert opens a case, ``case.updated`` for each later change (assignment,
status, note, overdue). A subscriber - the case mail (services.case_mail), outgoing webhooks - is called as
``hook(event, case, entry, now)`` inside the transaction that made the change, with the history entry that records
it; it writes what it needs through ``db.session`` (flush only: queue a job, never send from here), so that its
work is committed with the change or rolled back with it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from survey_app.models import AlertCase, CaseEvent

#: the events, as webhooks name them
EVENTS = ("alert.created", "case.updated")
#: event, case, the history entry of the change, the time of the change
CaseHook = Callable[[str, AlertCase, CaseEvent, datetime], None]
#: called in order for every event
HOOKS: list[CaseHook] = []


def on_case_event(hook: CaseHook) -> CaseHook:
    """Decorator: call ``hook`` for every case event."""
    if hook not in HOOKS:
        HOOKS.append(hook)
    return hook


def announce(case: AlertCase, entry: CaseEvent, now: datetime) -> None:
    """Tell every subscriber about ``entry`` of ``case`` (``alert.created`` when it opened the case)."""
    event = "alert.created" if entry.kind == "opened" else "case.updated"
    for hook in HOOKS:
        hook(event, case, entry, now)
