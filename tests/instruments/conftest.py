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


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


#: An instrument using every logic form: welcome and end pages, a skip to the end and to a later page, combined
#: and numeric conditions, piping of an answer and of the unit, shuffled items and options, a matrix.
LOGIC: dict[str, Any] = {
    "id": "logic",
    "version": "1",
    "title": _t("逻辑问卷", "Logic survey"),
    "welcome": {"text": _t("感谢您抽出时间。", "Thank you for your time."), "minutes": 4,
                "privacy": _t("您的回答只用于改进服务。", "Your answers are used only to improve our service.")},
    "end": {"text": _t("您的意见已送达门店经理。", "Your views go to the branch manager.")},
    "scales": {
        "branch": {"kind": "single", "options": [
            {"value": "north", "label": _t("北区", "North")},
            {"value": "south", "label": _t("南区", "South")},
        ]},
        "channels": {"kind": "multiple", "randomize_options": True, "options": [
            {"value": "web", "label": _t("网站", "Website")},
            {"value": "app", "label": _t("手机应用", "App")},
            {"value": "shop", "label": _t("门店", "Shop")},
            {"value": "phone", "label": _t("电话", "Phone")},
        ]},
        "visits": {"kind": "numeric", "min": 0, "max": 365},
    },
    "pages": [
        {"id": "start", "title": _t("关于您", "About you"), "items": [
            {"code": "BRANCH", "text": _t("您通常去哪个网点？", "Which branch do you use?"), "scale": "branch",
             "role": "unit"},
            {"code": "NICK", "text": _t("我们怎么称呼您？", "What may we call you?"), "scale": "text",
             "role": "other", "required": False},
            {"code": "USED", "text": _t("过去一年您用过我们的服务吗？", "Have you used our service in the last year?"),
             "scale": "yesno", "role": "other"},
        ], "skip_to": [{"if": {"item": "USED", "in": [0]}, "to": "end"}]},
        {"id": "visits", "title": _t("您的到访", "Your visits"), "randomize": True,
         "intro": _t("以下问题关于{{unit}}。", "These questions are about {{unit}}."), "items": [
            {"code": "VISITS", "text": _t("去年您来了几次？", "How many visits last year?"), "scale": "visits",
             "role": "other"},
            {"code": "CHANNELS", "text": _t("您使用哪些渠道？", "Which channels do you use?"), "scale": "channels",
             "role": "other", "required": False},
            {"code": "FIRST", "text": _t("这是您第一年来吗？", "Is this your first year with us?"), "scale": "yesno",
             "role": "other", "required": False},
        ], "skip_to": [{"if": {"item": "VISITS", "lt": 2}, "to": "overall"}]},
        {"id": "ratings", "title": _t("评分", "Ratings"),
         "intro": _t("您去年来了{{answer:VISITS}}次。", "You came {{answer:VISITS}} times last year."),
         "matrices": {"M": {"text": _t("您如何评价{{unit}}的以下方面？", "How do you rate {{unit}} on the following?"),
                            "help": _t("每行选一项。", "One answer per row.")}},
         "items": [
            {"code": "R_SPEED", "text": _t("服务速度", "Speed of service"), "scale": "likert5", "matrix": "M",
             "construct": "Quality"},
            {"code": "R_STAFF", "text": _t("员工态度", "Friendliness of staff"), "scale": "likert5", "matrix": "M",
             "construct": "Quality"},
            {"code": "R_PRICE", "text": _t("价格", "Prices"), "scale": "likert5", "matrix": "M",
             "construct": "Quality"},
            {"code": "WEB_EASE", "text": _t("网站好用吗？", "Is the website easy to use?"), "scale": "likert5",
             "role": "other", "show_if": {"all": [{"item": "CHANNELS", "contains": ["web"]},
                                                  {"item": "VISITS", "ge": 2}]}},
        ]},
        {"id": "overall", "title": _t("总体", "Overall"), "items": [
            {"code": "SAT", "text": _t("{{answer:NICK}}，总体而言您有多满意？",
                                       "{{answer:NICK}}, overall how satisfied are you?"),
             "scale": "rating10", "role": "satisfaction",
             "help": _t("您用的渠道：{{answer:CHANNELS}}", "Channels you use: {{answer:CHANNELS}}")},
            {"code": "WHY", "text": _t("哪里可以改进？", "What could we do better?"), "scale": "text",
             "role": "open_text", "required": False,
             "show_if": {"any": [{"item": "SAT", "between": [1, 6]}, {"not": {"item": "NICK", "answered": True}}]}},
        ]},
    ],
    "constructs": {"Quality": {"label": _t("质量", "Quality")}},
}


@pytest.fixture
def logic() -> dict[str, Any]:
    """A fresh deep copy of the logic instrument (tests mutate it)."""
    return copy.deepcopy(LOGIC)
