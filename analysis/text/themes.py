"""Themes of the comments to one open question: TF-IDF weighted words factorised by NMF (scikit-learn).

Each comment is a bag of content words (:mod:`analysis.text.words`), weighted by TF-IDF (sublinear term frequency,
l2-normalised rows; words in fewer than ``min_df`` comments or in more than half of them left out). Non-negative
matrix factorisation splits the comment-by-word matrix into themes (word weights) and each comment's weight on
each theme; a comment belongs to the theme it weighs most on, or to none when it has no word of the vocabulary.

**How many themes.** Every candidate number from ``MIN_CANDIDATE`` (3) to ``max_themes`` (and at most one theme per
``MIN_COMMENTS_PER_THEME`` comments) is fitted, and the most stable one is kept (Greene, O'Callaghan & Cunningham
2014, "How many topics? Stability analysis for topic models"): the themes fitted on ``STABILITY_RUNS`` random
subsets of ``STABILITY_SHARE`` of the comments are matched to the themes fitted on all of them (Hungarian matching
of the Jaccard similarity of their ``STABILITY_TERMS`` top words), and the number whose themes agree best on
average wins (the smaller one on a tie). The candidates are fitted on at most ``THEME_SELECTION_SAMPLE`` comments
(a seeded sample, :mod:`analysis.sampling`); the chosen number is then fitted on all of them.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer

from analysis.parallel import one_blas_thread
from analysis.sampling import THEME_SELECTION_SAMPLE, sample_rows

MIN_COMMENTS_PER_THEME = 10
STABILITY_RUNS = 5
#: the smallest number tried: two themes come out stable on almost any data, whatever its structure
MIN_CANDIDATE = 3
STABILITY_SHARE = 0.8
STABILITY_TERMS = 10
#: Fewer comments with words than this give no themes at all.
MIN_COMMENTS = 20
DEFAULT_MAX_THEMES = 8
#: NMF settings: NNDSVD with zeros filled by the mean (deterministic given the data), Frobenius loss.
NMF_INIT = "nndsvda"
NMF_MAX_ITER = 400


@dataclass
class ThemeModel:
    """Fitted themes: top words, each comment's theme (-1 = none) and how the number of themes was chosen."""

    #: Top words of each theme, most important first; themes are ordered by the number of comments, largest first.
    terms: list[list[str]]
    #: Per comment: index into ``terms``, or -1 (no word of the vocabulary).
    assignment: np.ndarray
    #: Per comment: its weight on its own theme (0 for -1).
    strength: np.ndarray
    #: candidate number of themes -> stability (empty when the number was given).
    stability: dict[Any, float] = field(default_factory=dict)
    vocabulary: int = 0
    #: "stability" (chosen by the rule above), "given" or "too few comments".
    rule: str = "stability"
    warnings: list[str] = field(default_factory=list)

    @property
    def k(self) -> int:
        return len(self.terms)


def _identity(words: list[str]) -> list[str]:
    return words


class _RepeatedTfidf(TfidfVectorizer):
    """scikit-learn's TfidfVectorizer, counting each distinct word list once: the counts of the others are copies of
    its row (many comments repeat, and counting is a Python loop over every word of every comment). The counts,
    and so the vocabulary, document frequencies and TF-IDF weights, are those of counting every comment."""

    def _count_vocab(self, raw_documents: Sequence[Sequence[str]], fixed_vocab: bool
                     ) -> tuple[dict[str, int], sp.csr_matrix]:
        documents = list(raw_documents)
        # repeated comments usually share one word list object: find those first (without a Python loop over every
        # comment), then number the distinct word lists in order of their first comment
        objects = np.fromiter(map(id, documents), dtype=np.uintp, count=len(documents))
        _, first_of_object, object_of = np.unique(objects, return_index=True, return_inverse=True)
        first: dict[tuple[str, ...], int] = {}
        row_of_object = np.empty(len(first_of_object), dtype=np.intp)
        for j in np.argsort(first_of_object):
            row_of_object[j] = first.setdefault(tuple(documents[first_of_object[j]]), len(first))
        rows = row_of_object[object_of]
        vocabulary, counts = super()._count_vocab(list(first), fixed_vocab)
        matrix = counts[rows]
        matrix.sort_indices()  # already sorted row by row, as _count_vocab leaves them; this records it
        return vocabulary, matrix


