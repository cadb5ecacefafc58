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

import warnings
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from analysis import sampling
from analysis.confidentiality import DEFAULT_MIN_GROUP_SIZE, suppress_groups
from analysis.data import PreparedData, prepare, text_labels
from analysis.drivers import key_drivers
from analysis.efa import efa
from analysis.errors import AnalysisError
from analysis.groups import compare_groups
from analysis.heatmap import NOT_STATED, heatmap
from analysis.ipma import ipma
from analysis.jsonable import to_jsonable
from analysis.linkage import MIN_UNITS, link_units, pearson
from analysis.linkage_input import (
    LinkageInput,
    check_linkage,
    internal_service_columns,
    loyalty_columns,
    measure_columns,
)
from analysis.measurement import construct_summary
from analysis.micom import PERMUTATIONS, SEED
from analysis.model import DEFAULT_SEED, DriverSpec, MissingSpec, ModelSpec
from analysis.nps import nps
from analysis.parallel import one_blas_thread
from analysis.pls import PLSResult, pls_pm
from analysis.pls_effects import pls_effects
from analysis.pls_mga import pls_mga
from analysis.pls_predict import pls_predict
from analysis.rollup import tiers as rollup_tiers
from analysis.servqual import servqual_gaps
from analysis.text import comment_analysis
from analysis.trap_analysis import outcome_column, trap_from_model
from analysis.trap_segments import segments
from analysis.trends import wave_trends

#: EFA needs at least this many items in a set.
MIN_EFA_ITEMS = 3
#: Bootstrap resamples of each wave's key-driver analysis in ``trends.drivers_by_wave`` (at most): the per-wave
#: intervals only need to show whether a driver's importance moved, and there is one analysis per wave.
TREND_DRIVER_BOOTSTRAP = 100
#: Folds of PLSpredict (Shmueli et al. 2019); one random assignment, seeded by ``pls.seed``.
PREDICT_FOLDS = 10
#: At most this many groups (of k or more respondents) get the PLS multi-group analysis: every pair is estimated
#: under 1,000 permutations, so 10 groups (45 pairs) keep a report's run within minutes; with more, compare a
#: coarser grouping (regions rather than stores).
MGA_MAX_GROUPS = 10
Progress = Callable[[str], None]
#: Failures that end one part of the run but not the others: unusable input for that part, and numerical
#: breakdowns of the linear algebra on degenerate data (which the part's own checks did not anticipate).
PART_ERRORS = (AnalysisError, np.linalg.LinAlgError, FloatingPointError, ZeroDivisionError)


