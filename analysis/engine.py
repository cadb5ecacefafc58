"""The analysis engine: one call from a response table and a model to the complete RESULT dict.

:func:`run_analysis` prepares the data (:mod:`analysis.data`), then runs every analysis the model asks for -
construct reliability, exploratory factor analysis, the PLS path model, key-driver analyses, NPS and group
comparisons - and gathers their results and warnings into one JSON-ready dict (``docs/analysis.md`` documents
its keys).

Each part fails soft: an :class:`~analysis.errors.AnalysisError` inside one part (say, perfectly collinear
predictors in one driver analysis) becomes ``"error": message`` in that part and a sentence in ``warnings``,
and the other parts still run. Only when the input as a whole is unusable - the data does not fit the model,
or not one requested analysis could be computed - does :func:`run_analysis` raise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analysis.data import PreparedData, prepare
from analysis.drivers import key_drivers
from analysis.efa import efa
from analysis.errors import AnalysisError
from analysis.groups import compare_groups
from analysis.jsonable import to_jsonable
from analysis.measurement import construct_summary
from analysis.model import DEFAULT_SEED, DriverSpec, ModelSpec
from analysis.nps import nps
from analysis.pls import pls_pm
from analysis.trap_analysis import trap_from_model

#: Above this many respondents each bootstrap resample draws ``BOOTSTRAP_SUBSAMPLE`` rows instead of all of
#: them: bootstrap intervals shrink like 1/sqrt(n), so at 20,000 rows they are already far narrower than any
#: difference worth reporting, and the run stays within seconds. The point estimates always use every row.
LARGE_N = 100_000
BOOTSTRAP_SUBSAMPLE = 20_000
#: EFA needs at least this many items in a set.
MIN_EFA_ITEMS = 3

Progress = Callable[[str], None]
#: Failures that end one part of the run but not the others: unusable input for that part, and numerical
#: breakdowns of the linear algebra on degenerate data (which the part's own checks did not anticipate).
PART_ERRORS = (AnalysisError, np.linalg.LinAlgError, FloatingPointError, ZeroDivisionError)


def run_analysis(df: pd.DataFrame, spec: ModelSpec, *, by: str | None = None,
                 progress: Progress | None = None, customers: pd.DataFrame | None = None,
                 customer_id: str = "customer_id") -> dict[str, Any]:
    """Run every analysis ``spec`` asks for on ``df`` and return the RESULT dict (JSON-ready).

    Parameters
    ----------
    df : one row per respondent, one column per item.
    spec : the analysis model (:func:`analysis.model.load_model`).
    by : a grouping column: adds ``groups`` (per group n, means, indices, NPS and tests).
    progress : called with a short message before each step (the CLI prints them on stderr).
    customers, customer_id : a customer file (:func:`analysis.clv.normalize_customers` columns) joined to the
        respondents on ``customer_id`` in the satisfaction-trap part (``trap.behaviour``).

    Returns
    -------
    dict
        ``n``, ``n_used``, ``missing``, ``warnings``, ``model``, ``items``, ``constructs`` and, as requested,
        ``efa``, ``pls``, ``drivers``, ``nps``, ``groups``, ``trap``; NaN is ``None``.

    Raises
    ------
    AnalysisError
        When the data does not fit the model (unknown columns, non-numeric or out-of-scale cells, too few
        respondents) or when not one of the requested analyses could be computed.

    Examples
    --------
    The whole pipeline that R users assemble from ``psych::alpha``, ``psych::fa``, ``seminr::estimate_pls``
    and ``relaimpo::calc.relimp``:

    >>> from analysis.model import DriverSpec, ModelSpec
    >>> spec = ModelSpec.from_dict({"constructs": {"Quality": ["Q1", "Q2", "Q3"], "Loyalty": ["L1", "L2"]},
    ...                             "paths": {"Loyalty": ["Quality"]}, "scale": {"min": 1, "max": 5}})
    >>> result = run_analysis(df, spec)  # doctest: +SKIP
    >>> result["pls"]["paths"]["Quality->Loyalty"]  # doctest: +SKIP
    """
    say: Progress = progress or (lambda message: None)
    # The work is thousands of small matrix operations (bootstrap resamples, parallel-analysis draws), where
    # multi-threaded BLAS spends more time synchronising than computing: one thread was 2-3x faster end to end
    # on 100k x 40 on two cores, and far faster when the cores are shared.
    with threadpool_limits(limits=1, user_api="blas"):
        say(f"Checking {len(df):,} rows against the model")
        prepared = prepare(df, spec, by=by)
        run = _Run(spec, prepared, say)
        run.raw, run.customers, run.customer_id = df, customers, customer_id
        return run.result()


class _Run:
    """One engine run: the prepared data, the results so far and the warnings of every part."""

    def __init__(self, spec: ModelSpec, prepared: PreparedData, say: Progress) -> None:
        self.spec = spec
        self.prepared = prepared
        self.data = prepared.data
        self.say = say
        self.warnings: list[str] = [f"Data: {w}" for w in prepared.warnings]
        self.succeeded = 0
        self.failures: list[str] = []
        self.subsample: int | None = None
        # Set by run_analysis: the table as read (for columns the model does not analyse) and the customer file.
        self.raw: pd.DataFrame | None = None
        self.customers: pd.DataFrame | None = None
        self.customer_id = "customer_id"
        if prepared.n_used > LARGE_N:
            self.subsample = BOOTSTRAP_SUBSAMPLE
            self.warnings.append(
                f"Bootstrap: with {prepared.n_used:,} respondents each bootstrap resample draws "
                f"{BOOTSTRAP_SUBSAMPLE:,} rows (bootstrap_subsample, an m-out-of-n bootstrap whose spread is "
                "rescaled to the full sample); the estimates themselves use every respondent."
            )
        self.scores = self._construct_scores()
        if spec.constructs and not prepared.scales:
            self.warnings.append("Data: the model gives no answer scale ('scale:' or 'scales:'), so "
                                 "answers are not range-checked and no 0-100 indices are computed.")

    # -- bookkeeping -------------------------------------------------------------------------------
    def collect(self, part: str, result: Any) -> dict[str, Any]:
        """JSON form of a module result; its warnings are also added, prefixed, to the run's warnings."""
        out = to_jsonable(result)
        # Each part keeps its own warnings (for the report) and the run lists them all, prefixed.
        out["warnings"] = out.get("warnings") or []
        self.warnings.extend(f"{part}: {warning}" for warning in out["warnings"])
        self.succeeded += 1
        return out

    def _note(self, part: str, out: dict[str, Any], sentence: str) -> None:
        """A caveat the engine itself adds to a part."""
        out["warnings"].append(sentence)
        self.warnings.append(f"{part}: {sentence}")

    def fail(self, part: str, error: Exception, **context: Any) -> dict[str, Any]:
        message = str(error)
        if not isinstance(error, AnalysisError):
            message = f"the computation broke down on this data ({type(error).__name__}: {error})."
        self.warnings.append(f"{part}: {message}")
        self.failures.append(f"{part}: {message}")
        return {**to_jsonable(context), "error": message}

    # -- the result --------------------------------------------------------------------------------
    def result(self) -> dict[str, Any]:
        spec, prepared = self.spec, self.prepared
        out: dict[str, Any] = {
            "n": prepared.n,
            "n_used": prepared.n_used,
            "missing": prepared.missing,
            "warnings": self.warnings,
            "model": spec.to_dict(),
            "bootstrap_subsample": self.subsample,
            "items": self._items(),
            "constructs": self._constructs(),
        }
        efa_result = self._efa()
        if efa_result:
            out["efa"] = efa_result
        if spec.paths:
            out["pls"] = self._pls()
        if spec.drivers:
            out["drivers"] = [self._driver(i, driver) for i, driver in enumerate(spec.drivers)]
        if spec.recommend:
            out["nps"] = self._nps(self.data.index)
        if prepared.by is not None:
            out["groups"] = self._groups()
        if "satisfaction" in spec.outcomes and "loyalty" in spec.outcomes:
            out["trap"] = self._trap()
        if self.failures and not self.succeeded:
            raise AnalysisError("No analysis could be computed. " + " ".join(self.failures))
        return to_jsonable(out)

    # -- construct scores --------------------------------------------------------------------------
    def _construct_scores(self) -> pd.DataFrame:
        """Equal-weight construct scores: the row mean of the (reverse-keyed) items.

        With pairwise missing handling a respondent's score is the mean of the items they answered.
        """
        frame = self.data
        scores = {name: frame[items].mean(axis=1, skipna=True)
                  for name, items in self.spec.constructs.items()}
        return pd.DataFrame(scores, index=frame.index)

    def _construct_scale(self, name: str) -> tuple[float, float] | None:
        """The common scale of a construct's items, or None if they have none or differ."""
        found = {self.prepared.scales.get(item) for item in self.spec.constructs[name]}
        return found.pop() if len(found) == 1 else None

    def _scale_of(self, name: str) -> tuple[float, float] | None:
        if name in self.spec.constructs:
            return self._construct_scale(name)
        return self.prepared.scales.get(name)

    def _series(self, name: str) -> pd.Series:
        """A construct's score or a raw column, by name (constructs win over columns of the same name)."""
        if name in self.spec.constructs:
            return self.scores[name]
        return self.data[name]

    # -- items and constructs ----------------------------------------------------------------------
    def _items(self) -> dict[str, Any]:
        frame = self.data[self.prepared.columns]
        described = pd.DataFrame({
            "n": frame.count(),
            "mean": frame.mean(),
            "sd": frame.std(ddof=1),
            "min": frame.min(),
            "max": frame.max(),
            "missing": pd.Series(self.prepared.missing["by_column"]),
        })
        return to_jsonable(described)

    def _constructs(self) -> dict[str, Any]:
        if not self.spec.constructs:
            return {}
        self.say(f"Reliability of {len(self.spec.constructs)} construct(s)")
        missing = "pairwise" if self.prepared.missing["method"] == "pairwise" else "listwise"
        out = {}
        for name, items in self.spec.constructs.items():
            part = f"Construct '{name}'"
            scale = self._construct_scale(name)
            if scale is None and any(item in self.prepared.scales for item in items):
                self.warnings.append(f"{part}: its items have different scales, so no 0-100 index is given.")
            try:
                summary = construct_summary(self.data, items, scale=scale, missing=missing)
            except PART_ERRORS as error:
                out[name] = self.fail(part, error, items=items)
                continue
            out[name] = self.collect(part, summary)
        return out

    # -- EFA ---------------------------------------------------------------------------------------
    def _efa(self) -> dict[str, Any]:
        spec = self.spec.efa
        # A constant item has no correlations; leave it out rather than lose the whole factor analysis.
        constant = {c for c in self.prepared.items if not self.data[c].std(ddof=0) > 0}
        sets: list[tuple[str, str, list[str]]] = []
        usable = [c for c in self.prepared.items if c not in constant]
        if spec.all_items and len(usable) >= MIN_EFA_ITEMS:
            sets.append(("all_items", "EFA (all items)", usable))
            if constant:
                self.warnings.append(f"EFA (all items): constant item(s) {', '.join(sorted(constant))} "
                                     "left out.")
        requested = list(self.spec.constructs) if spec.constructs is True else (spec.constructs or [])
        per_construct: dict[str, Any] = {}
        for name in requested:
            items = [c for c in self.spec.constructs[name] if c not in constant]
            if len(items) < MIN_EFA_ITEMS:
                if spec.constructs is not True:  # only a construct named explicitly deserves a warning
                    self.warnings.append(f"EFA ({name}): needs at least {MIN_EFA_ITEMS} items, has "
                                         f"{len(items)}; skipped.")
                continue
            sets.append((name, f"EFA ({name})", items))
        out: dict[str, Any] = {}
        for key, part, items in sets:
            self.say(f"{part}: {len(items)} items, parallel analysis with {spec.parallel_iter} iterations")
            try:
                # efa handles missing answers pairwise itself (as psych::fa); other methods left none.
                result = efa(self.data, items, n_factors=spec.n_factors, rotation=spec.rotation,
                             method=spec.method, parallel_iter=spec.parallel_iter, seed=spec.seed)
            except PART_ERRORS as error:
                entry = self.fail(part, error, items=items)
            else:
                entry = self.collect(part, result)
            if key == "all_items":
                out["all_items"] = entry
            else:
                per_construct[key] = entry
        if per_construct:
            out["constructs"] = per_construct
        return out

    # -- PLS ---------------------------------------------------------------------------------------
    def _pls(self) -> dict[str, Any]:
        spec = self.spec
        names = list(dict.fromkeys([name for target, sources in spec.paths.items()
                                    for name in [*sources, target]]))
        names = [name for name in spec.constructs if name in names]  # the model's construct order
        blocks = {name: spec.constructs[name] for name in names}
        items = list(dict.fromkeys(item for block in blocks.values() for item in block))
        frame = self.data[items].dropna()
        subsample = spec.pls.bootstrap_subsample or self.subsample
        scales = {name: scale for name in names if (scale := self._construct_scale(name)) is not None}
        self.say(f"PLS path model: {len(names)} constructs, {spec.pls.bootstrap} bootstrap resamples"
                 + (f" of {subsample:,} rows" if subsample else ""))
        # MODEL.yaml lists target: [sources]; pls_pm takes source: [targets] (seminr's from/to).
        arrows: dict[str, list[str]] = {}
        for target, sources in spec.paths.items():
            for source in sources:
                arrows.setdefault(source, []).append(target)
        try:
            result = pls_pm(frame, blocks, arrows, scheme=spec.pls.scheme, scaled=spec.pls.scaled,
                            max_iter=spec.pls.max_iter, tol=spec.pls.tol, bootstrap=spec.pls.bootstrap,
                            seed=spec.pls.seed, bootstrap_subsample=subsample, scales=scales or None)
        except PART_ERRORS as error:
            return self.fail("PLS", error, constructs=names)
        # Construct scores are standardized composites of this sample: not exported (see docs/analysis.md).
        out = self.collect("PLS", _without(result, "scores"))
        out["bootstrap_subsample"] = subsample
        if not spec.pls.bootstrap:
            self._note("PLS", out, "no bootstrap was asked for (pls.bootstrap: 0), so the paths have no "
                                   "standard errors or confidence intervals.")
        return out

    # -- key drivers -------------------------------------------------------------------------------
    def _driver(self, index: int, driver: DriverSpec) -> dict[str, Any]:
        part = f"Drivers ({driver.outcome})"
        names = [driver.outcome, *driver.predictors]
        kinds = {name: "construct" if name in self.spec.constructs else "column" for name in names}
        frame = pd.DataFrame({name: self._series(name) for name in names}).dropna()
        subsample = driver.bootstrap_subsample or self.subsample
        scales = {name: scale for name in names if (scale := self._scale_of(name)) is not None}
        self.say(f"Key drivers {index + 1}/{len(self.spec.drivers)}: {driver.outcome} on "
                 f"{len(driver.predictors)} predictor(s), {driver.bootstrap} bootstrap resamples")
        try:
            result = key_drivers(frame, outcome=driver.outcome, predictors=list(driver.predictors),
                                 bootstrap=driver.bootstrap, seed=driver.seed, bootstrap_subsample=subsample,
                                 scales=scales or None)
        except PART_ERRORS as error:
            return self.fail(part, error, outcome=driver.outcome, predictors=driver.predictors, kinds=kinds)
        out = self.collect(part, result)
        out["kinds"] = kinds
        out["bootstrap_subsample"] = subsample
        if not driver.bootstrap:
            self._note(part, out, "no bootstrap was asked for (bootstrap: 0), so the importances have no "
                                  "confidence intervals.")
        return out

    # -- NPS ---------------------------------------------------------------------------------------
    def _recommend_column(self) -> str:
        name = self.spec.recommend
        if name in self.spec.constructs:
            items = self.spec.constructs[name]
            if len(items) != 1:
                raise AnalysisError(f"outcomes.recommend names the construct '{name}' with {len(items)} "
                                    "items; NPS needs a single 0-10 item.")
            return items[0]
        return name

    def _nps(self, rows: pd.Index, part: str = "NPS") -> dict[str, Any]:
        """NPS of the recommend item over ``rows`` (everyone, or one group)."""
        try:
            column = self._recommend_column()
            if part == "NPS":
                self.say(f"NPS on '{column}'")
            result = nps(self.data.loc[rows, column].dropna())
        except PART_ERRORS as error:
            return self.fail(part, error, column=self.spec.recommend)
        out = self.collect(part, result)
        out["column"] = column
        return out

    # -- satisfaction trap ---------------------------------------------------------------------------
    def _trap(self) -> dict[str, Any]:
        self.say("Satisfaction trap: curve, segments, penalty-reward classes")
        try:
            result = trap_from_model(self.data, self.spec, self.prepared.scales, raw=self.raw,
                                     customers=self.customers, customer_id=self.customer_id,
                                     seed=DEFAULT_SEED)
        except PART_ERRORS as error:
            return self.fail("Trap", error)
        return self.collect("Trap", result)

    # -- groups ------------------------------------------------------------------------------------
    def _groups(self) -> dict[str, Any]:
        by = self.prepared.by
        levels = _sorted_levels(self.data[by].dropna().unique())
        # Categorical labels: one factorization for every summary and test instead of one per column.
        labels = pd.Series(pd.Categorical(self.data[by], categories=levels), index=self.data.index, name=by)
        self.say(f"Group comparison by '{by}': {len(levels)} groups")
        items = self.prepared.items
        item_means = self.data[items].groupby(labels, observed=False).mean()
        score_means = self.scores.groupby(labels, observed=False).mean()
        sizes = labels.value_counts(sort=False)
        summary: dict[str, Any] = {}
        for level in levels:
            means = pd.concat([score_means.loc[level], item_means.loc[level].drop(self.spec.constructs,
                                                                                 errors="ignore")])
            entry: dict[str, Any] = {
                "n": int(sizes[level]),
                "means": means,
                "indices": self._indices(item_means.loc[level]),
            }
            if self.spec.recommend:
                rows = self.data.index[(labels == level).to_numpy()]
                entry["nps"] = self._nps(rows, part=f"Groups (NPS, {level})")
            summary[str(level)] = entry
        tested = list(self.spec.constructs) or list(items)
        if self.spec.recommend:
            try:
                recommend = self._recommend_column()
            except AnalysisError:
                recommend = None
            if recommend and recommend not in tested:
                tested.append(recommend)
        tests: dict[str, Any] = {}
        for column in tested:
            table = pd.DataFrame({column: self._series(column), by: labels}).dropna()
            try:
                result = compare_groups(table, by=by, column=column)
            except PART_ERRORS as error:
                tests[column] = self.fail(f"Groups ({column})", error)
                continue
            tests[column] = self.collect(f"Groups ({column})", result)
        return {"by": by, "levels": [str(level) for level in levels], "summary": summary, "tests": tests}

    def _indices(self, item_means: pd.Series) -> dict[str, float | None]:
        """Equal-weight 0-100 index per construct: the mean over items of 100 (mean - min) / (max - min)."""
        out: dict[str, float | None] = {}
        for name, items in self.spec.constructs.items():
            if any(item not in self.prepared.scales for item in items):
                out[name] = None
                continue
            parts = [100 * (item_means[item] - low) / (high - low)
                     for item in items for low, high in [self.prepared.scales[item]]]
            out[name] = float(np.mean(parts))
        return out


def _without(result: Any, *names: str) -> dict[str, Any]:
    """A dataclass result as a dict without the named fields (e.g. PLS scores, not exported)."""
    fields = getattr(result, "__dataclass_fields__", {})
    return {name: getattr(result, name) for name in fields if name not in names}


def _sorted_levels(levels: Any) -> list[Any]:
    try:
        return sorted(levels)
    except TypeError:
        return sorted(levels, key=str)
