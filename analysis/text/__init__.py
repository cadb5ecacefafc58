"""Open-text analytics in Chinese and English: words, themes, sentiment and their link to the ratings.

:func:`comment_analysis` is the entry point (one open question); :mod:`analysis.text.words`,
:mod:`analysis.text.themes` and :mod:`analysis.text.sentiment` are its parts.
"""

from analysis.text.comments import CommentResult, comment_analysis, mean_interval
from analysis.text.sentiment import load_lexicons, sentiment_labels
from analysis.text.themes import ThemeModel, fit_themes
from analysis.text.words import Segmenter, language, load_dictionary, simplified

__all__ = ["CommentResult", "Segmenter", "ThemeModel", "comment_analysis", "fit_themes", "language",
           "mean_interval", "preload", "sentiment_labels", "simplified"]


def preload() -> None:
    """Load jieba's dictionary and the sentiment lexicons into this process now rather than with its first
    comments (about 0.5 s): a report worker does so once, before forking a process per job."""
    load_dictionary()
    load_lexicons()
