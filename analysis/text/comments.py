"""Comment analytics of one open question: themes, sentiment, the link to the ratings, breakdowns by group.

What is shown follows the disclosure rule of every other breakdown (:func:`analysis.confidentiality.
suppress_groups`, minimum group size k with complementary suppression): a theme, a unit, a wave or a trap
segment is a group of commenters, and a group of fewer than k of them - or one whose figures would give such a
group away - is hidden. A mean rating of a theme's commenters comes with its 95 % t interval (statsmodels
``DescrStatsW.tconfint_mean``) only where the interval is sound: at least k and at least two ratings that are
not all equal. Quotes pass through ``redact`` (identity unless the caller hides identifying content).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.weightstats import DescrStatsW

from analysis.confidentiality import DEFAULT_MIN_GROUP_SIZE, suppress_groups
from analysis.data import text_labels
from analysis.text.sentiment import LABELS, sentiment_labels
from analysis.text.themes import DEFAULT_MAX_THEMES, ThemeModel, fit_themes_by_language, representatives
from analysis.text.words import Segmenter, language

#: The ratings a theme is linked to (the model's ``outcomes``).
RATINGS = ("satisfaction", "loyalty")
DEFAULT_QUOTES = 3


@dataclass
class CommentResult:
    """Themes and sentiment of the comments to one open question, all groups of at least ``k`` commenters."""

    column: str
    k: int
    #: respondents who wrote something (blank and whitespace-only answers are no comment)
    n_comments: int
    #: "zh" / "en" -> number of comments in that language
    languages: dict[str, int]
    #: label -> {n, share} over all comments (None when there are fewer than k comments)
    sentiment: dict[str, dict[str, float]] | None
    #: shown themes, largest first: theme (1-based), terms, n, share, sentiment {label: share}, ratings
    #: {satisfaction|loyalty: {n, mean, ci_low, ci_high}} and quotes (redacted)
    themes: list[dict[str, Any]]
    #: themes hidden because of their size: theme number -> "small" or "complementary"
    hidden_themes: dict[str, str]
    #: comments with no word of the vocabulary (too short or only stop words)
    unthemed: int
    #: how the number of themes was chosen: rule, candidate -> stability, vocabulary size
    choice: dict[str, Any]
    #: name (unit, wave, segment) -> {by, groups: {level: {n, themes: {theme: share}, sentiment: {label: share}}},
    #: hidden: {level: reason}}
    breakdowns: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _identity(text: str) -> str:
    return text


def mean_interval(values: np.ndarray, k: int) -> dict[str, Any] | None:
    """Mean and 95 % t interval of ``values`` (NaN dropped): None under k values; no interval when it is not
    sound (fewer than two values, or all of them equal)."""
    values = values[~np.isnan(values)]
    if len(values) < k:
        return None
    stats = DescrStatsW(values)
    low = high = None
    if len(values) >= 2 and stats.std > 0:
        low, high = (float(v) for v in stats.tconfint_mean(alpha=0.05))
    return {"n": int(len(values)), "mean": float(stats.mean), "ci_low": low, "ci_high": high}


def _label_counts(label_codes: np.ndarray) -> np.ndarray:
    """Comments per label of LABELS, from each comment's label position (-1, no label of LABELS, is not counted)."""
    return np.bincount(label_codes[label_codes >= 0], minlength=len(LABELS))


def _label_shares(label_codes: np.ndarray) -> dict[str, float]:
    """Share of each label of LABELS among the comments (no comments: every share 0)."""
    counts = _label_counts(label_codes)
    total = max(len(label_codes), 1)
    return {label: float(counts[j]) / total for j, label in enumerate(LABELS)}


