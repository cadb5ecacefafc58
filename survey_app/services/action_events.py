"""The hook point of action plans: subscribers hear every action created and every change of one.

A subscriber - outgoing webhooks (``action.updated``), say - is called as ``hook(action, now)`` inside the
transaction that made the change, after the history entry recording it was flushed; it writes what it needs
through ``db.session`` (flush only: queue a job, never send from here), so its work is committed with the change
or rolled back with it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from survey_app.models import Action

#: the event, as webhooks name it
EVENT = "action.updated"
#: the action as it is now, the time of the change
ActionHook = Callable[[Action, datetime], None]
#: called in order for every change
SUBSCRIBERS: list[ActionHook] = []


def on_action_changed(hook: ActionHook) -> ActionHook:
    """Decorator: call ``hook`` for every action created or changed."""
    if hook not in SUBSCRIBERS:
        SUBSCRIBERS.append(hook)
    return hook


def action_changed(action: Action, now: datetime) -> None:
    """Tell every subscriber that ``action`` was created or changed at ``now``."""
    for hook in SUBSCRIBERS:
        hook(action, now)