def _vectorise(words: Sequence[list[str]]) -> tuple[sp.csr_matrix, np.ndarray]:
    min_df = max(2, math.ceil(0.0005 * len(words)))
    vectoriser = _RepeatedTfidf(analyzer=_identity, min_df=min_df, max_df=0.5, sublinear_tf=True)
    matrix = vectoriser.fit_transform(words)
    return matrix.tocsr(), vectoriser.get_feature_names_out()


def _nmf(matrix: sp.csr_matrix, k: int, seed: int) -> NMF:
    # one BLAS thread: the initialising SVDs are small, and threads spent 4x the time synchronising on 2 busy cores
    # errstate: a near-perfect fit leaves a residual of about -1e-9 by rounding, whose square root scikit-learn
    # takes for its convergence message only
    # (and non-convergence is checked by the caller that keeps the fit: fit_themes notes it in the result)
    with one_blas_thread(), np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return NMF(n_components=k, init=NMF_INIT, random_state=seed, max_iter=NMF_MAX_ITER, tol=1e-4).fit(matrix)


def _top_words(components: np.ndarray) -> list[set[int]]:
    return [set(np.argsort(row)[::-1][:STABILITY_TERMS]) for row in components]


def stability(matrix: sp.csr_matrix, k: int, seed: int) -> float:
    """Mean agreement (matched Jaccard of top words) of ``k`` themes fitted on subsets with those fitted on all."""
    return _stability(matrix, k, seed)[0]


def _stability(matrix: sp.csr_matrix, k: int, seed: int) -> tuple[float, NMF]:
    """:func:`stability` and the fit on all of ``matrix`` it compares the subsets' fits with."""
    fitted = _nmf(matrix, k, seed)
    reference = _top_words(fitted.components_)
    rng = np.random.default_rng(seed)
    size = max(k + 1, int(STABILITY_SHARE * matrix.shape[0]))
    scores = []
    for _ in range(STABILITY_RUNS):
        rows = np.sort(rng.choice(matrix.shape[0], size, replace=False))
        other = _top_words(_nmf(matrix[rows], k, seed).components_)
        jaccard = np.array([[len(a & b) / len(a | b) for b in other] for a in reference])
        r, c = linear_sum_assignment(-jaccard)
        scores.append(float(jaccard[r, c].mean()))
    return float(np.mean(scores)), fitted


