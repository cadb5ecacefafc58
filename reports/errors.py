"""The error of the report renderer."""

from __future__ import annotations

from analysis.errors import AnalysisError


class ReportError(AnalysisError):
    """A report cannot be made (unknown language, no CJK font installed, ...); the message says what to do.

    A subclass of :class:`~analysis.errors.AnalysisError` so that ``python -m analysis --pdf`` prints it as
    one ``error:`` line with exit code 2 instead of a traceback.
    """
