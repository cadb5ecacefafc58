"""The comments section ("What people write"): themes of each open question with their share, tone, the ratings
of those who wrote about them and redacted quotes, and what the satisfied but not loyal write about (from the
RESULT's ``text``; every group there already has at least k commenters)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reports.context.base import BuilderBase
from reports.context.format import _int, _num, _pct

#: Themes named per segment line.
SEGMENT_THEMES = 2


def _unchanged(text: str) -> str:
    return text


class TextSection(BuilderBase):
    """What people write (a part of the report context's builder)."""

    #: applied to every quote (build_context's ``redact``; the service passes the anonymous surveys' redaction)
    redact: Callable[[str], str] = staticmethod(_unchanged)

    def text(self) -> dict[str, Any] | None:
        block = self.result.get("text")
        if not isinstance(block, dict) or not block.get("questions"):
            return None
        questions = [self._question(q) for q in block["questions"].values() if isinstance(q, dict) and "error" not in q]
        if not questions:
            return None
        return {"intro": self.t("text_intro"), "questions": questions}

    def text_methods(self) -> str | None:
        block = self.result.get("text")
        if not isinstance(block, dict) or not block.get("questions"):
            return None
        return self.t("text_methods", k=_int(block.get("k")))

    def _question(self, q: Mapping[str, Any]) -> dict[str, Any]:
        k = _int(q.get("k"))
        languages = q.get("languages") or {}
        out: dict[str, Any] = {
            "column": q.get("column"),
            "title": self.t("text_question", question=self.label(str(q.get("column"))), n=_int(q.get("n_comments")),
                            zh=_int(languages.get("zh")), en=_int(languages.get("en"))),
            "sentiment": None, "themes": [], "notes": [], "segment": None,
        }
        sentiment = q.get("sentiment")
        if not sentiment:
            out["notes"].append(self.t("text_too_few", k=k))
            return out
        out["sentiment"] = self.t("text_sentiment_line", **{label: _pct(sentiment[label]["share"])
                                                             for label in ("positive", "neutral", "negative")})
        if not q.get("themes") and not q.get("hidden_themes"):
            out["notes"].append(self.t("text_no_themes"))
        for theme in q.get("themes") or []:
            ratings = theme.get("ratings") or {}
            terms = " · ".join(theme.get("terms") or [])
            out["themes"].append({
                "number": theme["theme"], "terms": terms, "n": _int(theme["n"]),
                "share": _pct(theme.get("share")),
                "tone": f"{_pct(theme['sentiment']['positive'])} / {_pct(theme['sentiment']['negative'])}",
                "satisfaction": self._rating(ratings.get("satisfaction")),
                "loyalty": self._rating(ratings.get("loyalty")),
                "quotes": [self.redact(quote) for quote in theme.get("quotes") or []],
                "quotes_title": self.t("text_quotes", theme=theme["theme"]),
            })
        if q.get("hidden_themes"):
            out["notes"].append(self.t("text_hidden", n=len(q["hidden_themes"]), k=k))
        out["has_loyalty"] = any(theme["loyalty"] for theme in out["themes"])
        out["segment"] = self._segment(q, k)
        return out

    def _rating(self, block: Mapping[str, Any] | None) -> dict[str, str] | None:
        if not block:
            return None
        interval = (block.get("ci_low"), block.get("ci_high"))
        return {"mean": _num(block.get("mean"), 2), "ci": self.ci_text(interval, 2)}

    def _segment(self, q: Mapping[str, Any], k: str) -> str | None:
        """One line on the mercenaries' (or the employees' "satisfied but leaving") commonest themes."""
        segment = (q.get("breakdowns") or {}).get("segment")
        if not segment:
            return None
        group = self.t("seg_mercenary")
        entry = (segment.get("groups") or {}).get("mercenary")
        if not entry:
            return self.t("text_segment_none", k=k, group=group)
        overall = {str(theme["theme"]): theme.get("share") for theme in q.get("themes") or []}
        top = sorted(entry["themes"].items(), key=lambda item: -item[1])[:SEGMENT_THEMES]
        themes = self.t("list_sep").join(self.t("text_theme_share", theme=t, share=_pct(share)) for t, share in top)
        rest = self.t("list_sep").join(self.t("text_theme_share", theme=t, share=_pct(overall.get(t)))
                                       for t, _ in top)
        return self.t("text_segment_line", group=group, themes=themes, n=_int(entry["n"]), overall=rest)
