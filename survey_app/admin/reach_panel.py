"""What the console's "QR codes, posters and embedding" section of a survey page shows (plain values)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import url_for

from survey_app.extensions import db
from survey_app.models import Survey
from survey_app.services.invitations import has_invitations
from survey_app.services.posters import POSTER_LANGUAGES, open_link, unit_codes

#: the snippet a site pastes to show the survey: an iframe that grows with the page (static/embed.js tells it the
#: height), listening to messages of the survey's own origin from that iframe only
SNIPPET = """<iframe id="manyi-{slug}" src="{link}" title="{title}"
        style="width:100%;min-height:480px;border:0"></iframe>
<script>
window.addEventListener("message", function (event) {{
  var frame = document.getElementById("manyi-{slug}");
  if (event.origin !== "{origin}" || event.source !== frame.contentWindow) return;
  if (event.data && event.data.manyi === "height") frame.style.height = event.data.height + "px";
}});
</script>"""


def reach_panel(survey: Survey, base_url: str, lang: str) -> dict[str, Any]:
    """The section's values: the open link's QR codes and posters, each unit's, and the embedding snippet."""
    link = open_link(base_url, survey)
    parts = urlsplit(base_url)
    posters = {code: url_for("admin.poster", slug=survey.slug, lang=code) for code in POSTER_LANGUAGES}
    return {
        "link": link,
        "qr": {fmt: url_for("admin.qr", slug=survey.slug, fmt=fmt) for fmt in ("png", "svg")},
        "posters": posters,
        "unit_posters": {code: url_for("admin.unit_posters", slug=survey.slug, lang=code)
                         for code in POSTER_LANGUAGES},
        "units": [{"code": unit.code, "depth": unit.depth, "name": unit.names[lang], "link": unit.link,
                   "qr": {fmt: url_for("admin.qr", slug=survey.slug, fmt=fmt, unit=unit.code)
                          for fmt in ("png", "svg")},
                   "posters": {code: url_for("admin.poster", slug=survey.slug, lang=code, unit=unit.code)
                               for code in POSTER_LANGUAGES}}
                  for unit in unit_codes(survey, base_url)],
        # an anonymous survey with personal links takes answers through them only: posters would answer 403
        "links_only": survey.anonymous and has_invitations(db.session.connection(), survey.id),
        "origins": "\n".join(survey.frame_origins or ()),
        "snippet": SNIPPET.format(slug=survey.slug, link=link, title=survey.title_in(lang).replace('"', "&quot;"),
                                  origin=f"{parts.scheme}://{parts.netloc}") if survey.frame_origins else None,
    }
