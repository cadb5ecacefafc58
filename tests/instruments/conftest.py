"""Fixtures for the instrument tests: a small valid instrument to break in many ways."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

#: A small instrument touching every rule: instrument scales, constructs, paths, conditions, Kano pair.
SMALL: dict[str, Any] = {
    "id": "small",
    "version": "1",
    "title": {"zh": "小问卷", "en": "Small survey"},
    "scales": {
        "branch": {"kind": "single", "options": [
            {"value": "north", "label": {"zh": "北区", "en": "North"}},
            {"value": "south", "label": {"zh": "南区", "en": "South"}},
        ]},
        "channels": {"kind": "multiple", "options": [
            {"value": "web", "label": {"zh": "网站", "en": "Website"}},
            {"value": "shop", "label": {"zh": "门店", "en": "Shop"}},
        ]},
        "visits": {"kind": "numeric", "min": 0, "max": 365},
    },
    "constructs": {
        "Quality": {"label": {"zh": "质量", "en": "Quality"}},
        "Satisfaction": {"label": {"zh": "满意度", "en": "Satisfaction"}},
    },
    "paths": {"Satisfaction": ["Quality"]},
    "pages": [
        {"id": "p1", "title": {"zh": "第一页", "en": "Page one"}, "items": [
            {"code": "UNIT", "text": {"zh": "哪个网点？", "en": "Which branch?"}, "scale": "branch",
             "role": "unit"},
            {"code": "Q1", "text": {"zh": "速度", "en": "Speed"}, "scale": "rating10",
             "construct": "Quality", "attribute": "speed"},
            {"code": "Q2", "text": {"zh": "礼貌", "en": "Courtesy"}, "scale": "rating10",
             "construct": "Quality", "attribute": "courtesy"},
            {"code": "Q3", "text": {"zh": "可靠", "en": "Reliability"}, "scale": "rating10",
             "construct": "Quality", "attribute": "reliability"},
            {"code": "PROBLEM", "text": {"zh": "遇到问题了吗？", "en": "Any problem?"}, "scale": "yesno",
             "role": "problem"},
            {"code": "PROBLEM_TEXT", "text": {"zh": "什么问题？", "en": "What problem?"}, "scale": "text",
             "role": "open_text", "required": False, "show_if": {"item": "PROBLEM", "in": [1]}},
        ]},
        {"id": "p2", "title": {"zh": "第二页", "en": "Page two"}, "items": [
            {"code": "SAT", "text": {"zh": "总体满意吗？", "en": "Satisfied overall?"}, "scale": "rating10",
             "role": "satisfaction", "construct": "Satisfaction"},
            {"code": "NPS", "text": {"zh": "推荐吗？", "en": "Recommend us?"}, "scale": "nps11",
             "role": "recommend"},
            {"code": "CHANNELS", "text": {"zh": "哪些渠道？", "en": "Which channels?"}, "scale": "channels",
             "role": "other", "required": False},
            {"code": "WEB_OK", "text": {"zh": "网站好用吗？", "en": "Is the website easy?"},
             "scale": "likert5", "role": "other", "show_if": {"item": "CHANNELS", "in": ["web"]}},
            {"code": "NORTH_OK", "text": {"zh": "北区好吗？", "en": "North branch good?"}, "scale": "likert5",
             "role": "other", "show_if": {"item": "UNIT", "in": ["north"]}},
            {"code": "VISITS", "text": {"zh": "来了几次？", "en": "How many visits?"}, "scale": "visits",
             "role": "other", "required": False},
            {"code": "COUNT", "text": {"zh": "几个账户？", "en": "How many accounts?"}, "scale": "numeric",
             "role": "other"},
            {"code": "KF", "text": {"zh": "如果很快？", "en": "If it were fast?"}, "scale": "kano5",
             "role": "kano_functional", "attribute": "speed"},
            {"code": "KD", "text": {"zh": "如果很慢？", "en": "If it were slow?"}, "scale": "kano5",
             "role": "kano_dysfunctional", "attribute": "speed"},
        ]},
    ],
}


@pytest.fixture
def small() -> dict[str, Any]:
    """A fresh deep copy of the small valid instrument (tests mutate it)."""
    return copy.deepcopy(SMALL)


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[..., Path]:
    """Factory: write a document (or raw YAML text) to ``<name>.yaml`` in tmp_path and return the path."""

    def _write(document: Any, name: str = "broken") -> Path:
        path = tmp_path / f"{name}.yaml"
        text = document if isinstance(document, str) else yaml.safe_dump(document, allow_unicode=True,
                                                                           sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return _write
