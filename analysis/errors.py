"""The error shared by the analysis modules (caveats go into each result's ``warnings`` list instead)."""

from __future__ import annotations


class AnalysisError(ValueError):
    """Input the analysis cannot use; the message names the column, construct or limit to fix."""
