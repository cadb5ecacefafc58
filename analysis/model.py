"""The analysis model (MODEL.yaml): which items form which construct, the structural paths, what to run.

Parsing checks the shape of the document only (keys, types, cycles, names that refer to each other);
whether the named columns exist is checked later against the data (:func:`analysis.data.prepare`).
``docs/analysis.md`` documents every key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import AnalysisError

#: Top-level keys of MODEL.yaml (``scales``, ``kano`` and ``servqual`` come from instruments' model specs).
ALLOWED_KEYS = (
    "constructs", "reverse", "scale", "scales", "missing", "paths", "pls", "drivers", "outcomes",
    "attributes", "efa", "kano", "servqual", "trap", "weights", "text",
)
#: Keys of the ``trap:`` block: which columns hold the relationship stage, bonds, complaints and recovery.
TRAP_KEYS = ("stage", "bonds", "problem", "complained", "justice", "kano_items", "top_boxes", "high_boxes",
             "population", "labels")
TRAP_POPULATIONS = ("customers", "employees")
JUSTICE_KEYS = ("outcome", "procedure", "interaction")
#: Keys of the ``servqual:`` block (when it is a mapping) and of each of its pairs.
SERVQUAL_KEYS = ("pairs", "weights")
SERVQUAL_PAIR_KEYS = ("attribute", "dimension", "expectation", "perception", "adequate", "desired")
#: Keys of the ``text:`` block (open questions: :mod:`analysis.text`) and its languages.
TEXT_KEYS = ("columns", "language", "themes", "max_themes", "quotes", "terms", "seed")
TEXT_LANGUAGES = ("auto", "zh", "en")
MISSING_METHODS = ("listwise", "pairwise", "mean")
PLS_SCHEMES = ("path", "centroid", "factorial")
#: The rotations and extraction methods of :func:`analysis.efa.efa` (kept in step by a test).
EFA_ROTATIONS = ("oblimin", "promax", "quartimin", "geomin_obl", "varimax", "quartimax", "equamax", "oblimax",
                 "geomin_ort", "none")
EFA_METHODS = ("minres", "ml")
#: Keys of ``outcomes`` with a meaning to the engine; others are kept for later analyses.
OUTCOME_ROLES = ("satisfaction", "loyalty", "recommend")
#: Number of bootstrap resamples when ``pls:`` or a driver does not say.
DEFAULT_PLS_BOOTSTRAP = 200
DEFAULT_DRIVER_BOOTSTRAP = 200
DEFAULT_SEED = 1


@dataclass(frozen=True)
class Scale:
    """The answer range of an item: used for range checks, reverse-keying and 0-100 indices."""

    min: float
    max: float

    def as_tuple(self) -> tuple[float, float]:
        return (self.min, self.max)


@dataclass
class MissingSpec:
    """Missing-value codes (turned into NaN) and how incomplete answers are handled."""

    codes: list[float | int | str] = field(default_factory=list)
    method: str = "listwise"


@dataclass
class PLSSpec:
    """Settings of the PLS path model (``pls:``)."""

    scheme: str = "path"
    scaled: bool = True
    bootstrap: int = DEFAULT_PLS_BOOTSTRAP
    seed: int | None = DEFAULT_SEED
    max_iter: int = 300
    tol: float = 1e-7
    #: Rows drawn per bootstrap resample; None = the engine decides (all rows up to 100,000).
    bootstrap_subsample: int | None = None


@dataclass
class DriverSpec:
    """One key-driver analysis: an outcome regressed on predictors (constructs or raw columns)."""

    outcome: str
    predictors: list[str]
    bootstrap: int = DEFAULT_DRIVER_BOOTSTRAP
    seed: int | None = DEFAULT_SEED
    bootstrap_subsample: int | None = None


@dataclass
class EFASpec:
    """Which exploratory factor analyses to run and how."""

    all_items: bool = True
    #: True = every construct with at least three items, or a list of construct names.
    constructs: bool | list[str] = False
    rotation: str = "oblimin"
    method: str = "minres"
    n_factors: int | None = None
    parallel_iter: int = 100
    seed: int = DEFAULT_SEED


@dataclass
class TextSpec:
    """Open-text columns and how their comments are analysed (``text:``)."""

    columns: list[str] = field(default_factory=list)
    #: "auto" decides per comment from its script; "zh" or "en" scores every comment in that language.
    language: str = "auto"
    #: a fixed number of themes per question; None = chosen by coherence (:mod:`analysis.text.themes`).
    themes: int | None = None
    max_themes: int = 8
    quotes: int = 3
    #: words the Chinese segmenter keeps whole, beyond construct and group names.
    terms: list[str] = field(default_factory=list)
    seed: int = DEFAULT_SEED


@dataclass
class ModelSpec:
    """A parsed and validated analysis model.

    Build it with :meth:`from_dict` or :func:`load_model`; every key of MODEL.yaml is optional.

    Examples
    --------
    >>> spec = ModelSpec.from_dict({"constructs": {"Image": ["IMAG1", "IMAG2"], "Loyalty": ["CUSL1"]},
    ...                             "paths": {"Loyalty": ["Image"]}})
    >>> spec.drivers[0].outcome, spec.drivers[0].predictors
    ('Loyalty', ['Image'])
    """

    constructs: dict[str, list[str]] = field(default_factory=dict)
    reverse: list[str] = field(default_factory=list)
    scale: Scale | None = None
    #: Per construct or per column; overrides ``scale``.
    scales: dict[str, Scale] = field(default_factory=dict)
    missing: MissingSpec = field(default_factory=MissingSpec)
    #: Structural model, target -> sources.
    paths: dict[str, list[str]] = field(default_factory=dict)
    pls: PLSSpec = field(default_factory=PLSSpec)
    drivers: list[DriverSpec] = field(default_factory=list)
    #: True when ``drivers`` was absent and the analyses were derived from ``paths``.
    drivers_from_paths: bool = False
    outcomes: dict[str, str] = field(default_factory=dict)
    attributes: list[str] = field(default_factory=list)
    efa: EFASpec = field(default_factory=EFASpec)
    kano: Any = None
    servqual: Any = None
    #: Satisfaction-trap columns: ``stage``, ``bonds``, ``problem``, ``complained``, ``justice``
    #: ({outcome, procedure, interaction}), ``kano_items`` ({Kano attribute: rating column}), ``top_boxes``,
    #: ``high_boxes``.
    trap: dict[str, Any] = field(default_factory=dict)
    #: The column of sampling weights (``weights:``): PLS, key drivers and NPS weight each respondent by it.
    weights: str | None = None
    #: Open-text questions (``text:``); None when the model names none.
    text: TextSpec | None = None
    #: Where the model came from (a file name), for messages.
    source: str = "model"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, *, source: str = "model") -> ModelSpec:
        """Validate a MODEL.yaml document (or an instrument's ``model_spec()``) and fill in defaults."""
        return _Parser(source).parse(data)

    @property
    def items(self) -> list[str]:
        """Every item column of every construct, in order of first appearance."""
        return _unique(item for items in self.constructs.values() for item in items)

    @property
    def recommend(self) -> str | None:
        """The 0-10 recommend item for NPS, if the model names one."""
        return self.outcomes.get("recommend")

    @property
    def kano_items(self) -> list[str]:
        """The functional and dysfunctional question columns of the ``kano`` pairs (answer codes)."""
        pairs = self.kano if isinstance(self.kano, list) else []
        return _unique(str(pair[key]) for pair in pairs if isinstance(pair, Mapping)
                       for key in ("functional", "dysfunctional") if pair.get(key) is not None)

    def scale_of(self, name: str) -> Scale | None:
        """The scale of a construct or column: its own entry in ``scales``, else the global ``scale``."""
        if name in self.scales:
            return self.scales[name]
        return self.scale

    def to_dict(self) -> dict[str, Any]:
        """The model with defaults filled in, in MODEL.yaml shape (echoed in RESULT.json)."""
        out: dict[str, Any] = {
            "constructs": {name: list(items) for name, items in self.constructs.items()},
            "reverse": list(self.reverse),
            "scale": asdict(self.scale) if self.scale else None,
            "scales": {name: asdict(scale) for name, scale in self.scales.items()},
            "missing": asdict(self.missing),
            "paths": {target: list(sources) for target, sources in self.paths.items()},
            "pls": asdict(self.pls),
            "drivers": [asdict(driver) for driver in self.drivers],
            "outcomes": dict(self.outcomes),
            "attributes": list(self.attributes),
            "efa": asdict(self.efa),
        }
        if self.kano is not None:
            out["kano"] = self.kano
        if self.servqual is not None:
            out["servqual"] = self.servqual
        if self.trap:
            out["trap"] = dict(self.trap)
        if self.weights is not None:
            out["weights"] = self.weights
        if self.text is not None:
            out["text"] = asdict(self.text)
        return out


def load_model(path: str | Path) -> ModelSpec:
    """Read and validate a MODEL.yaml file (an empty file is a valid model: every key is optional)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise AnalysisError(f"Model file '{path}' does not exist.") from None
    except UnicodeDecodeError:
        raise AnalysisError(f"Model file '{path}' is not UTF-8 text; save it as UTF-8.") from None
    except OSError as exc:
        raise AnalysisError(f"Cannot read model file '{path}': {exc.strerror or exc}.") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise AnalysisError(f"Model file '{path}' is not valid YAML{where}: {problem}.") from None
    return ModelSpec.from_dict(data, source=path.name)


def find_cycle(paths: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A cycle in the structural model as [A, B, ..., A] (sources point to targets), or None."""
    edges: dict[str, list[str]] = {}
    for target, sources in paths.items():
        for source in sources:
            edges.setdefault(source, []).append(target)
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for start in edges:
        if state.get(start):
            continue
        # Iterative depth-first search: a long chain of constructs cannot hit the recursion limit.
        stack: list[tuple[str, int]] = [(start, 0)]
        state[start] = 1
        while stack:
            node, position = stack[-1]
            successors = edges.get(node, [])
            if position == len(successors):
                state[node] = 2
                stack.pop()
                continue
            stack[-1] = (node, position + 1)
            successor = successors[position]
            if state.get(successor) == 1:
                trail = [name for name, _ in stack]
                return trail[trail.index(successor):] + [successor]
            if not state.get(successor):
                state[successor] = 1
                stack.append((successor, 0))
    return None


def _unique(values: Any) -> list[str]:
    return list(dict.fromkeys(values))


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


class _Parser:
    """Turns a raw YAML document into a ModelSpec; every error names the key path (e.g. ``pls.bootstrap``)."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, message: str) -> AnalysisError:
        return AnalysisError(f"{self.source}: {message}")

    # -- primitive checks --------------------------------------------------------------------------
    def mapping(self, value: Any, key: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(f"'{key}' must be a mapping (key: value lines), not {_type_name(value)}.")
        for name in value:
            if not isinstance(name, str) or not name.strip():
                raise self.fail(f"'{key}' has a key {name!r} that is not a name; quote it as text.")
        return value

    def name(self, value: Any, key: str) -> str:
        # YAML reads item codes like 101 as numbers; accept them as column names.
        if isinstance(value, bool) or value is None:
            raise self.fail(f"'{key}' must be a column or construct name, not {_type_name(value)}.")
        if isinstance(value, (int, float)):
            return str(value)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"'{key}' must be a column or construct name, not {_type_name(value)}.")
        return value.strip()

    def names(self, value: Any, key: str, *, allow_empty: bool = True) -> list[str]:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = [value]  # a single name is a one-element list
        if not isinstance(value, (list, tuple)):
            raise self.fail(f"'{key}' must be a list of names, not {_type_name(value)}.")
        names = [self.name(v, f"{key}[{i}]") for i, v in enumerate(value)]
        if not names and not allow_empty:
            raise self.fail(f"'{key}' is empty; list at least one name.")
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise self.fail(f"'{key}' lists {', '.join(repr(d) for d in duplicates)} more than once.")
        return names

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(f"'{key}' must be true or false, not {_type_name(value)}.")
        return value

    def integer(self, value: Any, key: str, *, minimum: int, allow_none: bool = False) -> int | None:
        if value is None and allow_none:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"'{key}' must be a whole number, not {_type_name(value)}.")
        if value < minimum:
            raise self.fail(f"'{key}' must be at least {minimum}, not {value}.")
        return value

    def number(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.fail(f"'{key}' must be a number, not {_type_name(value)}.")
        return float(value)

    def choice(self, value: Any, key: str, allowed: Sequence[str]) -> str:
        if not isinstance(value, str) or value.strip().lower() not in allowed:
            raise self.fail(f"'{key}' must be one of {', '.join(allowed)}, not {_type_name(value)}.")
        return value.strip().lower()

    def keys(self, value: Mapping[str, Any], key: str, allowed: Sequence[str]) -> None:
        unknown = [k for k in value if k not in allowed]
        if unknown:
            raise self.fail(
                f"'{key}' has unknown key(s) {', '.join(repr(k) for k in unknown)}; "
                f"allowed: {', '.join(allowed)}."
            )

    def records(self, value: Any, key: str, what: str,
                allowed: Sequence[str]) -> list[tuple[str, Mapping[str, Any]]]:
        """The entries of a list of mappings (``what`` names them in the error), each with its key path
        (``key[i]``) and its keys checked against ``allowed``."""
        if not isinstance(value, (list, tuple)):
            raise self.fail(f"'{key}' must be a list of {what}, not {_type_name(value)}.")
        entries = []
        for i, entry in enumerate(value):
            where = f"{key}[{i}]"
            entry = self.mapping(entry, where)
            self.keys(entry, where, allowed)
            entries.append((where, entry))
        return entries

    def scale(self, value: Any, key: str) -> Scale:
        # Accept {min: 1, max: 10} and the short form [1, 10].
        if isinstance(value, (list, tuple)) and len(value) == 2:
            value = {"min": value[0], "max": value[1]}
        value = self.mapping(value, key)
        self.keys(value, key, ("min", "max"))
        if "min" not in value or "max" not in value:
            raise self.fail(f"'{key}' needs both 'min' and 'max', e.g. {{min: 1, max: 10}}.")
        low, high = self.number(value["min"], f"{key}.min"), self.number(value["max"], f"{key}.max")
        if not low < high:
            raise self.fail(f"'{key}' must have min < max, not min {low:g}, max {high:g}.")
        return Scale(low, high)

    # -- the document ------------------------------------------------------------------------------
    def parse(self, data: Mapping[str, Any] | None) -> ModelSpec:
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise self.fail(f"the model must be a mapping of keys ({', '.join(ALLOWED_KEYS)}), "
                            f"not {_type_name(data)}.")
        data = self.mapping(data, "model")
        unknown = [k for k in data if k not in ALLOWED_KEYS]
        if unknown:
            raise self.fail(f"unknown key(s) {', '.join(repr(k) for k in unknown)}; "
                            f"allowed keys: {', '.join(ALLOWED_KEYS)}.")
        # A key present with an empty value (``paths:``) means the same as an absent key.
        present = {k: v for k, v in data.items() if v is not None}
        spec = ModelSpec(source=self.source)
        spec.constructs = self.constructs(present.get("constructs", {}))
        spec.reverse = self.names(present.get("reverse", []), "reverse")
        if "scale" in present:
            spec.scale = self.scale(present["scale"], "scale")
        spec.scales = {
            self.name(k, "scales"): self.scale(v, f"scales.{k}")
            for k, v in self.mapping(present.get("scales", {}), "scales").items()
        }
        spec.missing = self.missing(present.get("missing", {}))
        spec.paths = self.paths(present.get("paths", {}), spec.constructs)
        spec.pls = self.pls(present.get("pls", {}))
        spec.outcomes = self.outcomes(present.get("outcomes", {}))
        spec.attributes = self.names(present.get("attributes", []), "attributes")
        spec.efa = self.efa(present.get("efa", {}), spec.constructs)
        if "drivers" in data:
            spec.drivers = self.drivers(present.get("drivers", []))
        else:
            spec.drivers = [DriverSpec(outcome=t, predictors=list(s)) for t, s in spec.paths.items()]
            spec.drivers_from_paths = bool(spec.drivers)
        spec.kano = self.passthrough(present.get("kano"), "kano")
        spec.servqual = self.servqual(present.get("servqual"))
        spec.trap = self.trap(present.get("trap", {}))
        if "weights" in present:
            spec.weights = self.name(present["weights"], "weights")
            if spec.weights in spec.constructs or spec.weights in spec.items:
                raise self.fail(f"'weights' names '{spec.weights}', which the model also analyses; name the "
                                "column of sampling weights.")
        if present.get("text") is not None:
            spec.text = self.text(present["text"])
        return spec

    def text(self, value: Any) -> TextSpec:
        """``text:`` is a list of columns or a mapping with ``columns`` and options."""
        if isinstance(value, (list, str)):
            value = {"columns": value}
        value = self.mapping(value, "text")
        self.keys(value, "text", TEXT_KEYS)
        out = TextSpec(columns=self.names(value.get("columns", []), "text.columns", allow_empty=False))
        if value.get("language") is not None:
            out.language = self.choice(value["language"], "text.language", TEXT_LANGUAGES)
        out.themes = self.integer(value.get("themes"), "text.themes", minimum=1, allow_none=True)
        if value.get("max_themes") is not None:
            out.max_themes = self.integer(value["max_themes"], "text.max_themes", minimum=2)
        if value.get("quotes") is not None:
            out.quotes = self.integer(value["quotes"], "text.quotes", minimum=0)
        out.terms = self.names(value.get("terms", []), "text.terms")
        if value.get("seed") is not None:
            out.seed = self.integer(value["seed"], "text.seed", minimum=0)
        return out

    def trap(self, value: Any) -> dict[str, Any]:
        value = self.mapping(value, "trap")
        self.keys(value, "trap", TRAP_KEYS)
        out: dict[str, Any] = {}
        for key in ("stage", "problem", "complained"):
            if value.get(key) is not None:
                out[key] = self.name(value[key], f"trap.{key}")
        if value.get("bonds") is not None:
            out["bonds"] = self.names(value["bonds"], "trap.bonds")
        if value.get("justice") is not None:
            justice = self.mapping(value["justice"], "trap.justice")
            self.keys(justice, "trap.justice", JUSTICE_KEYS)
            out["justice"] = {k: self.name(v, f"trap.justice.{k}") for k, v in justice.items()}
        if value.get("kano_items") is not None:
            items = self.mapping(value["kano_items"], "trap.kano_items")
            out["kano_items"] = {str(k): self.name(v, f"trap.kano_items.{k}") for k, v in items.items()}
        for key in ("top_boxes", "high_boxes"):
            if value.get(key) is not None:
                out[key] = self.integer(value[key], f"trap.{key}", minimum=1)
        if value.get("population") is not None:
            out["population"] = self.choice(value["population"], "trap.population", TRAP_POPULATIONS)
        if value.get("labels") is not None:
            labels = self.mapping(value["labels"], "trap.labels")
            out["labels"] = {str(k): _plain(v) if isinstance(v, Mapping) else self.name(v, f"trap.labels.{k}")
                             for k, v in labels.items()}
        return out

    def constructs(self, value: Any) -> dict[str, list[str]]:
        value = self.mapping(value, "constructs")
        constructs: dict[str, list[str]] = {}
        for name, items in value.items():
            if items is None:
                raise self.fail(f"construct '{name}' lists no items; give it at least one item column.")
            constructs[name.strip()] = self.names(items, f"constructs.{name}", allow_empty=False)
        return constructs

    def missing(self, value: Any) -> MissingSpec:
        if isinstance(value, str):
            value = {"method": value}  # ``missing: pairwise`` as a short form
        value = self.mapping(value, "missing")
        self.keys(value, "missing", ("codes", "method"))
        codes = value.get("codes") or []
        if not isinstance(codes, (list, tuple)):
            codes = [codes]
        checked: list[float | int | str] = []
        for i, code in enumerate(codes):
            if isinstance(code, bool) or not isinstance(code, (int, float, str)):
                raise self.fail(f"'missing.codes[{i}]' must be a number or a text, not {_type_name(code)}.")
            checked.append(code)
        method = self.choice(value.get("method", "listwise"), "missing.method", MISSING_METHODS)
        return MissingSpec(codes=checked, method=method)

    def paths(self, value: Any, constructs: Mapping[str, list[str]]) -> dict[str, list[str]]:
        value = self.mapping(value, "paths")
        paths = {target.strip(): self.names(sources, f"paths.{target}", allow_empty=False)
                 for target, sources in value.items()}
        if paths and not constructs:
            raise self.fail("'paths' needs 'constructs': name the items of every construct in the paths.")
        for target, sources in paths.items():
            for name in [target, *sources]:
                if name not in constructs:
                    raise self.fail(f"'paths.{target}' refers to '{name}', which is not a construct; "
                                    f"constructs: {', '.join(constructs)}.")
        cycle = find_cycle(paths)
        if cycle:
            raise self.fail(f"the path model has a cycle: {' -> '.join(cycle)}; "
                            "PLS path models must be recursive (no feedback loops).")
        return paths

    def pls(self, value: Any) -> PLSSpec:
        value = self.mapping(value, "pls")
        self.keys(value, "pls", ("scheme", "scaled", "bootstrap", "seed", "max_iter", "tol",
                                 "bootstrap_subsample"))
        spec = PLSSpec()
        if "scheme" in value:
            spec.scheme = self.choice(value["scheme"], "pls.scheme", PLS_SCHEMES)
        if "scaled" in value:
            spec.scaled = self.boolean(value["scaled"], "pls.scaled")
        if "bootstrap" in value:
            spec.bootstrap = self.integer(value["bootstrap"], "pls.bootstrap", minimum=0)
        if "seed" in value:
            spec.seed = self.integer(value["seed"], "pls.seed", minimum=0, allow_none=True)
        if "max_iter" in value:
            spec.max_iter = self.integer(value["max_iter"], "pls.max_iter", minimum=1)
        if "tol" in value:
            spec.tol = self.number(value["tol"], "pls.tol")
            if spec.tol <= 0:
                raise self.fail(f"'pls.tol' must be positive, not {spec.tol:g}.")
        if "bootstrap_subsample" in value:
            spec.bootstrap_subsample = self.integer(value["bootstrap_subsample"], "pls.bootstrap_subsample",
                                                    minimum=10, allow_none=True)
        return spec

    def drivers(self, value: Any) -> list[DriverSpec]:
        if isinstance(value, Mapping):
            value = [value]  # a single analysis without the list dash
        drivers = []
        for key, entry in self.records(value, "drivers", "analyses (- outcome: ..., predictors: [...])",
                                       ("outcome", "predictors", "bootstrap", "seed", "bootstrap_subsample")):
            if "outcome" not in entry or "predictors" not in entry:
                raise self.fail(f"'{key}' needs both 'outcome' and 'predictors'.")
            outcome = self.name(entry["outcome"], f"{key}.outcome")
            predictors = self.names(entry["predictors"], f"{key}.predictors", allow_empty=False)
            if outcome in predictors:
                raise self.fail(f"'{key}': the outcome '{outcome}' is also listed as a predictor.")
            driver = DriverSpec(outcome=outcome, predictors=predictors)
            if "bootstrap" in entry:
                driver.bootstrap = self.integer(entry["bootstrap"], f"{key}.bootstrap", minimum=0)
            if "seed" in entry:
                driver.seed = self.integer(entry["seed"], f"{key}.seed", minimum=0, allow_none=True)
            if "bootstrap_subsample" in entry:
                driver.bootstrap_subsample = self.integer(entry["bootstrap_subsample"],
                                                          f"{key}.bootstrap_subsample", minimum=10,
                                                          allow_none=True)
            drivers.append(driver)
        return drivers

    def outcomes(self, value: Any) -> dict[str, str]:
        value = self.mapping(value, "outcomes")
        return {role.strip(): self.name(name, f"outcomes.{role}") for role, name in value.items()
                if name is not None}

    def efa(self, value: Any, constructs: Mapping[str, list[str]]) -> EFASpec:
        if isinstance(value, bool):
            # ``efa: false`` switches EFA off, ``efa: true`` asks for all of it.
            return EFASpec(all_items=value, constructs=value)
        value = self.mapping(value, "efa")
        self.keys(value, "efa", ("all_items", "constructs", "rotation", "method", "n_factors",
                                 "parallel_iter", "seed"))
        spec = EFASpec()
        if "all_items" in value:
            spec.all_items = self.boolean(value["all_items"], "efa.all_items")
        if "constructs" in value:
            if isinstance(value["constructs"], bool):
                spec.constructs = value["constructs"]
            else:
                spec.constructs = self.names(value["constructs"], "efa.constructs")
                for name in spec.constructs:
                    if name not in constructs:
                        raise self.fail(f"'efa.constructs' names '{name}', which is not a construct; "
                                        f"constructs: {', '.join(constructs) or 'none defined'}.")
        if "rotation" in value:
            rotation = "none" if value["rotation"] is None else value["rotation"]
            spec.rotation = self.choice(rotation, "efa.rotation", EFA_ROTATIONS)
        if "method" in value:
            spec.method = self.choice(value["method"], "efa.method", EFA_METHODS)
        if "n_factors" in value:
            spec.n_factors = self.integer(value["n_factors"], "efa.n_factors", minimum=1, allow_none=True)
        if "parallel_iter" in value:
            spec.parallel_iter = self.integer(value["parallel_iter"], "efa.parallel_iter", minimum=1)
        if "seed" in value:
            spec.seed = self.integer(value["seed"], "efa.seed", minimum=0)
        return spec

    def servqual(self, value: Any) -> Any:
        """SERVQUAL pairs: a list of pairs, or ``{pairs: [...], weights: {dimension: weight}}``."""
        if value is None:
            return None
        if isinstance(value, Mapping):
            self.keys(value, "servqual", SERVQUAL_KEYS)
            pairs = value.get("pairs")
            key = "servqual.pairs"
        else:
            pairs, key = value, "servqual"
        checked = []
        for where, pair in self.records(pairs, key, "pairs ({attribute, dimension, expectation, perception})",
                                        SERVQUAL_PAIR_KEYS):
            # the analysis names an attribute without ``attribute`` by its perception column
            entry: dict[str, Any] = {name: None if pair[name] is None else self.name(pair[name], f"{where}.{name}")
                                     for name in SERVQUAL_PAIR_KEYS if name in pair}
            if not entry.get("perception"):
                raise self.fail(f"'{where}' needs a 'perception' column.")
            if bool(entry.get("adequate")) != bool(entry.get("desired")):
                raise self.fail(f"'{where}' needs both 'adequate' and 'desired' (the zone of tolerance), or neither.")
            if not entry.get("expectation") and not entry.get("desired"):
                raise self.fail(f"'{where}' needs an 'expectation' column (or 'adequate' and 'desired').")
            checked.append(entry)
        if not isinstance(value, Mapping):
            return checked
        out: dict[str, Any] = {"pairs": checked}
        if value.get("weights") is not None:
            weights = self.mapping(value["weights"], "servqual.weights")
            out["weights"] = {str(k): self.number(v, f"servqual.weights.{k}") for k, v in weights.items()}
        return out

    def passthrough(self, value: Any, key: str) -> Any:
        # Kept for the Kano and SERVQUAL analyses (separate modules); only the container type is checked here.
        if value is None:
            return None
        if not isinstance(value, (list, tuple, Mapping)):
            raise self.fail(f"'{key}' must be a list, not {_type_name(value)}.")
        return _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
