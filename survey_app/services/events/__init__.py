"""A survey's events sent to its webhooks: the endpoints that subscribe (endpoints), each event turned into one
signed delivery per endpoint and sent with retries (delivery), and what each event says (payloads).

Other features announce an event with :func:`emit_event` in their own transaction (flush only); see
docs/webhooks.md.
"""

from survey_app.models.webhooks import EVENTS
from survey_app.services.events.delivery import emit_event

__all__ = ["EVENTS", "emit_event"]
