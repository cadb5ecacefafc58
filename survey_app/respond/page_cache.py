"""A survey page as rendered HTML with slots for what differs per respondent, kept per page and language.

Rendering ``respond/page.html`` was the largest single cost of a page view that shows no answers yet (each
respondent's first view of each page): about a sixth of a request's processor time under load, although the HTML
differs between respondents only in the CSRF token, the submission key and the resume link. The page is rendered
once with markers in those places, cut at the markers, and each view joins the pieces with its own values,
escaped as the template would have escaped them.

Anything else the template reads is part of the cache key: the request's URL (language links, static links,
proxy prefix), the parsed instrument (a new snapshot is a new object), the page, the language, the survey's
title and languages and the progress figures. Pages that show answers or error messages are rendered every time.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from flask import Flask, current_app, render_template, request
from markupsafe import escape

from survey_app.respond.forms import ByIdentity, PageForm
from survey_app.respond.page_tokens import page_token

TEMPLATE = "respond/page.html"
EXTENSION = "manyi_page_cache"
#: pages kept per process (about 12 kB each); the least recently shown goes first
CACHE_SIZE = 256

# markers no survey text can contain: a random part chosen per process
_MARK = f"manyi-slot-{secrets.token_hex(8)}-"
_SLOTS = ("csrf_token", "submission_key", "resume_url")
_SPLIT = re.compile("(" + "|".join(re.escape(_MARK + slot) for slot in _SLOTS) + ")")


class _Pieces:
    """Rendered HTML cut at the markers: text, slot name, text, slot name, ..., text."""

    __slots__ = ("parts",)

    def __init__(self, html: str) -> None:
        self.parts = [part[len(_MARK):] if i % 2 else part for i, part in enumerate(_SPLIT.split(html))]

    def fill(self, values: dict[str, str]) -> str:
        return "".join(values[part] if i % 2 else part for i, part in enumerate(self.parts))


class LRU:
    """A bounded mapping, safe for the threads of one worker."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, _Pieces] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> _Pieces | None:
        with self.lock:
            pieces = self.items.get(key)
            if pieces is not None:
                self.items.move_to_end(key)
            return pieces

    def put(self, key: Hashable, pieces: _Pieces) -> None:
        with self.lock:
            self.items[key] = pieces
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def __len__(self) -> int:
        return len(self.items)


def kept_pages(app: Flask) -> LRU:
    """The app's kept pages: one cache per app, so apps with other settings in one process never share pages."""
    pages = app.extensions.get(EXTENSION)
    if pages is None:
        pages = app.extensions[EXTENSION] = LRU(CACHE_SIZE)
    return pages


def render_page(form: PageForm, *, resume_url: str | None, survey_languages: list[str], **context: Any) -> str:
    """``respond/page.html`` for ``form``: from the kept pieces when the page shows no answers and no errors.

    ``context`` holds the template's other values (titles, progress, action, language), each hashable.
    """
    values = {"csrf_token": page_token(), "submission_key": form.submission_key, "resume_url": resume_url}
    if form.item_errors or form.personal or any(answer not in (None, []) for answer in form.answers.values()) \
            or current_app.jinja_env.auto_reload:
        return _render(form, survey_languages, context, values)
    key = (request.url, ByIdentity(form.instrument), form.page.id, tuple(survey_languages),
           resume_url is not None, tuple(sorted(context.items())))
    pages = kept_pages(current_app)
    pieces = pages.get(key)
    if pieces is None:
        marked = {slot: _MARK + slot for slot in _SLOTS}
        pieces = _Pieces(_render(form, survey_languages, context, {**marked, "resume_url": (
            marked["resume_url"] if resume_url is not None else None)}))
        pages.put(key, pieces)
    return pieces.fill({slot: str(escape(value or "")) for slot, value in values.items()})


def _render(form: PageForm, survey_languages: list[str], context: dict[str, Any], values: dict[str, Any]) -> str:
    token = values["csrf_token"]
    submission_key, form.submission_key = form.submission_key, values["submission_key"]
    try:
        return render_template(TEMPLATE, form=form, survey_languages=survey_languages,
                               resume_url=values["resume_url"], csrf_token=lambda: token, **context)
    finally:
        form.submission_key = submission_key
