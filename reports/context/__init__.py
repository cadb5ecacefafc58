"""From an analysis RESULT dict to the plain context of the report template.

The template never computes: every number arrives here as a pre-formatted string in the report's language,
every sentence is chosen here, and the charts arrive as finished SVG. The context holds only dicts, lists and
strings, so it can be inspected, serialised and tested without rendering anything.

``meta`` carries what the RESULT does not know:

``labels``
    ``{construct or column: display text}`` (a questionnaire's construct labels and item texts in the
    report's language); names without a label are shown as they are.
``organisation``, ``survey``, ``date``
    cover lines (``date`` defaults to today).
``invited``
    how many people were invited; gives the response rate.
``population``
    ``"customers"`` or ``"employees"``; defaults to the model's ``trap.population``. Employees get the
    employee report (facets, eNPS, drivers of intent to stay, heatmap by department, HR wording).
``internal_service``
    constructs or columns that rate the service of other departments (default: a construct named
    ``InternalService`` when the model has one); shown per department in the employee report.
``disclosure``
    ``{anonymous, k, release, held_back}`` from the survey's disclosure gate: an anonymous survey's report says
    in its methods which confidentiality rule it was made under.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reports import charts as chart_module
from reports.context.base import PendingChart
from reports.context.builder import Builder
from reports.context.rules import FINDING_PARTS
from reports.errors import ReportError
from reports.messages import LANGUAGES

__all__ = ["FINDING_PARTS", "PendingChart", "build_context", "build_deferred"]


def build_context(result: Mapping[str, Any], *, lang: str, title: str | None = None,
                  meta: Mapping[str, Any] | None = None, charts: bool = True,
                  redact: Callable[[str], str] | None = None) -> dict[str, Any]:
    """The template context of the customer report for one analysis RESULT.

    Parameters
    ----------
    result : the RESULT dict of :func:`analysis.engine.run_analysis` (or RESULT.json loaded).
    lang : ``"en"`` or ``"zh"``.
    title : the report title; defaults to "Customer satisfaction report" in the language.
    meta : labels and cover details, see the module docstring.
    charts : draw the charts (SVG strings); without them every chart entry is ``None`` (for callers that
        only need the numbers and sentences, and a second faster).
    redact : applied to every quoted comment (the service passes the redaction of anonymous surveys).

    Returns
    -------
    dict
        ``lang``, ``html_lang``, ``population``, ``t`` (the static wording, with the HR wording in employee
        reports), ``title``, ``cover``, ``toc`` and one entry per section (``summary``, ``actions``,
        ``employee``, ``drivers``, ``model``, ``nps``, ``groups``, ``trends``, ``trap``, ``appendix``,
        ``methods``); a section the RESULT has nothing for is ``None`` or empty and left out of ``toc``.
    """
    context, pending = build_deferred(result, lang=lang, title=title, meta=meta, charts=charts, redact=redact)
    if not pending:
        return context
    # The charts are drawn together at the end, on several cores when there are (reports.charts.draw_all).
    drawn = chart_module.draw_all([chart.request for chart in pending])
    return _fill_charts(context, dict(zip(map(id, pending), drawn, strict=True)))


def build_deferred(result: Mapping[str, Any], *, lang: str, title: str | None = None,
                   meta: Mapping[str, Any] | None = None, charts: bool = True,
                   redact: Callable[[str], str] | None = None) -> tuple[dict[str, Any], list[PendingChart]]:
    """The context with a :class:`PendingChart` in place of each chart, and those charts in the order asked
    for (the PDF renderer draws them while WeasyPrint reads the page)."""
    if lang not in LANGUAGES:
        raise ReportError(f"Unknown report language '{lang}'; use one of {', '.join(LANGUAGES)}.")
    builder = Builder(result, lang, dict(meta or {}), charts)
    if redact is not None:
        builder.redact = redact
    return builder.build(title), builder.pending


def _fill_charts(value: Any, drawn: Mapping[int, str]) -> Any:
    if isinstance(value, PendingChart):
        return drawn[id(value)]
    if isinstance(value, dict):
        return {key: _fill_charts(item, drawn) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill_charts(item, drawn) for item in value]
    return value
