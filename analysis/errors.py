"""Errors and warnings shared by the analysis modules."""

from __future__ import annotations


class AnalysisError(ValueError):
    """Input the analysis cannot use; the message names the column, construct or limit to fix."""


class AnalysisWarning(UserWarning):
    """Something the user should know about a result (small n, non-convergence, ...)."""
