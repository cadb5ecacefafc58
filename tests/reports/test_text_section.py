"""The report's comments section: themes with share, tone, ratings and redacted quotes, in both languages."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from analysis.engine import run_analysis
from analysis.model import ModelSpec
from analysis.text.samples import planted_comments
from reports.context import build_context
from reports.render import render_html


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    n = 240
    rng = np.random.default_rng(4)
    satisfaction = rng.integers(1, 6, n)
    loyalty = np.clip(satisfaction + rng.integers(-2, 1, n), 1, 5)
    frame = pd.DataFrame({"S1": satisfaction, "S2": satisfaction, "L1": loyalty,
                          "COMMENT": planted_comments(n, seed=4, forms={"zh": 0.8, "en": 0.2}).texts})
    spec = ModelSpec.from_dict({"constructs": {"Sat": ["S1", "S2"]}, "scale": {"min": 1, "max": 5},
                                "outcomes": {"satisfaction": "Sat", "loyalty": "L1"},
                                "text": {"columns": ["COMMENT"], "quotes": 2}})
    return run_analysis(frame, spec, min_group_size=5)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_section_lists_themes_with_ratings_and_redacted_quotes(result, lang):
    context = build_context(result, lang=lang, charts=False, redact=lambda text: "«redacted»")
    section = context["text"]
    assert any(entry["id"] == "text" for entry in context["toc"])
    question = section["questions"][0]
    assert question["themes"]
    for theme, raw in zip(question["themes"], result["text"]["questions"]["COMMENT"]["themes"], strict=True):
        assert theme["quotes"] == ["«redacted»"] * len(raw["quotes"])
        assert theme["satisfaction"]["mean"]  # every shown theme has at least k ratings here
    assert question["segment"]  # what the satisfied but not loyal write about
    assert any("jieba" in line for line in context["methods"])


def test_html_shows_the_section_and_never_the_raw_quote(result):
    html = render_html(result, lang="zh", charts=False, redact=lambda text: "[已删除]")
    assert "评论" in html and "[已删除]" in html
    first_quote = result["text"]["questions"]["COMMENT"]["themes"][0]["quotes"][0]
    assert first_quote not in html


def test_too_few_comments_shows_only_the_count(result):
    small = {**result, "text": {"k": 5, "columns": ["COMMENT"], "questions": {"COMMENT": {
        "column": "COMMENT", "k": 5, "n_comments": 3, "languages": {"zh": 3, "en": 0}, "sentiment": None,
        "themes": [], "hidden_themes": {}, "unthemed": 0, "choice": {}, "breakdowns": {}, "warnings": []}}}}
    question = build_context(small, lang="en", charts=False)["text"]["questions"][0]
    assert question["themes"] == [] and question["notes"] == ["Fewer than 5 comments: nothing about them is shown."]