def run_analysis(df: pd.DataFrame, spec: ModelSpec, *, by: str | None = None,
                 progress: Progress | None = None, customers: pd.DataFrame | None = None,
                 customer_id: str = "customer_id", wave: str | None = None, current_wave: Any = None,
                 min_group_size: int = DEFAULT_MIN_GROUP_SIZE, small_cells: bool = False,
                 linkage: LinkageInput | None = None,
                 parents: Mapping[str, str | None] | None = None,
                 redact: Callable[[str], str] | None = None) -> dict[str, Any]:
    """Run every analysis ``spec`` asks for on ``df`` and return the RESULT dict (JSON-ready).

    Parameters
    ----------
    df : one row per respondent, one column per item.
    spec : the analysis model (:func:`analysis.model.load_model`).
    by : a grouping column: adds ``groups`` (per group n, means, indices, NPS and tests).
    progress : called with a short message before each step (the CLI prints them on stderr).
    customers, customer_id : a customer file (:func:`analysis.clv.normalize_customers` columns) joined to the
        respondents on ``customer_id`` in the satisfaction-trap part (``trap.behaviour``).
    wave : the column naming each response's wave (the same survey repeated): adds ``trends``.
    current_wave : with ``wave``, the wave this result is about: every part but ``trends`` uses only its rows
        (``n`` counts them), while ``trends`` compares it with the earlier waves in ``df``.
    min_group_size : k of the disclosure control: the ``heatmap`` hides groups of fewer than k people (and the
        groups that would reveal them), and ``groups.suppression`` says which groups a report must not show.
    small_cells : hide every cell of the satisfaction-trap diagnosis under ``min_group_size`` people too
        (:mod:`analysis.small_cells`), as an anonymous survey's outputs must.
    linkage : an employee file and a customers-by-unit file: adds ``linkage`` (the service-profit chain).
    redact : applied to every comment quoted in ``text`` (the service passes the redaction of anonymous surveys).
    parents : with ``by``, each group's parent (store -> region, region -> division): adds ``groups.rollup``, the
        parents' figures tier by tier, compared and suppressed as the groups are (:mod:`analysis.rollup`).

    Returns
    -------
    dict
        ``n``, ``n_used``, ``missing``, ``warnings``, ``model``, ``items``, ``constructs`` and, as requested,
        ``efa``, ``pls``, ``drivers``, ``nps``, ``groups``, ``heatmap``, ``trap``, ``servqual``, ``trends``,
        ``linkage``; NaN is ``None``.

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
    with one_blas_thread():
        say(f"Checking {len(df):,} rows against the model")
        _check_options(df, spec, wave=wave, min_group_size=min_group_size, linkage=linkage)
        if parents and by is None:
            raise AnalysisError("A hierarchy (parents=...) rolls groups up: name the grouping column (by=...).")
        history = df
        if current_wave is not None:
            if wave is None:
                raise AnalysisError("A current wave needs the wave column (wave=...).")
            df = df[(df[wave].astype(str) == str(current_wave)).to_numpy()]
            if df.empty:
                raise AnalysisError(f"Wave {current_wave!r} has no rows in column '{wave}'.")
        # the wave column labels responses; without constructs it would otherwise be analysed as an item
        prepared = prepare(_without_wave(df, wave, by), spec, by=by)
        run = _Run(spec, prepared, say)
        run.raw, run.customers, run.customer_id = df, customers, customer_id
        run.wave, run.k, run.linkage, run.history = wave, min_group_size, linkage, history
        run.small_cells = small_cells
        run.redact = redact or _unchanged
        run.parents = {str(node): None if parent is None else str(parent)
                       for node, parent in (parents or {}).items()}
        return run.result()


def _check_options(df: pd.DataFrame, spec: ModelSpec, *, wave: str | None, min_group_size: int,
                   linkage: LinkageInput | None) -> None:
    """Refuse unusable options before any work, with a message naming what to fix."""
    if isinstance(min_group_size, bool) or not isinstance(min_group_size, (int, np.integer)) or min_group_size < 2:
        raise AnalysisError(f"The minimum group size must be a whole number of at least 2, not {min_group_size!r}.")
    if wave is not None:
        if wave not in df.columns:
            raise AnalysisError(f"--wave '{wave}' is not a column of the data; columns: "
                                f"{', '.join(map(str, df.columns[:30]))}.")
        if wave in spec.items or wave in spec.outcomes.values():
            raise AnalysisError(f"--wave '{wave}' is also analysed by the model; name the column that says which "
                                "wave each response belongs to.")
        if df[wave].dropna().nunique() < 2:
            raise AnalysisError(f"--wave '{wave}' has fewer than two waves; trends need at least two.")
    if linkage is not None:
        check_linkage(linkage, spec)


def _without_wave(df: pd.DataFrame, wave: str | None, by: str | None) -> pd.DataFrame:
    return df.drop(columns=[wave]) if wave is not None and wave != by else df


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
        self.wave: str | None = None
        #: every wave's rows (``raw`` holds only the current wave's when one is named)
        self.history: pd.DataFrame | None = None
        self.k = DEFAULT_MIN_GROUP_SIZE
        self.small_cells = False
        self.linkage: LinkageInput | None = None
        #: with ``by``: each group's parent in a hierarchy (stores in regions), for ``groups.rollup``
        self.parents: Mapping[str, str | None] = {}
        #: the fitted PLS model with the blocks it was fitted with (for the IPMA), once run
        self.pls_fit: tuple[PLSResult, dict[str, list[str]]] | None = None
        #: applied to every quoted comment (the service hides identifying content of anonymous surveys)
        self.redact: Callable[[str], str] = _unchanged
        if prepared.n_used > sampling.LARGE_N:
            self.subsample = sampling.BOOTSTRAP_SUBSAMPLE
            self.warnings.append(
                f"Bootstrap: with {prepared.n_used:,} respondents each bootstrap resample draws "
                f"{self.subsample:,} rows (bootstrap_subsample, an m-out-of-n bootstrap whose spread is "
                "rescaled to the full sample); the estimates themselves use every respondent."
            )
        #: the sampling weight of each used row (``weights:`` in the model), or None
        self.case_weights: pd.Series | None = self.data[prepared.weights] if prepared.weights else None
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
        """A caveat the engine itself adds to a part (once)."""
        if sentence in out["warnings"]:
            return
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
        if self.case_weights is not None:
            out["weights"] = self._weights_summary()
        efa_result = self._efa()
        if efa_result:
            out["efa"] = efa_result
        if spec.paths:
            out["pls"] = self._pls()
            if self.pls_fit is not None and self.prepared.scales:  # the map needs answer scales (0-100 scores)
                out["ipma"] = self._ipma()
        if spec.drivers:
            out["drivers"] = [self._driver(i, driver) for i, driver in enumerate(spec.drivers)]
        if spec.recommend:
            out["nps"] = self._nps(self.data.index)
        if prepared.by is not None:
            out["groups"] = self._groups()
            out["heatmap"] = self._heatmap()
        if "satisfaction" in spec.outcomes and "loyalty" in spec.outcomes:
            out["trap"] = self._trap()
        if spec.servqual:
            out["servqual"] = self._servqual()
        if self.wave is not None:
            out["trends"] = self._trends()
        if self.linkage is not None:
            out["linkage"] = self._linkage()
        if spec.text is not None:
            out["text"] = self._text()
        if self.failures and not self.succeeded:
            raise AnalysisError("No analysis could be computed. " + " ".join(self.failures))
        return to_jsonable(out)

    # -- sampling weights ----------------------------------------------------------------------------
    def _weights_of(self, rows: pd.Index) -> pd.Series | None:
        """The sampling weights of ``rows``, or None for an unweighted run."""
        return None if self.case_weights is None else self.case_weights.loc[rows]

    def _weights_summary(self) -> dict[str, Any]:
        """RESULT.json ``weights``: the column, its range and Kish's effective sample size."""
        w = self.case_weights.to_numpy(dtype=float)
        return {"column": self.prepared.weights, "n": int(len(w)), "sum": float(w.sum()),
                "min": float(w.min()), "max": float(w.max()), "n_eff": float(w.sum() ** 2 / (w**2).sum()),
                "weighted": ["pls", "ipma", "drivers", "nps"]}

    # -- construct scores --------------------------------------------------------------------------
    def _construct_scores(self) -> pd.DataFrame:
        """Equal-weight construct scores: the row mean of the (reverse-keyed) items.

        With pairwise missing handling a respondent's score is the mean of the items they answered.
        """
        frame = self.data
        scores = {name: _row_means(frame, items) for name, items in self.spec.constructs.items()}
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
        described = pd.DataFrame({**_describe(frame), "missing": pd.Series(self.prepared.missing["by_column"])})
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
                            seed=spec.pls.seed, bootstrap_subsample=subsample, scales=scales or None,
                            sample_weights=self._weights_of(frame.index))
        except PART_ERRORS as error:
            return self.fail("PLS", error, constructs=names)
        # Construct scores are standardized composites of this sample: not exported (see docs/analysis.md);
        # nor are the item moments and bootstrap draws (``sample``), which the effects and the IPMA summarise.
        out = self.collect("PLS", _without(result, "scores", "sample"))
        out["bootstrap_subsample"] = subsample
        effects = pls_effects(result)
        out["total_effects"] = to_jsonable(effects.total)
        out["indirect_effects"] = to_jsonable(effects.indirect)
        out["specific_indirect_effects"] = to_jsonable(effects.specific)
        self.pls_fit = (result, blocks)
        if not spec.pls.bootstrap:
            self._note("PLS", out, "no bootstrap was asked for (pls.bootstrap: 0), so the paths have no "
                                   "standard errors or confidence intervals.")
        settings = {"scheme": spec.pls.scheme, "max_iter": spec.pls.max_iter, "tol": spec.pls.tol}
        out["predict"] = self._pls_predict(frame, blocks, arrows, settings)
        if self.prepared.by is not None or self.wave is not None:
            out.update(self._pls_groups(blocks, arrows, settings))
        return out

    def _pls_predict(self, frame: pd.DataFrame, blocks: dict[str, list[str]], arrows: dict[str, list[str]],
                     settings: dict[str, Any]) -> dict[str, Any]:
        """PLSpredict's folds over the complete rows, or over a seeded sample of them above
        :data:`analysis.sampling.PREDICT_MAX_ROWS` (``sampled_from`` then says of how many)."""
        cap = sampling.PREDICT_MAX_ROWS
        sampled_from = len(frame) if len(frame) > cap else None
        if sampled_from is not None:
            frame = frame.iloc[sampling.sample_rows(len(frame), cap, np.random.default_rng(self._seed()))]
        self.say(f"PLSpredict: {PREDICT_FOLDS} folds" + (f" on {cap:,} of {sampled_from:,} rows"
                                                         if sampled_from else ""))
        try:
            predicted = pls_predict(frame, blocks, arrows, folds=PREDICT_FOLDS, seed=self._seed(), **settings)
        except PART_ERRORS as error:
            return self._soft_fail("PLSpredict", error)
        out = self.collect("PLSpredict", predicted)
        out["sampled_from"] = sampled_from
        if sampled_from is not None:
            self._note("PLSpredict", out, f"with {sampled_from:,} complete respondents the folds were formed on a "
                                          f"random sample of {cap:,} of them (the prediction errors are averages, "
                                          "which that many rows estimate to within about 1 %).")
        return out

    def _ipma(self) -> dict[str, Any]:
        """Importance-performance maps of the satisfaction and loyalty constructs of the PLS model."""
        result, blocks = self.pls_fit
        # Per item: a construct's items may have different scales (1-10 and a 0-10 recommend item).
        scales = {item: self.prepared.scales[item] for items in blocks.values() for item in items
                  if item in self.prepared.scales}
        targets = [name for role in ("loyalty", "satisfaction")
                   if (name := self.spec.outcomes.get(role)) in result.constructs
                   and all(item in scales for item in blocks[name])]
        out: dict[str, Any] = {}
        for target in dict.fromkeys(targets):
            part = f"IPMA ({target})"
            try:
                out[target] = self.collect(part, ipma(result, blocks, target, scales))
            except PART_ERRORS as error:
                out[target] = self.fail(part, error, target=target)
        return out

    def _seed(self) -> int:
        """The seed of the PLS permutations and folds: the model's ``pls.seed``, else a fixed default."""
        return SEED if self.spec.pls.seed is None else int(self.spec.pls.seed)

    def _soft_fail(self, part: str, error: Exception) -> dict[str, Any]:
        """An optional addition to a part that could not be computed: an error entry and a warning, no failure."""
        message = str(error) if isinstance(error, AnalysisError) else f"the computation broke down ({error})."
        self.warnings.append(f"{part}: {message}")
        return {"error": message}

    def _pls_groups(self, blocks: dict[str, list[str]], arrows: dict[str, list[str]],
                    settings: dict[str, Any]) -> dict[str, Any]:
        """MICOM and the permutation tests of path differences across the ``by`` groups, else across the waves."""
        items = list(dict.fromkeys(item for block in blocks.values() for item in block))
        by = self.prepared.by
        if by is not None:
            # only the groups the group suppression shows: a group hidden to protect another is not estimated
            labels = text_labels(self.data[by])
            shown = labels.isin(self._group_suppression(labels)["shown"])
            frame = self.data.loc[shown, items].assign(**{by: labels[shown]})
        else:
            by = self.wave
            history = self.history if self.history is not None else self.raw
            try:
                prepared = prepare(_without_wave(history, by, None), self.spec).data
            except PART_ERRORS as error:
                return {"mga": self._soft_fail("PLS groups", error)}
            frame = prepared[items].assign(**{by: history.loc[prepared.index, by]})
        counts = frame.dropna()[by].value_counts()
        large = int((counts >= self.k).sum())
        if large > MGA_MAX_GROUPS:
            return {"mga": self._soft_fail("PLS groups", AnalysisError(
                f"Groups of '{by}' with {self.k} or more respondents: {large}; the PLS multi-group analysis "
                f"compares at most {MGA_MAX_GROUPS} (every pair under {PERMUTATIONS} permutations), so compare a "
                "coarser grouping."))}
        self.say(f"PLS multi-group analysis by '{by}': MICOM and path differences, {PERMUTATIONS} permutations")
        try:
            result = pls_mga(frame, blocks, arrows, by=by, permutations=PERMUTATIONS, seed=self._seed(),
                             min_group_size=self.k, max_group_rows=sampling.MAX_GROUP_ROWS, **settings)
        except PART_ERRORS as error:
            return {"mga": self._soft_fail("PLS groups", error)}
        mga = self.collect("PLS groups", _without(result, "micom"))
        mga["significant"] = [t for t in mga["tests"] if t["significant"]]
        return {"mga": mga, "micom": self.collect("MICOM", result.micom)}

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
                                 scales=scales or None, weights=self._weights_of(frame.index))
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
            result = nps(self.data.loc[rows, column].dropna(), weights=self._weights_of(rows))
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
                                     seed=DEFAULT_SEED, min_cell=self.k if self.small_cells else None)
        except PART_ERRORS as error:
            return self.fail("Trap", error)
        return self.collect("Trap", result)

    # -- open text ---------------------------------------------------------------------------------
    def _text(self) -> dict[str, Any]:
        """Themes and sentiment of each open question (:mod:`analysis.text`), over every wave when there are
        several (so that the themes of the waves are the same ones), groups of fewer than k commenters hidden."""
        text = self.spec.text
        frame = self.history if self.wave is not None and self.history is not None else self.raw
        questions: dict[str, Any] = {}
        ratings = self._text_ratings(frame)
        groups = self._text_groups(frame, ratings)
        terms = [*text.terms, *self.spec.constructs, *(str(v) for name, series in groups.items()
                                                      if name != "segment" for v in series.dropna().unique())]
        for column in text.columns:
            self.say(f"Comments: themes and sentiment of '{column}'")
            if column not in frame.columns:
                questions[column] = self.fail("Text", AnalysisError(f"the open-text column '{column}' is not in "
                                                                    "the data."))
                continue
            try:
                result = comment_analysis(frame[column], ratings=ratings, groups=groups, k=self.k, terms=terms,
                                          n_themes=text.themes, max_themes=text.max_themes, quotes=text.quotes,
                                          seed=text.seed, redact=self.redact,
                                          force_language=None if text.language == "auto" else text.language)
            except PART_ERRORS as error:
                questions[column] = self.fail("Text", error, column=column)
                continue
            questions[column] = self.collect(f"Text '{column}'", result)
        return {"k": self.k, "columns": list(text.columns), "questions": questions}

    def _text_ratings(self, frame: pd.DataFrame) -> pd.DataFrame | None:
        """Satisfaction and loyalty answers of every row of ``frame`` (missing codes and out-of-scale answers
        are NaN), from the outcome columns the trap reads."""
        columns = {}
        for role in ("satisfaction", "loyalty"):
            if role not in self.spec.outcomes:
                continue
            name = outcome_column(self.spec, role)
            if name not in frame.columns:
                continue
            values = pd.to_numeric(frame[name], errors="coerce")
            codes = [c for c in self.spec.missing.codes if not isinstance(c, str)]
            values = values.mask(values.isin(codes)) if codes else values
            scale = self._scale_of(name)
            if scale is not None:
                values = values.where(values.between(*scale))
            columns[role] = values
        return pd.DataFrame(columns) if columns else None

    def _text_groups(self, frame: pd.DataFrame, ratings: pd.DataFrame | None) -> dict[str, pd.Series]:
        """The group columns comments are broken down by: the run's ``by``, its waves and the trap segments."""
        groups: dict[str, pd.Series] = {}
        if self.prepared.by is not None and self.prepared.by in frame.columns:
            groups["unit"] = frame[self.prepared.by].rename(self.prepared.by)
        if self.wave is not None:
            groups["wave"] = frame[self.wave].rename(self.wave)
        if ratings is not None and {"satisfaction", "loyalty"} <= set(ratings.columns):
            both = ratings.dropna()
            trap = self.spec.trap or {}
            try:
                result = segments(both, satisfaction="satisfaction", loyalty="loyalty",
                                  satisfaction_scale=self._scale_of(outcome_column(self.spec, "satisfaction")),
                                  loyalty_scale=self._scale_of(outcome_column(self.spec, "loyalty")),
                                  high_boxes=trap.get("high_boxes", 2), top_boxes=trap.get("top_boxes", 2))
            except PART_ERRORS as error:
                self.warnings.append(f"Text: no trap segments ({error})")
            else:
                groups["segment"] = result.labels.reindex(frame.index).rename("segment")
        return groups

    # -- groups ------------------------------------------------------------------------------------
    def _groups(self) -> dict[str, Any]:
        by = self.prepared.by
        levels = _sorted_levels(self.data[by].dropna().unique())
        self.say(f"Group comparison by '{by}': {len(levels)} groups")
        out = {"by": by, "levels": [str(level) for level in levels],
               **self._compare(self.data[by], levels, part="Groups"),
               "suppression": self._group_suppression(text_labels(self.data[by])),
               # everyone's figures, computed as each group's are: the table's reference row
               "total": self._group_entry(len(self.data), self.scores.mean(), self.data[self.prepared.items].mean(),
                                          self.data.index, part="Groups (NPS, all)")}
        if self.parents:
            out["rollup"] = self._rollup()
        return out

    def _compare(self, groups: pd.Series, levels: list[Any], *, part: str) -> dict[str, Any]:
        """Per group n, means, indices and NPS (``summary``), and each construct compared across the groups."""
        by = self.prepared.by
        # Categorical labels: one factorization for every summary and test instead of one per column.
        labels = pd.Series(pd.Categorical(groups, categories=levels), index=self.data.index, name=by)
        items = self.prepared.items
        item_means = self.data[items].groupby(labels, observed=False).mean()
        score_means = self.scores.groupby(labels, observed=False).mean()
        sizes = labels.value_counts(sort=False)
        summary: dict[str, Any] = {}
        for level in levels:
            rows = self.data.index[(labels == level).to_numpy()]
            summary[str(level)] = self._group_entry(int(sizes[level]), score_means.loc[level],
                                                    item_means.loc[level], rows, part=f"{part} (NPS, {level})")
        tested = list(self.spec.constructs) or list(items)
        if self.spec.recommend:
            try:
                recommend = self._recommend_column()
            except AnalysisError:
                recommend = None
            if recommend and recommend not in tested:
                tested.append(recommend)
        tests: dict[str, Any] = {}
        if len(levels) < 2:
            return {"summary": summary, "tests": tests}
        for column in tested:
            table = pd.DataFrame({column: self._series(column), by: labels}).dropna()
            try:
                result = compare_groups(table, by=by, column=column)
            except PART_ERRORS as error:
                tests[column] = self.fail(f"{part} ({column})", error)
                continue
            tests[column] = self.collect(f"{part} ({column})", result)
        return {"summary": summary, "tests": tests}

    def _group_entry(self, n: int, score_means: pd.Series, item_means: pd.Series, rows: pd.Index, *,
                     part: str) -> dict[str, Any]:
        """One group's figures: n, the means of the constructs and items, the 0-100 indices and the NPS."""
        entry: dict[str, Any] = {
            "n": n,
            "means": pd.concat([score_means, item_means.drop(self.spec.constructs, errors="ignore")]),
            "indices": self._indices(item_means),
        }
        if self.spec.recommend:
            entry["nps"] = self._nps(rows, part=part)
        return entry

    def _rollup(self) -> dict[str, Any]:
        """The groups' parents tier by tier (:mod:`analysis.rollup`), each tier compared and suppressed as the groups
        are."""
        groups = text_labels(self.data[self.prepared.by])
        out_tiers = []
        for tier in rollup_tiers(groups, self.parents):
            self.say(f"Rolled up at depth {tier.depth}: {len(tier.levels)} groups")
            out_tiers.append({"depth": tier.depth, "levels": tier.levels,
                              **self._compare(tier.labels, tier.levels, part=f"Groups at depth {tier.depth}"),
                              "suppression": self._group_suppression(tier.labels)})
        nodes = {node for tier in out_tiers for node in tier["levels"]} | set(groups.dropna().unique())
        return {"parents": {node: self.parents.get(node) for node in sorted(nodes)}, "tiers": out_tiers}

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


    # -- heatmap -----------------------------------------------------------------------------------
    def _heatmap(self) -> dict[str, Any]:
        by = self.prepared.by
        levels = [str(level) for level in _sorted_levels(self.data[by].dropna().unique())]
        facets: dict[str, list[str]] | list[str] = dict(self.spec.constructs) or list(self.prepared.items)
        columns = self.spec.items if self.spec.constructs else list(self.prepared.items)
        # the same text labels as ``groups``; suppression keys on them
        labels = text_labels(self.data[by])
        self.say(f"Heatmap by '{by}': {len(levels)} groups, minimum group size {self.k}")
        try:
            result = heatmap(self.data[columns].assign(**{by: labels}), by=by, columns=facets, k=self.k)
        except PART_ERRORS as error:
            return self.fail("Heatmap", error, by=by, k=self.k)
        position = {level: i for i, level in enumerate(levels)}
        cells = result.cells.sort_values("group", key=lambda group: group.map(position), kind="stable")
        return self.collect("Heatmap", {
            "by": by, "k": result.k, "alpha": result.alpha, "groups": levels,
            "facets": list(result.organisation.index),
            "facet_kind": "construct" if self.spec.constructs else "item",
            "cells": cells.to_dict(orient="records"), "organisation": result.organisation,
            "estimator": result.estimator, "warnings": result.warnings,
        })

    def _group_suppression(self, labels: pd.Series) -> dict[str, Any]:
        """Which groups a report may show at the run's minimum group size (respondents without a group count)."""
        counts = {str(level): int(n) for level, n in labels.value_counts(sort=False).items()}
        not_stated = int(labels.isna().sum())
        if not_stated:
            counts[NOT_STATED] = not_stated
        suppression = suppress_groups(counts, k=self.k)
        hidden = {level: reason for level, reason in suppression.hidden.items() if level != NOT_STATED}
        return {"k": self.k, "shown": [level for level in suppression.shown if level != NOT_STATED],
                "hidden": hidden, "total_shown": suppression.total_shown}

    # -- SERVQUAL ----------------------------------------------------------------------------------
    def _servqual(self) -> dict[str, Any]:
        config = self.spec.servqual
        pairs = config.get("pairs", []) if isinstance(config, dict) else config
        weights = config.get("weights") if isinstance(config, dict) else None
        columns = list(dict.fromkeys(pair[key] for pair in pairs
                                     for key in ("expectation", "perception", "adequate", "desired")
                                     if pair.get(key)))
        self.say(f"SERVQUAL gaps: {len(pairs)} attributes")
        missing = [c for c in columns if c not in self.raw.columns]
        if missing:
            return self.fail("SERVQUAL", AnalysisError(
                f"the SERVQUAL column(s) {', '.join(map(repr, missing))} are not in the data."))
        # expectations are no construct items, so they come from the table as read (same respondents, codes)
        frame = self.raw.loc[self.data.index, columns].apply(pd.to_numeric, errors="coerce")
        codes = [code for code in self.spec.missing.codes if not isinstance(code, str)]
        frame = frame.mask(frame.isin(codes)) if codes else frame
        try:
            result = servqual_gaps(frame, pairs, weights=weights)
        except PART_ERRORS as error:
            return self.fail("SERVQUAL", error)
        return self.collect("SERVQUAL", result)

    # -- waves and trends ----------------------------------------------------------------------------
    def _trends(self) -> dict[str, Any]:
        wave, spec = self.wave, self.spec
        data, raw = self.data, self.history
        if self.prepared.missing["rows_dropped"] or raw is not self.raw:
            # Listwise deletion would drop a whole wave that did not ask some item; trends compare waves on what
            # each asked, so they use every respondent's answers (pairwise), of every wave.
            pairwise = replace(spec, missing=MissingSpec(codes=list(spec.missing.codes), method="pairwise"))
            try:
                # neither the wave nor the group column is an item (without constructs every numeric column is)
                columns = [c for c in raw.columns if c not in (wave, self.prepared.by)]
                data = prepare(raw[columns], pairwise).data
            except PART_ERRORS as error:
                return self.fail("Trends", error, wave=wave)
        labels = text_labels(raw.loc[data.index, wave])
        measures: dict[str, list[str]] | list[str] = dict(spec.constructs) or list(self.prepared.items)
        try:
            recommend = self._recommend_column() if spec.recommend else None
        except AnalysisError:
            recommend = None
        self.say(f"Trends over '{wave}': {labels.nunique()} waves")
        frame = data[self.prepared.columns].assign(**{wave: labels})
        try:
            result = wave_trends(frame, wave=wave, measures=measures, nps_column=recommend)
        except PART_ERRORS as error:
            return self.fail("Trends", error, wave=wave)
        levels = result.levels.copy()
        for column, source in (("index", "mean"), ("index_ci_low", "ci_low"), ("index_ci_high", "ci_high")):
            levels[column] = [self._to_index(measure, value)
                              for measure, value in zip(levels["measure"], levels[source], strict=True)]
        answered = data[self.prepared.columns].notna().groupby(labels).sum()
        items_not_comparable = {
            column: [w for w in result.waves if w in answered.index and answered.loc[w, column] == 0]
            for column in self.prepared.columns}
        out = self.collect("Trends", {
            "wave": wave, "waves": result.waves,
            "n": {w: int((labels == w).sum()) for w in result.waves},
            "levels": levels.to_dict(orient="records"), "changes": result.changes.to_dict(orient="records"),
            "nps": None if result.nps is None else result.nps.to_dict(orient="records"),
            "nps_column": recommend, "not_comparable": result.not_comparable,
            "items_not_comparable": {c: w for c, w in items_not_comparable.items() if w},
            "confidence": result.confidence, "warnings": result.warnings,
        })
        out["drivers_by_wave"] = self._drivers_by_wave(data, labels, result.waves) if spec.drivers else None
        return out

    def _to_index(self, measure: str, value: float) -> float | None:
        scale = self._scale_of(measure)
        if scale is None or value is None or not np.isfinite(value):
            return None
        low, high = scale
        return float(100 * (value - low) / (high - low))

    def _drivers_by_wave(self, data: pd.DataFrame, labels: pd.Series, waves: list[str]) -> dict[str, Any]:
        """The model's first key-driver analysis in each wave, with modest-bootstrap intervals."""
        driver = self.spec.drivers[0]
        part = f"Trends (drivers of {driver.outcome})"
        names = [driver.outcome, *driver.predictors]
        table = pd.DataFrame({name: data[self.spec.constructs[name]].mean(axis=1) if name in self.spec.constructs
                              else data[name] for name in names}, index=data.index)
        boot = min(driver.bootstrap, TREND_DRIVER_BOOTSTRAP)
        rows: list[dict[str, Any]] = []
        per_wave: dict[str, Any] = {}
        for w in waves:
            frame = table[(labels == w).to_numpy()].dropna()
            subsample = sampling.BOOTSTRAP_SUBSAMPLE if len(frame) > sampling.LARGE_N else None
            self.say(f"{part}: wave {w}, {len(frame):,} respondents, {boot} bootstrap resamples")
            try:
                result = key_drivers(frame, outcome=driver.outcome, predictors=list(driver.predictors),
                                     bootstrap=boot, seed=driver.seed, bootstrap_subsample=subsample)
            except PART_ERRORS as error:
                per_wave[w] = self.fail(f"{part}, wave {w}", error, n=len(frame))
                continue
            self.warnings.extend(f"{part}, wave {w}: {note}" for note in result.warnings)
            per_wave[w] = {"n": result.n, "r2": result.ols.r2, "warnings": result.warnings}
            for predictor in driver.predictors:
                low, high = (result.shapley_ci.get(predictor) or [None, None])[:2]
                rows.append({"wave": w, "predictor": predictor, "importance": result.shapley[predictor],
                             "ci_low": low, "ci_high": high})
        return to_jsonable({"outcome": driver.outcome, "predictors": list(driver.predictors),
                            "measure": "shapley", "bootstrap": boot, "seed": driver.seed,
                            "waves": per_wave, "rows": rows})

    # -- service-profit chain linkage --------------------------------------------------------------
    def _linkage(self) -> dict[str, Any]:
        request, spec = self.linkage, self.spec
        employee = measure_columns(request.employee, spec, request.employees, "employee")
        customer = measure_columns(request.customer, spec, request.customers, "customer")
        loyalty = loyalty_columns(request, spec)
        internal = internal_service_columns(request, spec)
        employees = self._clean(request.employees, list(dict.fromkeys([*employee, *(internal or [])])))
        customers = self._clean(request.customers, list(dict.fromkeys([*customer, *(loyalty or [])])))
        options = self._options(employee)
        self.say(f"Linkage: employees and customers by '{request.unit}'")
        context = {"unit": request.unit, "employee_measure": employee, "customer_measure": customer}
        try:
            result = link_units(employees, customers, unit=request.unit, employee=employee, customer=customer,
                                options=options)
        except PART_ERRORS as error:
            return self.fail("Linkage", error, **context)
        out = self.collect("Linkage", result)
        out.update(context, options=options, wave=None, same_wave=out["correlation"], next_wave=None)
        wave = self.wave
        if wave is not None and wave in request.employees.columns and wave in request.customers.columns:
            out["wave"] = wave
            out["same_wave"], out["next_wave"] = self._wave_links(request, employees, customers, employee,
                                                                  customer, out)
        # the rest of the chain: internal service quality and customer loyalty, as unit-level correlations
        sides = ([("satisfaction", employee)] + ([("internal_service", internal)] if internal else []),
                 [("satisfaction", customer)] + ([("loyalty", loyalty)] if loyalty else []))
        out["links"] = [self._link(request, employees, customers, pair, out)
                        for pair in ((e, c) for e in sides[0] for c in sides[1])
                        if (pair[0][0], pair[1][0]) != ("satisfaction", "satisfaction")]
        return out

    def _link(self, request: LinkageInput, employees: pd.DataFrame, customers: pd.DataFrame,
              pair: tuple[tuple[str, list[str]], tuple[str, list[str]]], out: dict[str, Any]) -> dict[str, Any]:
        """Unit-level correlation of one employee measure with one customer measure (and by wave)."""
        (e_name, e_cols), (c_name, c_cols) = pair
        entry: dict[str, Any] = {"employee": e_name, "customer": c_name, "employee_measure": e_cols,
                                 "customer_measure": c_cols}
        unit = request.unit
        e_means = employees[e_cols].mean(axis=1).groupby(employees[unit]).mean()
        c_means = customers[c_cols].mean(axis=1).groupby(customers[unit]).mean()
        both = pd.concat({"employee": e_means, "customer": c_means}, axis=1).dropna()
        try:
            entry["correlation"] = to_jsonable(pearson(both["employee"], both["customer"]))
        except PART_ERRORS as error:
            self._note("Linkage", out, f"No correlation of employee {e_name} with customer {c_name}: {error}")
            entry["correlation"] = {"error": str(error)}
        entry["same_wave"], entry["next_wave"] = entry["correlation"], None
        if out["wave"] is not None:
            entry["same_wave"], entry["next_wave"] = self._wave_links(request, employees, customers, e_cols,
                                                                      c_cols, out)
        return entry

    def _wave_links(self, request: LinkageInput, employees: pd.DataFrame, customers: pd.DataFrame,
                    employee: list[str], customer: list[str], out: dict[str, Any]) -> tuple[Any, Any]:
        """Correlations of unit means in the same wave, and of employees in wave t with customers in wave t+1."""
        unit, wave = request.unit, self.wave

        def unit_wave_means(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
            keys = [frame[unit], text_labels(frame[wave])]
            return frame[columns].mean(axis=1).groupby(keys).mean()

        es, cs = unit_wave_means(employees, employee), unit_wave_means(customers, customer)
        waves = _sorted_levels(pd.unique(pd.concat([employees[wave], customers[wave]]).dropna()))
        waves = [str(w) for w in waves]
        same = pd.concat({"employee": es, "customer": cs}, axis=1).dropna()
        following = dict(zip(waves, waves[1:], strict=False))
        shifted = es.rename(index=following, level=1)[es.index.get_level_values(1).isin(list(following))]
        later = pd.concat({"employee": shifted, "customer": cs}, axis=1).dropna()
        results = []
        for name, pairs in (("same wave", same), ("next wave", later)):
            try:
                correlation = to_jsonable(pearson(pairs["employee"], pairs["customer"]))
            except PART_ERRORS as error:
                self._note("Linkage", out, f"No {name} correlation: {error}")
                results.append({"error": str(error), "pairs": len(pairs)})
                continue
            correlation["pairs"] = len(pairs)
            correlation["units"] = int(pairs.index.get_level_values(0).nunique())
            if correlation["units"] < MIN_UNITS:
                self._note("Linkage", out, f"The {name} correlation rests on {correlation['units']} units "
                                           f"(fewer than {MIN_UNITS}); it is very uncertain.")
            results.append(correlation)
        if len(waves) > 1 and "error" not in results[0]:
            self._note("Linkage", out, "With waves, each unit contributes one pair per wave; pairs of the same "
                                       "unit are not independent, so the intervals are somewhat too narrow.")
        return results[0], results[1]

    def _clean(self, frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        """Numeric answers of a linkage file: missing codes as NaN, reverse-keyed items recoded."""
        values = frame[columns].apply(pd.to_numeric, errors="coerce").astype(float)
        codes = [code for code in self.spec.missing.codes if not isinstance(code, str)]
        if codes:
            values = values.mask(values.isin(codes))
        for column in columns:
            scale = self._column_scale(column)
            if column in self.spec.reverse and scale is not None:
                values[column] = scale[0] + scale[1] - values[column]
        extra = [c for c in frame.columns if c not in columns]
        return pd.concat([frame[extra], values], axis=1)

    def _column_scale(self, column: str) -> tuple[float, float] | None:
        if column in self.prepared.scales:
            return self.prepared.scales[column]
        owner = next((name for name, items in self.spec.constructs.items() if column in items), None)
        scale = self.spec.scales.get(owner) if owner else None
        scale = scale or self.spec.scale_of(column)
        return scale.as_tuple() if scale is not None else None

    def _options(self, columns: list[str]) -> int | None:
        """Number of answer points of the employee measure's common scale (for r_wg), if it has one."""
        scales = {self._column_scale(c) for c in columns}
        if len(scales) != 1 or None in scales:
            return None
        low, high = scales.pop()
        return int(high - low) + 1 if float(low).is_integer() and float(high).is_integer() else None


def _describe(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """n, mean, sd (n - 1), min and max of each column, missing answers left out: pandas' ``count``, ``mean``,
    ``std``, ``min`` and ``max``, computed column by column on float arrays when every column is numeric (the same
    numbers: each column is summed in one pass as pandas does, and a column without missing answers needs no
    NaN-skipping copies, which on a million rows cost more than the sums)."""
    if not all(pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
               for dtype in frame.dtypes):
        return {"n": frame.count(), "mean": frame.mean(), "sd": frame.std(ddof=1), "min": frame.min(),
                "max": frame.max()}
    figures = np.array([_column_figures(frame.iloc[:, j].to_numpy(dtype=float, na_value=np.nan))
                        for j in range(frame.shape[1])]).reshape(-1, 5)
    names = ["n", "mean", "sd", "min", "max"]
    described = {name: pd.Series(figures[:, k], index=frame.columns) for k, name in enumerate(names)}
    described["n"] = described["n"].astype(int)
    return described


def _column_figures(values: np.ndarray) -> tuple[float, float, float, float, float]:
    """n, mean, sd (n - 1), min and max of one float column, NaN left out (NaN figures for too few answers)."""
    n = len(values) - int(np.count_nonzero(np.isnan(values)))
    if n == 0:
        return 0, np.nan, np.nan, np.nan, np.nan
    if n < len(values):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # one answer: sd NaN, as pandas gives
            return (n, np.nanmean(values), np.nanstd(values, ddof=1) if n > 1 else np.nan, np.nanmin(values),
                    np.nanmax(values))
    return n, values.mean(), values.std(ddof=1) if n > 1 else np.nan, values.min(), values.max()


def _row_means(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """``frame[columns].mean(axis=1)``, missing answers left out, without copying the columns into a new frame: the
    columns added one after another (missing ones as 0) and divided by the count of answers (a row without answers is
    NaN). pandas gives the same numbers, but for the last bit where numpy adds many columns in another order."""
    total: np.ndarray | None = None
    missing_count: np.ndarray | None = None
    for column in columns:
        values = frame[column].to_numpy(dtype=float)
        missing = np.isnan(values)
        if missing.any():
            values = np.where(missing, 0.0, values)
            missing_count = missing.astype(float) if missing_count is None else missing_count + missing
        if total is None:
            total = values.copy()
        else:
            total += values
    count = len(columns) if missing_count is None else len(columns) - missing_count
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count


def _unchanged(text: str) -> str:
    return text


def _without(result: Any, *names: str) -> dict[str, Any]:
    """A dataclass result as a dict without the named fields (e.g. PLS scores, not exported)."""
    fields = getattr(result, "__dataclass_fields__", {})
    return {name: getattr(result, name) for name in fields if name not in names}


def _sorted_levels(levels: Any) -> list[Any]:
    try:
        return sorted(levels)
    except TypeError:
        return sorted(levels, key=str)
