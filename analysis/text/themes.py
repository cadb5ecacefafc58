"""Themes of the comments to one open question: TF-IDF weighted words factorised by NMF (scikit-learn).

Each comment is a bag of content words (:mod:`analysis.text.words`), weighted by TF-IDF (sublinear term frequency,
l2-normalised rows; words in fewer than ``min_df`` comments or in more than half of them left out). Non-negative
matrix factorisation splits the comment-by-word matrix into themes (word weights) and each comment's weight on
each theme; a comment belongs to the theme it weighs most on, or to none when it has no word of the vocabulary.

**How many themes.** Every candidate number from 2 to ``max_themes`` (and at most one theme per
``MIN_COMMENTS_PER_THEME`` comments) is fitted, and the one whose themes' top words co-occur most is kept: the
mean normalised pointwise mutual information (NPMI, Bouma 2009; the coherence measure of Röder et al. 2015 with
comments as the context window) over the pairs of each theme's ``COHERENCE_TERMS`` top words, counted in the
comments themselves. A smaller number wins a tie within ``COHERENCE_TIE``. The candidates are fitted on at most
``SELECTION_SAMPLE`` comments (a seeded sample); the chosen number is then fitted on all of them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer

MIN_COMMENTS_PER_THEME = 10
#: Fewer comments with words than this give no themes at all.
MIN_COMMENTS = 20
COHERENCE_TERMS = 10
COHERENCE_TIE = 0.01
SELECTION_SAMPLE = 20_000
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
    #: candidate number of themes -> mean NPMI coherence (empty when the number was given).
    coherence: dict[int, float] = field(default_factory=dict)
    vocabulary: int = 0
    #: "coherence" (chosen by the rule above), "given" or "too few comments".
    rule: str = "coherence"

    @property
    def k(self) -> int:
        return len(self.terms)


def _identity(words: list[str]) -> list[str]:
    return words


def _vectorise(words: Sequence[list[str]]) -> tuple[sp.csr_matrix, np.ndarray]:
    min_df = max(2, math.ceil(0.0005 * len(words)))
    vectoriser = TfidfVectorizer(analyzer=_identity, min_df=min_df, max_df=0.5, sublinear_tf=True, dtype=np.float32)
    matrix = vectoriser.fit_transform(words)
    return matrix.tocsr(), vectoriser.get_feature_names_out()


def _nmf(matrix: sp.csr_matrix, k: int, seed: int) -> NMF:
    return NMF(n_components=k, init=NMF_INIT, random_state=seed, max_iter=NMF_MAX_ITER, tol=1e-4).fit(matrix)


def npmi_coherence(components: np.ndarray, matrix: sp.csr_matrix, top: int = COHERENCE_TERMS) -> float:
    """Mean NPMI over the pairs of each theme's ``top`` words, with comments as documents (-1 for pairs never seen
    together)."""
    present = (matrix > 0).astype(np.float64).tocsc()
    n = present.shape[0]
    scores = []
    for row in components:
        idx = np.argsort(row)[::-1][:top]
        sub = present[:, idx]
        both = (sub.T @ sub).toarray() / n
        single = np.diag(both)
        for a in range(len(idx)):
            for b in range(a + 1, len(idx)):
                p_ab = both[a, b]
                if p_ab <= 0:
                    scores.append(-1.0)
                elif p_ab >= 1:
                    scores.append(1.0)
                else:
                    scores.append(math.log(p_ab / (single[a] * single[b])) / -math.log(p_ab))
    return float(np.mean(scores)) if scores else -1.0


def fit_themes(words: Sequence[list[str]], *, n_themes: int | None = None, max_themes: int = DEFAULT_MAX_THEMES,
               top_terms: int = 6, seed: int = 1) -> ThemeModel:
    """Themes of comments given as word lists (:meth:`analysis.text.words.Segmenter.words`).

    Parameters
    ----------
    words : one list of content words per comment.
    n_themes : a fixed number of themes; None = chosen by NPMI coherence (module docstring).
    max_themes : the largest number tried.
    top_terms : words kept to label each theme.
    seed : NMF's and the selection sample's random state (results are identical for the same seed and data).

    Examples
    --------
    The scikit-learn recipe "Topic extraction with NMF" (TfidfVectorizer + NMF), with the number of topics chosen
    by coherence rather than fixed:

    >>> docs = [["canteen", "food"], ["food", "price"], ["salary", "raise"], ["salary", "bonus"]] * 10
    >>> fit_themes(docs, n_themes=2).k
    2
    """
    empty = np.full(len(words), -1)
    has_words = np.array([len(w) > 0 for w in words])
    if has_words.sum() < MIN_COMMENTS:
        return ThemeModel(terms=[], assignment=empty, strength=np.zeros(len(words)), rule="too few comments")
    matrix, vocabulary = _vectorise(words)
    if matrix.shape[1] < 2:
        return ThemeModel(terms=[], assignment=empty, strength=np.zeros(len(words)), rule="too few comments")
    coherence: dict[int, float] = {}
    if n_themes is None:
        upper = min(max_themes, int(has_words.sum()) // MIN_COMMENTS_PER_THEME, matrix.shape[1] - 1)
        candidates = list(range(2, max(2, upper) + 1))
        sample = matrix
        if matrix.shape[0] > SELECTION_SAMPLE:
            rows = np.random.default_rng(seed).choice(matrix.shape[0], SELECTION_SAMPLE, replace=False)
            sample = matrix[np.sort(rows)]
        for k in candidates:
            coherence[k] = npmi_coherence(_nmf(sample, k, seed).components_, sample)
        best = max(coherence.values())
        n_themes = min(k for k, value in coherence.items() if value >= best - COHERENCE_TIE)
        rule = "coherence"
    else:
        rule = "given"
    model = _nmf(matrix, n_themes, seed)
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
    return ThemeModel(terms=terms, assignment=assignment, strength=strength, coherence=coherence,
                      vocabulary=int(matrix.shape[1]), rule=rule)


def representatives(model: ThemeModel, texts: Sequence[str], theme: int, count: int) -> list[int]:
    """Indices of the ``count`` comments most typical of ``theme`` (highest weight), distinct texts only."""
    members = np.flatnonzero(model.assignment == theme)
    members = members[np.argsort(-model.strength[members], kind="stable")]
    chosen: list[int] = []
    seen: set[str] = set()
    for i in members:
        text = texts[i].strip()
        if text not in seen:
            seen.add(text)
            chosen.append(int(i))
        if len(chosen) == count:
            break
    return chosen