def fit_themes(words: Sequence[list[str]], *, n_themes: int | None = None, max_themes: int = DEFAULT_MAX_THEMES,
               top_terms: int = 6, seed: int = 1) -> ThemeModel:
    """Themes of comments given as word lists (:meth:`analysis.text.words.Segmenter.words`).

    Parameters
    ----------
    words : one list of content words per comment.
    n_themes : a fixed number of themes; None = the most stable number (module docstring).
    max_themes : the largest number tried.
    top_terms : words kept to label each theme.
    seed : NMF's and the selection sample's random state (results are identical for the same seed and data).

    Examples
    --------
    The scikit-learn recipe "Topic extraction with NMF" (TfidfVectorizer + NMF), with the number of topics chosen
    by stability rather than fixed:

    >>> docs = [["canteen", "food"], ["food", "price"], ["salary", "raise"], ["salary", "bonus"]] * 10
    >>> fit_themes(docs, n_themes=2).k
    2
    """
    empty = np.full(len(words), -1)
    has_words = np.fromiter(map(len, words), dtype=np.intp, count=len(words)) > 0
    if has_words.sum() < MIN_COMMENTS:
        return ThemeModel(terms=[], assignment=empty, strength=np.zeros(len(words)), rule="too few comments")
    matrix, vocabulary = _vectorise(words)
    if matrix.shape[1] < 2:
        return ThemeModel(terms=[], assignment=empty, strength=np.zeros(len(words)), rule="too few comments")
    scores: dict[int, float] = {}
    fits: dict[int, NMF] = {}  # the candidates' fits on all of the selection sample
    if n_themes is None:
        upper = min(max_themes, int(has_words.sum()) // MIN_COMMENTS_PER_THEME, matrix.shape[1] - 1)
        candidates = list(range(MIN_CANDIDATE, max(MIN_CANDIDATE, upper) + 1))
        sample = matrix
        if matrix.shape[0] > THEME_SELECTION_SAMPLE:
            sample = matrix[sample_rows(matrix.shape[0], THEME_SELECTION_SAMPLE, np.random.default_rng(seed))]
        for k in candidates:
            scores[k], fit = _stability(sample, k, seed)
            if sample is matrix:
                fits[k] = fit
        n_themes = max(scores, key=lambda k: (scores[k], -k))
        rule = "stability"
    else:
        rule = "given"
    # a sample of every comment has had the chosen number fitted on all of them already (the same seeded fit)
    model = fits[n_themes] if n_themes in fits else _nmf(matrix, n_themes, seed)
    notes = []
    if model.n_iter_ >= NMF_MAX_ITER:
        notes.append(f"The theme model did not converge in {NMF_MAX_ITER} iterations; the themes are approximate.")
    with one_blas_thread(), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the fit's convergence is noted above
        weights = model.transform(matrix)
    assignment = np.where(weights.sum(axis=1) > 0, weights.argmax(axis=1), -1)
    sizes = np.bincount(assignment[assignment >= 0], minlength=n_themes)
    order = np.argsort(-sizes, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(n_themes)
    strength = np.where(assignment >= 0, weights[np.arange(len(words)), np.maximum(assignment, 0)], 0.0)
    assignment = np.where(assignment >= 0, rank[np.maximum(assignment, 0)], -1)
    terms = [[str(vocabulary[i]) for i in np.argsort(model.components_[t])[::-1][:top_terms]
              if model.components_[t, i] > 0] for t in order]
    return ThemeModel(terms=terms, assignment=assignment, strength=strength, stability=scores,
                      vocabulary=int(matrix.shape[1]), rule=rule, warnings=notes)


def fit_themes_by_language(words: Sequence[list[str]], languages: Sequence[str], **options: Any) -> ThemeModel:
    """:func:`fit_themes` on each language's comments apart (Chinese and English comments share no words, so one
    factorisation would give the minority language's comments to a theme by noise), then merged: themes ordered by
    size, ``stability`` keyed "zh:5", ``rule`` the rules of the languages that had enough comments."""
    languages = np.asarray(languages)
    assignment = np.full(len(words), -1)
    strength = np.zeros(len(words))
    parts: list[tuple[list[str], np.ndarray]] = []
    stability: dict[str, float] = {}
    rules, vocabulary, notes = [], 0, []
    for lang in sorted(set(languages.tolist())):
        rows = np.flatnonzero(languages == lang)
        model = fit_themes([words[i] for i in rows], **options)
        rules.append(f"{lang}: {model.rule}")
        stability.update({f"{lang}:{k}": v for k, v in model.stability.items()})
        vocabulary += model.vocabulary
        notes += model.warnings
        strength[rows] = model.strength
        for t, terms in enumerate(model.terms):
            parts.append((terms, rows[model.assignment == t]))
    parts.sort(key=lambda part: -len(part[1]))
    for number, (_, rows) in enumerate(parts):
        assignment[rows] = number
    rule = "too few comments" if not parts else "; ".join(rules)
    return ThemeModel(terms=[terms for terms, _ in parts], assignment=assignment, strength=strength,
                      stability=stability, vocabulary=vocabulary, rule=rule, warnings=notes)


def _normalised(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).lower()


def representatives(model: ThemeModel, texts: Sequence[str], theme: int, count: int) -> list[int]:
    """Indices of the ``count`` comments most typical of ``theme`` (highest weight), distinct texts only."""
    members = np.flatnonzero(model.assignment == theme)
    members = members[np.argsort(-model.strength[members], kind="stable")]
    chosen: list[int] = []
    seen: set[str] = set()
    read: set[str] = set()
    for i in members:
        if texts[i] in read:  # a repeated comment was already taken or already matched a quote
            continue
        read.add(texts[i])
        text = _normalised(texts[i])  # "工资太低！" and "工资太低。" are one quote
        if text not in seen:
            seen.add(text)
            chosen.append(int(i))
        if len(chosen) == count:
            break
    return chosen
