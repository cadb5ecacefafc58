"""Embedding a survey in other sites' pages: the origins allowed to frame its respondent pages.

By default no page may frame a survey (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``, set by
``survey_app.security``). A survey's owner may name origins - scheme, host and port, nothing else - whose pages may
show the survey in an iframe; ``survey_app.security`` then sends ``Content-Security-Policy: frame-ancestors <them>``
on that survey's respondent pages only. Origins must be HTTPS, except a loopback host (``http://localhost``,
``http://127.0.0.1``) for trying it out on one's own machine.
"""

from __future__ import annotations

import re

from survey_app.messages import N_, Quoted, TranslatableError
from survey_app.models import Survey

#: the most origins a survey may allow (each one goes into every respondent page's header)
MAX_ORIGINS = 20
#: an origin as a CSP source may name it: scheme, host name (letters, digits, hyphens, dots), optional port
_ORIGIN = re.compile(r"(https)://([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
                     r"(:[0-9]{1,5})?")
_LOOPBACK = re.compile(r"http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?")


class OriginError(TranslatableError):
    """An allowed origin that cannot be used; the message names it."""


def parse_origins(text: str) -> list[str]:
    """The origins in ``text`` (one per line or separated by spaces or commas), normalised and without
    duplicates; OriginError naming the first that is not an HTTPS origin."""
    origins: list[str] = []
    for raw in re.split(r"[\s,]+", text.strip()):
        if not raw:
            continue
        origin = raw.lower().removesuffix("/")
        port = origin.rsplit(":", 1)[1] if origin.count(":") == 2 else None
        if not (_ORIGIN.fullmatch(origin) or _LOOPBACK.fullmatch(origin)) or (port and not 0 < int(port) < 65536):
            raise OriginError(N_("%(origin)s is not an origin such as https://intranet.example.com (https, a host "
                                 "name, an optional port, no path)"), origin=Quoted(raw[:100]))
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        raise OriginError(N_("at most %(n)s origins may be allowed"), n=MAX_ORIGINS)
    return origins


def set_frame_origins(survey: Survey, text: str) -> list[str]:
    """Allow the origins in ``text`` to frame ``survey`` (none when it is empty); returns them."""
    origins = parse_origins(text)
    survey.frame_origins = origins or None
    return origins


def frame_ancestors(origins: list[str] | None) -> str:
    """The CSP ``frame-ancestors`` directive allowing ``origins`` (``'none'`` when there are none)."""
    return "frame-ancestors " + (" ".join(origins) if origins else "'none'")
