"""What a service-profit chain linkage links: the employee and customer files and which of their columns.

:class:`LinkageInput` names the two files; the functions resolve its measures (named columns or the model's
constructs, else the model's outcomes, else conventional column names) and refuse unusable input before the
engine (:mod:`analysis.engine`) does any work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.errors import AnalysisError
from analysis.model import ModelSpec

#: The linkage needs at least this many units that have both employee and customer answers.
MIN_LINKED_UNITS = 3
#: Employee and customer measure used by the linkage when none is named: the model's satisfaction outcome, else
#: a column of this name.
DEFAULT_LINK_MEASURE = "satisfaction"


@dataclass
class LinkageInput:
    """The two files of a service-profit chain linkage and which of their columns to link."""

    #: one row per employee, with the unit column and the employee measure
    employees: pd.DataFrame
    #: one row per customer (or per unit, already aggregated), with the unit column and the customer measure
    customers: pd.DataFrame
    unit: str = "unit"
    #: columns or construct names of the model, averaged per person; None: the model's satisfaction outcome,
    #: else the column ``satisfaction``
    employee: Sequence[str] | None = None
    customer: Sequence[str] | None = None
    #: customer loyalty columns or constructs; None: the model's loyalty outcome, else a column ``loyalty``, when
    #: the customer file has them (else no loyalty link)
    customer_loyalty: Sequence[str] | None = None
    #: employees' rating of the internal service they get; None: a column ``internal_service`` when present
    internal_service: Sequence[str] | None = None


def loyalty_columns(linkage: LinkageInput, spec: ModelSpec) -> list[str] | None:
    """Customer loyalty columns: the named ones, else the model's loyalty outcome or ``loyalty``; None if absent."""
    return _optional_measure(linkage.customer_loyalty, [spec.outcomes.get("loyalty"), "loyalty"], spec,
                             linkage.customers, "--customer-loyalty")


def internal_service_columns(linkage: LinkageInput, spec: ModelSpec) -> list[str] | None:
    """Employees' internal-service columns: the named ones, else ``internal_service``; None if absent."""
    return _optional_measure(linkage.internal_service, ["internal_service"], spec, linkage.employees,
                             "--internal-service")


def measure_columns(names: Sequence[str] | None, spec: ModelSpec, frame: pd.DataFrame, what: str) -> list[str]:
    """Columns of a linkage measure: named columns or constructs (their items), or the default measure."""
    if names is None:
        satisfaction = spec.outcomes.get("satisfaction")
        candidates = [[satisfaction]] if satisfaction else []
        candidates.append([DEFAULT_LINK_MEASURE])
        for candidate in candidates:
            columns = _expand(candidate, spec)
            if all(c in frame.columns for c in columns):
                return columns
        raise AnalysisError(f"The {what} file has no column '{DEFAULT_LINK_MEASURE}'"
                            + (f" nor the items of the model's satisfaction outcome '{satisfaction}'"
                               if satisfaction else "")
                            + f"; name the {what} measure (--{what}-measure).")
    columns = _expand(list(names), spec)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AnalysisError(f"The {what} file has no column(s) {', '.join(map(repr, missing))}; its columns: "
                            f"{', '.join(map(str, frame.columns[:30]))}.")
    return columns


def _optional_measure(names: Sequence[str] | None, defaults: list[str | None], spec: ModelSpec,
                      frame: pd.DataFrame, option: str) -> list[str] | None:
    """Columns of an optional linkage measure: the named ones (which must exist), else the first default present."""
    if names is not None:
        columns = _expand(list(names), spec)
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise AnalysisError(f"{option}: the file has no column(s) {', '.join(map(repr, missing))}.")
        return columns
    for name in defaults:
        columns = _expand([name], spec) if name else []
        if columns and all(c in frame.columns for c in columns):
            return columns
    return None


def _expand(names: Sequence[str], spec: ModelSpec) -> list[str]:
    return list(dict.fromkeys(c for name in names for c in spec.constructs.get(name, [name])))


def check_linkage(linkage: LinkageInput, spec: ModelSpec) -> None:
    """Refuse a linkage whose files lack the unit column or a measure, or share fewer than 3 units."""
    for what, frame in (("employee", linkage.employees), ("customer", linkage.customers)):
        if linkage.unit not in frame.columns:
            raise AnalysisError(f"The {what} file has no unit column '{linkage.unit}' (--unit); its columns: "
                                f"{', '.join(map(str, frame.columns[:30]))}.")
        measure_columns(linkage.employee if what == "employee" else linkage.customer, spec, frame, what)
    loyalty_columns(linkage, spec)
    internal_service_columns(linkage, spec)
    linked = set(linkage.employees[linkage.unit].dropna()) & set(linkage.customers[linkage.unit].dropna())
    if len(linked) < MIN_LINKED_UNITS:
        raise AnalysisError(f"Only {len(linked)} unit(s) appear in both the employee and the customer file "
                            f"(column '{linkage.unit}'); the linkage needs at least {MIN_LINKED_UNITS}.")