def comment_analysis(comments: pd.Series, *, ratings: pd.DataFrame | None = None,
                     groups: Mapping[str, pd.Series] | None = None, k: int = DEFAULT_MIN_GROUP_SIZE,
                     terms: Sequence[str] = (), n_themes: int | None = None, max_themes: int = DEFAULT_MAX_THEMES,
                     quotes: int = DEFAULT_QUOTES, seed: int = 1, force_language: str | None = None,
                     redact: Callable[[str], str] = _identity) -> CommentResult:
    """Themes, sentiment and ratings of the commenters of one open question.

    Parameters
    ----------
    comments : one answer per respondent (index = respondent); empty and missing answers are no comment.
    ratings : columns ``satisfaction`` and/or ``loyalty`` on the same index (numbers; NaN = not answered).
    groups : name -> group label per respondent (same index), e.g. {"unit": ..., "wave": ..., "segment": ...}.
    k : minimum group size (:func:`analysis.confidentiality.suppress_groups`).
    terms : questionnaire words kept whole by the Chinese segmenter (item texts, construct and unit names).
    n_themes, max_themes, seed : see :func:`analysis.text.themes.fit_themes`.
    quotes : representative comments per theme.
    force_language : "zh" or "en" scores every comment with that language's scorer; None decides per comment.
    redact : applied to every quote.

    Examples
    --------
    The ratings link equals statsmodels' ``DescrStatsW(x).tconfint_mean()`` per theme, R's
    ``t.test(x)$conf.int``.

    >>> texts = pd.Series(["canteen food is cold", "canteen food is bland", "salary is too low",
    ...                    "salary raise please"] * 10)
    >>> result = comment_analysis(texts, n_themes=2)
    >>> [theme["n"] for theme in result.themes]
    [20, 20]
    """
    # many comments repeat ("无", "很好"): each distinct answer is stripped, and each distinct text segmented and
    # scored, once (a comment's words, language and sentiment depend on its text alone); each comment refers to
    # its text by number, the texts numbered in order of their first comment
    raw_codes, raw_texts = pd.factorize(comments if isinstance(comments.dtype, pd.StringDtype)
                                        else comments.astype("string"))
    number: dict[str, int] = {}
    renumber = np.full(len(raw_texts) + 1, -1)  # the last entry is for a missing answer (code -1)
    for j, raw in enumerate(raw_texts):
        stripped = str(raw).strip()
        if stripped:  # a blank or whitespace-only answer is no comment
            renumber[j] = number.setdefault(stripped, len(number))
    codes = renumber[raw_codes]
    commented = codes >= 0
    index = comments.index[commented]
    codes = codes[commented].tolist()
    unique = list(number)
    notes: list[str] = []
    segmenter = Segmenter(terms=terms)
    distinct_tokens = segmenter.all_tokens(unique)
    distinct_words = [segmenter.content(tokens) for tokens in distinct_tokens]
    words = [distinct_words[c] for c in codes]
    distinct_langs = [force_language or language(t) or "en" for t in unique]
    langs = [distinct_langs[c] for c in codes]
    distinct_labels, _ = sentiment_labels(unique, distinct_tokens, languages=distinct_langs)
    # each comment's label as its position in LABELS (-1: none of them)
    label_codes = np.array([LABELS.index(label) if label in LABELS else -1 for label in distinct_labels],
                           dtype=np.intp)[codes]
    n = len(codes)
    model: ThemeModel = fit_themes_by_language(words, langs, n_themes=n_themes, max_themes=max_themes, seed=seed)
    choice = {"rule": model.rule, "stability": {str(c): v for c, v in model.stability.items()},
              "vocabulary": model.vocabulary, "themes_found": model.k}
    result = CommentResult(column=str(comments.name), k=k, n_comments=n,
                           languages={"zh": langs.count("zh"), "en": langs.count("en")}, sentiment=None,
                           themes=[], hidden_themes={}, unthemed=int((model.assignment < 0).sum()), choice=choice,
                           warnings=notes)
    notes += model.warnings
    if n < k:
        notes.append(f"Only {n} comments (fewer than k = {k}): nothing about them is shown.")
        return result
    counts = _label_counts(label_codes)
    result.sentiment = {label: {"n": int(counts[j]), "share": float(counts[j]) / n} for j, label in enumerate(LABELS)}
    if not model.terms:
        notes.append(f"Too few comments with words ({n}) to find themes.")
        return result
    suppression = suppress_groups({str(t + 1): int((model.assignment == t).sum()) for t in range(model.k)}, k=k)
    result.hidden_themes = dict(suppression.hidden)
    rating_frame = None if ratings is None else ratings.reindex(index)
    texts = [unique[c] for c in codes]
    for t in range(model.k):
        if not suppression.is_shown(str(t + 1)):
            continue
        members = model.assignment == t
        entry: dict[str, Any] = {
            "theme": t + 1, "terms": model.terms[t], "n": int(members.sum()), "share": float(members.mean()),
            "sentiment": _label_shares(label_codes[members]),
            "ratings": {},
            "quotes": [redact(texts[i]) for i in representatives(model, texts, t, quotes)],
        }
        if rating_frame is not None:
            for role in RATINGS:
                if role in rating_frame.columns:
                    values = pd.to_numeric(rating_frame[role], errors="coerce").to_numpy(dtype=float)[members]
                    entry["ratings"][role] = mean_interval(values, k)
        result.themes.append(entry)
    if result.hidden_themes:
        notes.append(f"{len(result.hidden_themes)} theme(s) with fewer than k = {k} comments (or that would give "
                     "one away) are not shown.")
    shown = [entry["theme"] for entry in result.themes]
    for name, series in (groups or {}).items():
        result.breakdowns[name] = _breakdown(series.reindex(index), model.assignment, label_codes, shown, k)
    return result


def _breakdown(levels: pd.Series, theme_of: np.ndarray, label_codes: np.ndarray, shown: list[int],
               k: int) -> dict[str, Any]:
    """Theme and sentiment shares per group level, groups of fewer than k commenters hidden (with complements).

    ``theme_of`` and ``label_codes`` hold each comment's theme (-1: none) and its label's position in LABELS.
    """
    levels = text_labels(levels)
    # levels in order of their first comment, as value_counts(sort=False) gives them
    positions, names = pd.factorize(levels)
    counts = dict(zip(map(str, names), np.bincount(positions[positions >= 0], minlength=len(names)).tolist(),
                      strict=True))
    suppression = suppress_groups(counts, k=k)
    out: dict[str, Any] = {"by": str(levels.name), "groups": {}, "hidden": dict(suppression.hidden)}
    position_of = {name: j for j, name in enumerate(counts)}
    for level in sorted(suppression.shown):
        rows = positions == position_of[level]
        themes = theme_of[rows]
        out["groups"][level] = {
            "n": int(rows.sum()),
            "themes": {str(t): float((themes == t - 1).mean()) for t in shown},
            "sentiment": _label_shares(label_codes[rows]),
        }
    return out
