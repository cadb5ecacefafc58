"""Stored JSON documents as Python values: orjson's speed with :mod:`json`'s reach."""

from __future__ import annotations

import json
from typing import Any

import orjson


def loads(text: str | bytes) -> Any:
    """JSON text parsed by orjson (several times faster), or by :mod:`json` for what orjson does not read (NaN, a
    number beyond 64 bits): the value ``json.loads`` gives either way."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def decode_document(raw: object) -> dict:
    """A stored JSON document as a dict: SQLite hands back its text, psycopg an already-decoded dict."""
    if isinstance(raw, (str, bytes)):
        return loads(raw)
    return raw or {}
