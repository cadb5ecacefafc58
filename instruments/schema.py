"""The questionnaire schema: instruments are YAML data validated by these pydantic models.

Field-level rules (types, required keys, unknown keys) are pydantic's; rules that look across the
document (scales and constructs that must exist, conditions on earlier items, an acyclic path model)
live in :meth:`Instrument._check_references` and raise :class:`SchemaProblem`, which carries the key
path so that :mod:`instruments.registry` can report ``<file>: <key path>: <problem>``.
"""

from __future__ import annotations

import re
import warnings
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator, model_validator

# The structural model is checked with the same cycle search the analysis engine uses.
from analysis.model import find_cycle
from instruments import base, logic, piping
from instruments.base import SchemaProblem
from instruments.logic import Condition

Lang = Literal["zh", "en"]
LANGUAGES: tuple[str, ...] = ("zh", "en")

Role = Literal[
    "attribute", "image", "expectation", "quality", "value", "cost", "satisfaction", "loyalty", "repurchase",
    "recommend", "price_tolerance", "switching", "share_of_wallet", "complaint", "problem",
    "recovery_outcome", "recovery_procedure", "recovery_interaction", "stage", "bond", "unit", "customer_id",
    "demographic",
    "open_text", "intent_to_stay", "enps", "internal_service", "kano_functional", "kano_dysfunctional",
    "servqual_expectation", "servqual_perception", "servqual_adequate", "servqual_desired", "other",
]
ScaleKind = Literal["likert", "rating", "nps", "single", "multiple", "numeric", "text"]

#: Scale kinds answered by picking one point of an integer range.
POINT_KINDS = ("likert", "rating", "nps")
CHOICE_KINDS = ("single", "multiple")
#: Scale kinds a matrix row may have: one answer picked from a list shared by the rows.
MATRIX_KINDS = (*POINT_KINDS, "single")
#: Roles whose items say how loyal a customer (or employee) is; used to find the loyalty outcome.
LOYALTY_ROLES = ("loyalty", "repurchase", "recommend", "price_tolerance", "switching", "share_of_wallet",
                 "intent_to_stay")
CODE_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


ChoiceValue = base.ChoiceValue
_Strict = base.Strict
_choice_value = base.choice_value


class Text(_Strict):
    """A text in each language; a language the instrument does not offer may be left empty."""

    zh: str
    en: str

    @model_validator(mode="before")
    @classmethod
    def _needs_mapping(cls, data: Any) -> Any:
        if isinstance(data, str):
            raise ValueError("needs both languages, e.g. {zh: '满意度', en: 'Satisfaction'}")
        return data

    @field_validator("zh", "en", mode="before")
    @classmethod
    def _blank_is_empty(cls, value: Any) -> Any:
        # Whether an empty text is allowed depends on the instrument's languages (Instrument._check_translations).
        if value is None or (isinstance(value, str) and not value.strip()):
            return ""
        return value

    def get(self, lang: str) -> str:
        """The text in ``lang``, falling back to the other language when it is empty."""
        own, other = (self.zh, self.en) if lang == "zh" else (self.en, self.zh)
        return own or other


class Option(_Strict):
    """One answer of a single- or multiple-choice scale."""

    value: ChoiceValue
    label: Text


class Scale(_Strict):
    """How an item is answered."""

    kind: ScaleKind
    min: int | None = None
    max: int | None = None
    anchors: dict[int, Text] = {}
    options: list[Option] = []
    max_length: int = Field(default=2000, ge=1, le=100_000)
    #: options shown in an order of their own to each respondent (kept with the response)
    randomize_options: bool = False

    @model_validator(mode="after")
    def _check(self) -> Scale:
        if self.randomize_options and self.kind not in CHOICE_KINDS:
            raise SchemaProblem(("randomize_options",), f"only the options of single and multiple choice are "
                                f"shuffled; the points of a {self.kind} scale keep their order")
        if self.kind in POINT_KINDS:
            if self.min is None or self.max is None:
                raise SchemaProblem(("min" if self.min is None else "max",),
                                    f"a {self.kind} scale needs both min and max")
            if self.min >= self.max:
                raise SchemaProblem(("min",), f"min ({self.min}) must be below max ({self.max})")
            if self.kind == "nps" and (self.min, self.max) != (0, 10):
                raise SchemaProblem(("min",), f"an nps scale runs from 0 to 10, not {self.min} to {self.max}")
            outside = [p for p in self.anchors if not self.min <= p <= self.max]
            if outside:
                raise SchemaProblem(("anchors", outside[0]),
                                    f"anchor {outside[0]} is outside the scale ({self.min} to {self.max})")
        elif self.anchors:
            raise SchemaProblem(("anchors",),
                                f"anchors are for likert, rating and nps scales, not {self.kind}")
        if self.kind == "numeric" and self.min is not None and self.max is not None and self.min >= self.max:
            raise SchemaProblem(("min",), f"min ({self.min}) must be below max ({self.max})")
        if self.kind in ("single", "multiple", "text") and (self.min is not None or self.max is not None):
            raise SchemaProblem(("min" if self.min is not None else "max",),
                                f"a {self.kind} scale has no min or max")
        if self.kind in CHOICE_KINDS:
            if not self.options:
                raise SchemaProblem(("options",),
                                    f"a {self.kind}-choice scale needs a non-empty list of options")
            seen: dict[str, int] = {}
            for i, option in enumerate(self.options):
                # Answers arrive as form text, so 1 and "1" would be the same answer.
                key = str(option.value)
                if key in seen:
                    raise SchemaProblem(("options", i, "value"), f"duplicate option value {option.value!r} "
                                        f"(also options[{seen[key]}])")
                seen[key] = i
        elif self.options:
            raise SchemaProblem(("options",), f"options are for single and multiple choice, not {self.kind}")
        return self

    def points(self) -> list[int]:
        """The answer points of a likert, rating or NPS scale; empty for other kinds."""
        if self.kind in POINT_KINDS and self.min is not None and self.max is not None:
            return list(range(self.min, self.max + 1))
        return []

    def is_numeric(self) -> bool:
        """Whether answers are numbers that can be averaged (single choice: only if every value is an int)."""
        if self.kind in (*POINT_KINDS, "numeric"):
            return True
        return self.kind == "single" and all(isinstance(o.value, int) for o in self.options)

    def values(self) -> list[int | str]:
        """The allowed answers of a choice or point scale (empty for numeric and text)."""
        if self.kind in CHOICE_KINDS:
            return [o.value for o in self.options]
        return list(self.points())

    def bounds(self) -> tuple[float, float] | None:
        """(lowest, highest) possible answer of a numeric scale, when both are known."""
        if self.kind in CHOICE_KINDS and self.is_numeric():
            values = [int(v) for v in self.values()]
            return (min(values), max(values))
        if self.min is not None and self.max is not None:
            return (self.min, self.max)
        return None


with warnings.catch_warnings():
    # The field ``construct`` shadows pydantic's deprecated ``BaseModel.construct``; the field is the
    # documented interface and nothing here calls the old method.
    warnings.filterwarnings("ignore", message='Field name "construct"', category=UserWarning)

    class Item(_Strict):
        """One question."""

        code: str
        text: Text
        scale: str
        role: Role = "attribute"
        construct: str | None = None
        attribute: str | None = None
        reverse: bool = False
        required: bool = True
        show_if: Condition | None = None
        help: Text | None = None
        #: options in an order of their own per respondent (single and multiple choice)
        randomize_options: bool = False
        #: the id of a matrix of the item's page: consecutive items on one scale shown as one grid
        matrix: str | None = None

        @field_validator("code")
        @classmethod
        def _code(cls, value: str) -> str:
            if not CODE_PATTERN.match(value):
                raise ValueError(f"item code {value!r} must start with a letter and contain only letters, "
                                 "digits and _")
            return value


class SkipRule(_Strict):
    """After a page: go to page ``to`` (a later page's id, or ``end``) when ``if`` holds."""

    if_: Condition = Field(alias="if")
    to: str = Field(min_length=1)


class Matrix(_Strict):
    """The shared question of a grid of items on one scale (each item a row)."""

    text: Text
    help: Text | None = None


#: The ``to`` of a skip rule that ends the survey.
END = "end"


class Page(_Strict):
    """A screen of items."""

    id: str = Field(min_length=1)
    title: Text
    #: a section introduction shown under the title
    intro: Text | None = None
    #: the page is shown only when this holds (on answers of earlier pages)
    show_if: Condition | None = None
    #: where to go after this page: the first rule that holds wins; none holds -> the next page
    skip_to: list[SkipRule] = []
    #: items (matrices as a whole) in an order of their own per respondent
    randomize: bool = False
    matrices: dict[str, Matrix] = {}
    items: list[Item] = Field(min_length=1)


class Welcome(_Strict):
    """The page before the first questions."""

    text: Text
    #: estimated time to answer, in minutes
    minutes: int | None = Field(default=None, ge=1, le=600)
    privacy: Text | None = None


class End(_Strict):
    """What a respondent sees (or where they go) after the last page."""

    text: Text | None = None
    #: an http or https address the respondent is sent to once the answers are stored
    redirect: str | None = Field(default=None, max_length=2000)

    @field_validator("redirect")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value.strip()):
            raise ValueError(f"must be an http:// or https:// address with a host, not {value!r}")
        return value.strip()


class ConstructDef(_Strict):
    """A latent variable measured by the items that name it."""

    label: Text
    description: Text | None = None


def _text(zh: str, en: str) -> Text:
    return Text(zh=zh, en=en)


def _anchors(*pairs: tuple[int, str, str]) -> dict[int, Text]:
    return {point: _text(zh, en) for point, zh, en in pairs}


#: Scales every instrument may use by name without declaring them.
BUILTIN_SCALES: dict[str, Scale] = {
    "likert5": Scale(kind="likert", min=1, max=5, anchors=_anchors(
        (1, "非常不同意", "Strongly disagree"), (2, "不同意", "Disagree"),
        (3, "一般", "Neither agree nor disagree"), (4, "同意", "Agree"), (5, "非常同意", "Strongly agree"))),
    "likert7": Scale(kind="likert", min=1, max=7, anchors=_anchors(
        (1, "非常不同意", "Strongly disagree"), (2, "不同意", "Disagree"),
        (3, "有点不同意", "Somewhat disagree"), (4, "一般", "Neither agree nor disagree"),
        (5, "有点同意", "Somewhat agree"), (6, "同意", "Agree"),
        (7, "非常同意", "Strongly agree"))),
    "rating10": Scale(kind="rating", min=1, max=10, anchors=_anchors(
        (1, "非常不满意", "Very dissatisfied"), (10, "非常满意", "Very satisfied"))),
    "nps11": Scale(kind="nps", min=0, max=10, anchors=_anchors(
        (0, "完全不可能", "Not at all likely"), (10, "极有可能", "Extremely likely"))),
    "yesno": Scale(kind="single", options=[
        Option(value=1, label=_text("是", "Yes")), Option(value=0, label=_text("否", "No"))]),
    "text": Scale(kind="text"),
    "numeric": Scale(kind="numeric"),
    # Kano answer set (Kano et al. 1984), in the usual order like / must-be / neutral / live-with / dislike.
    "kano5": Scale(kind="single", options=[
        Option(value=1, label=_text("我喜欢这样", "I like it that way")),
        Option(value=2, label=_text("理应如此", "It must be that way")),
        Option(value=3, label=_text("无所谓", "I am neutral")),
        Option(value=4, label=_text("还能忍受", "I can live with it")),
        Option(value=5, label=_text("我不喜欢这样", "I dislike it that way")),
    ]),
}


class Instrument(_Strict):
    """A questionnaire: pages of items, their scales, the constructs they measure and the path model."""

    id: str = Field(min_length=1)
    version: str = Field(min_length=1)
    title: Text
    description: Text | None = None
    languages: list[Lang] = Field(default=["zh", "en"], min_length=1)
    scales: dict[str, Scale] = {}
    constructs: dict[str, ConstructDef] = {}
    paths: dict[str, list[str]] = {}
    welcome: Welcome | None = None
    end: End | None = None
    pages: list[Page] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        # ``version: 1`` and ``version: 1.2`` are natural in YAML; keep them as the text written.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        return value

    @model_validator(mode="after")
    def _check_references(self) -> Instrument:
        self._check_languages()
        self._check_translations()
        self._check_pages_and_items()
        self._check_welcome_and_end()
        self._check_paths()
        self._check_pairs()
        return self

    def _check_languages(self) -> None:
        if len(set(self.languages)) != len(self.languages):
            raise SchemaProblem(("languages",), "a language is listed twice")

    def _check_translations(self) -> None:
        for path, text in texts_below(self):
            for lang in self.languages:
                if not getattr(text, lang):
                    raise SchemaProblem((*path, lang), f"is empty; every text needs {lang} "
                                        f"(the instrument offers {', '.join(self.languages)})")

    def _check_pages_and_items(self) -> None:
        page_ids: dict[str, int] = {}
        seen: dict[str, tuple[int, int]] = {}
        known_scales = sorted({*BUILTIN_SCALES, *self.scales})
        known = {item.code for item in self.items}
        self._check_condition_cycle()
        #: items so far with their scales: what a condition or a placeholder may refer to
        earlier: dict[str, Scale] = {}
        for p, page in enumerate(self.pages):
            if page.id in page_ids:
                raise SchemaProblem(("pages", p, "id"),
                                    f"duplicate page id {page.id!r} (also pages[{page_ids[page.id]}])")
            page_ids[page.id] = p
            before_page = dict(earlier)
            if page.show_if is not None:
                logic.check(page.show_if, ("pages", p, "show_if"), earlier=before_page, known=known)
            self._check_texts(("pages", p), {"title": page.title, "intro": page.intro}, before_page, known)
            for i, item in enumerate(page.items):
                where = ("pages", p, "items", i)
                if item.code in seen:
                    first = seen[item.code]
                    raise SchemaProblem((*where, "code"), f"duplicate item code {item.code!r} "
                                        f"(also pages[{first[0]}].items[{first[1]}])")
                if item.scale not in self.scales and item.scale not in BUILTIN_SCALES:
                    raise SchemaProblem((*where, "scale"), f"unknown scale {item.scale!r} "
                                        f"(known: {', '.join(known_scales)})")
                if item.construct is not None and item.construct not in self.constructs:
                    raise SchemaProblem((*where, "construct"), f"unknown construct {item.construct!r} "
                                        f"(declared: {', '.join(self.constructs) or 'none'})")
                scale = self.scale_of(item)
                if item.randomize_options and scale.kind not in CHOICE_KINDS:
                    raise SchemaProblem((*where, "randomize_options"), "only the options of single and multiple "
                                        f"choice are shuffled; the points of a {scale.kind} scale keep their order")
                if item.show_if is not None:
                    for path, code in logic.references(item.show_if, (*where, "show_if")):
                        if code == item.code:
                            raise SchemaProblem(path, f"item {item.code!r} cannot depend on itself")
                    logic.check(item.show_if, (*where, "show_if"), earlier=earlier, known=known)
                self._check_texts(where, {"text": item.text, "help": item.help}, before_page, known)
                earlier[item.code] = scale
                seen[item.code] = (p, i)
            for name, matrix in page.matrices.items():
                self._check_texts(("pages", p, "matrices", name), {"text": matrix.text, "help": matrix.help},
                                  before_page, known)
            self._check_matrices(p, page)
            for k, rule in enumerate(page.skip_to):
                logic.check(rule.if_, ("pages", p, "skip_to", k, "if"), earlier=earlier, known=known)
        for p, page in enumerate(self.pages):
            for k, rule in enumerate(page.skip_to):
                target = page_ids.get(rule.to)
                if rule.to == END:
                    continue
                if target is None:
                    raise SchemaProblem(("pages", p, "skip_to", k, "to"), f"unknown page {rule.to!r} (pages: "
                                        f"{', '.join(page_ids)}; or {END!r} to end the survey)")
                if target <= p:
                    raise SchemaProblem(("pages", p, "skip_to", k, "to"),
                                        f"skips back to page {rule.to!r}, which makes a cycle; skip only to a "
                                        f"later page or {END!r}")

    def _check_welcome_and_end(self) -> None:
        texts = {("welcome", "text"): self.welcome and self.welcome.text,
                 ("welcome", "privacy"): self.welcome and self.welcome.privacy,
                 ("end", "text"): self.end and self.end.text}
        for where, text in texts.items():
            for lang in LANGUAGES:
                if text is not None and piping.references(text.get(lang)):
                    raise SchemaProblem((*where, lang), "placeholders ({{...}}) are for question texts, help and "
                                        "page introductions, not the welcome and end pages")

    def _check_condition_cycle(self) -> None:
        """Display conditions that depend on each other in a circle (each would wait for the other)."""
        depends = {item.code: logic.referenced_items(item.show_if) for item in self.items
                   if item.show_if is not None}
        cycle = find_cycle({code: refs for code, refs in depends.items() if code not in refs})
        if not cycle:
            return
        order = {item.code: n for n, item in enumerate(self.items)}
        # the circle is reported where a condition points forward (to a later item)
        for source, target in zip(cycle, cycle[1:], strict=False):
            if order.get(source, -1) > order.get(target, -1):
                path = next(path for path, code in logic.references(self.item(target).show_if)  # type: ignore[arg-type]
                            if code == source)
                circle = list(reversed(cycle))[:-1]  # read as "depends on", starting where it is reported
                circle = [*circle[circle.index(target):], *circle[:circle.index(target)], target]
                raise SchemaProblem((*self._where(target, "show_if"), *path),
                                    "the display conditions form a cycle: " + " -> ".join(circle)
                                    + " (each shown depending on the next)")

    @staticmethod
    def _check_texts(where: tuple[str | int, ...], texts: dict[str, Text | None], earlier: dict[str, Any],
                     known: set[str]) -> None:
        for key, text in texts.items():
            if text is not None:
                for lang in LANGUAGES:
                    piping.check(text.get(lang), (*where, key, lang), earlier=earlier, known=known)

    def _check_matrices(self, p: int, page: Page) -> None:
        rows: dict[str, list[int]] = {}
        for i, item in enumerate(page.items):
            if item.matrix is None:
                continue
            where = ("pages", p, "items", i, "matrix")
            if item.matrix not in page.matrices:
                raise SchemaProblem(where, f"unknown matrix {item.matrix!r} (this page declares: "
                                    f"{', '.join(page.matrices) or 'none'})")
            earlier_rows = rows.setdefault(item.matrix, [])
            if earlier_rows:
                first = page.items[earlier_rows[0]]
                if earlier_rows[-1] != i - 1:
                    raise SchemaProblem(where, f"the rows of matrix {item.matrix!r} must follow each other "
                                        f"(items[{earlier_rows[-1]}] is its last row so far)")
                if item.scale != first.scale:
                    raise SchemaProblem(where, f"the rows of matrix {item.matrix!r} share one scale: "
                                        f"{first.scale!r}, not {item.scale!r}")
            kind = self.scale_of(item).kind
            if kind not in MATRIX_KINDS:
                raise SchemaProblem(where, f"a matrix row takes one answer from a list ({', '.join(MATRIX_KINDS)}), "
                                    f"not a {kind} answer")
            earlier_rows.append(i)
        for name in page.matrices:
            if name not in rows:
                raise SchemaProblem(("pages", p, "matrices", name), f"matrix {name!r} has no rows: give items "
                                    f"matrix: {name}")
            if not CODE_PATTERN.match(name):
                raise SchemaProblem(("pages", p, "matrices", name), f"matrix id {name!r} must start with a letter "
                                    "and contain only letters, digits and _")

    def _check_paths(self) -> None:
        for target, sources in self.paths.items():
            for k, name in enumerate([target, *sources]):
                if name not in self.constructs:
                    key = ("paths", target) if k == 0 else ("paths", target, k - 1)
                    raise SchemaProblem(key, f"unknown construct {name!r} "
                                        f"(declared: {', '.join(self.constructs) or 'none'})")
            if len(set(sources)) != len(sources):
                raise SchemaProblem(("paths", target), "a source construct is listed twice")
        cycle = find_cycle(self.paths)
        if cycle:
            raise SchemaProblem(("paths", cycle[1]), "the path model has a cycle: " + " -> ".join(cycle))

    def _check_pairs(self) -> None:
        # Kano and SERVQUAL items come in pairs joined by their ``attribute``; an unpaired item is a typo.
        zone = self._check_zone_of_tolerance()
        for first, second in (("kano_functional", "kano_dysfunctional"),
                              ("servqual_expectation", "servqual_perception")):
            counts: dict[str, dict[str, list[str]]] = {}
            for item in self.items:
                if item.role in (first, second):
                    if not item.attribute:
                        raise SchemaProblem(self._where(item.code, "attribute"),
                                            f"a {item.role} item needs an attribute name to pair it")
                    counts.setdefault(item.attribute, {first: [], second: []})[item.role].append(item.code)
            for attribute, by_role in counts.items():
                for role, codes in by_role.items():
                    if not codes and role == "servqual_expectation" and attribute in zone:
                        continue  # the gap is taken against the desired level
                    if len(codes) != 1:
                        # Point at the surplus item, or at the lone partner when this role has none.
                        culprit = codes[1] if codes else [c for r in by_role.values() for c in r][0]
                        problem = (f"attribute {attribute!r} has {len(codes)} {role} items "
                                   f"({', '.join(codes) or 'none'}); it needs exactly one")
                        raise SchemaProblem(self._where(culprit, "attribute"), problem)

    def _check_zone_of_tolerance(self) -> set[str]:
        """SERVQUAL attributes asked with adequate and desired levels: one of each and one perception item."""
        roles = ("servqual_adequate", "servqual_desired", "servqual_perception")
        counts: dict[str, dict[str, list[str]]] = {}
        for item in self.items:
            if item.role in roles[:2]:
                if not item.attribute:
                    raise SchemaProblem(self._where(item.code, "attribute"),
                                        f"a {item.role} item needs an attribute name to pair it")
                counts.setdefault(item.attribute, {role: [] for role in roles})
        for item in self.items:
            if item.role in roles and item.attribute in counts:
                counts[item.attribute][item.role].append(item.code)
        for attribute, by_role in counts.items():
            for role, codes in by_role.items():
                if len(codes) != 1:
                    culprit = codes[1] if codes else [c for r in by_role.values() for c in r][0]
                    raise SchemaProblem(self._where(culprit, "attribute"),
                                        f"attribute {attribute!r} has {len(codes)} {role} items "
                                        f"({', '.join(codes) or 'none'}); the zone of tolerance needs exactly one "
                                        "adequate, one desired and one perception item")
        return set(counts)

    def _where(self, code: str, key: str) -> tuple[str | int, ...]:
        for p, page in enumerate(self.pages):
            for i, item in enumerate(page.items):
                if item.code == code:
                    return ("pages", p, "items", i, key)
        return (key,)

    # -- queries ---------------------------------------------------------------------------------------
    @property
    def items(self) -> list[Item]:
        """All items in page order."""
        return [item for page in self.pages for item in page.items]

    def item(self, code: str) -> Item:
        """The item with this code (KeyError naming the code if there is none)."""
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(f"instrument {self.id!r} has no item {code!r}")

    def scale_of(self, item: Item | str) -> Scale:
        """The scale of an item (or item code): the instrument's own scales first, then the built-ins."""
        name = (self.item(item) if isinstance(item, str) else item).scale
        if name in self.scales:
            return self.scales[name]
        if name in BUILTIN_SCALES:
            return BUILTIN_SCALES[name]
        raise KeyError(f"instrument {self.id!r} has no scale {name!r}")

    def construct_items(self) -> dict[str, list[str]]:
        """Construct -> codes of the items that measure it, in page order (declared constructs only)."""
        out: dict[str, list[str]] = {name: [] for name in self.constructs}
        for item in self.items:
            if item.construct is not None:
                out[item.construct].append(item.code)
        return out

    def items_by_role(self, role: str) -> list[Item]:
        """Items with this role, in page order."""
        return [item for item in self.items if item.role == role]

    def model_spec(self) -> dict[str, Any]:
        """The analysis model implied by the instrument, in MODEL.yaml shape (see :mod:`analysis.model`).

        Constructs keep only items with numeric scales; SERVQUAL expectation items are left out of the
        dimension constructs (the perceptions measure the dimension, expectations are the reference
        level used by ``servqual``). Scales are given per construct when its items share one range,
        otherwise per item, and per item for numeric items outside constructs (reverse-keying needs them).
        """
        return _model_spec(self)

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready definition with built-in scales resolved, stored with each survey."""
        data = self.model_dump(mode="json", by_alias=True)
        used = {name: BUILTIN_SCALES[name] for name in dict.fromkeys(i.scale for i in self.items)
                if name not in self.scales}
        data["scales"] = {**data["scales"], **{n: s.model_dump(mode="json") for n, s in used.items()}}
        return data

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> Instrument:
        """Rebuild an instrument from :meth:`snapshot` output (e.g. read back from the database)."""
        return cls.model_validate(data)


def texts_below(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[tuple[str | int, ...], Text]]:
    """Every Text below ``value`` with its key path, in document order."""
    if isinstance(value, Text):
        return [(path, value)]
    found: list[tuple[tuple[str | int, ...], Text]] = []
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            found += texts_below(getattr(value, name), (*path, name))
    elif isinstance(value, list):
        for index, part in enumerate(value):
            found += texts_below(part, (*path, index))
    elif isinstance(value, dict):
        for key, part in value.items():
            found += texts_below(part, (*path, key))
    return found


_NON_CONSTRUCT_ROLES = ("servqual_expectation", "servqual_adequate", "servqual_desired", "kano_functional",
                        "kano_dysfunctional")
#: Exact Shapley importance enumerates 2^p subsets; beyond this many attributes leave it to the user.
_MAX_DEFAULT_PREDICTORS = 12


def _model_spec(instrument: Instrument) -> dict[str, Any]:
    items = instrument.items
    numeric = {i.code: instrument.scale_of(i) for i in items if instrument.scale_of(i).is_numeric()}
    constructs: dict[str, list[str]] = {}
    for name, codes in instrument.construct_items().items():
        kept = [c for c in codes if c in numeric and instrument.item(c).role not in _NON_CONSTRUCT_ROLES]
        if kept:
            constructs[name] = kept
    in_construct = {c for codes in constructs.values() for c in codes}

    scales: dict[str, dict[str, float]] = {}
    for name, codes in constructs.items():
        ranges = {numeric[c].bounds() for c in codes}
        if len(ranges) == 1 and None not in ranges:
            low, high = ranges.pop()  # type: ignore[misc]
            scales[name] = {"min": low, "max": high}
        else:
            scales.update({c: _bounds(numeric[c]) for c in codes if numeric[c].bounds()})
    for item in items:
        is_kano = item.role in ("kano_functional", "kano_dysfunctional")
        scale = numeric.get(item.code)
        if scale is not None and item.code not in in_construct and not is_kano and scale.bounds():
            scales[item.code] = _bounds(scale)

    paths = {target: [s for s in sources if s in constructs] for target, sources in instrument.paths.items()
             if target in constructs}
    paths = {target: sources for target, sources in paths.items() if sources}
    # Importance is only worth splitting with two or more predictors; one source's importance is its r^2.
    drivers = [{"outcome": target, "predictors": list(sources)} for target, sources in paths.items()
               if len(sources) >= 2]

    def construct_with(roles: tuple[str, ...]) -> str | None:
        # The construct most of whose items have one of these roles (first such construct in page order).
        for name, codes in constructs.items():
            if sum(instrument.item(c).role in roles for c in codes) * 2 > len(codes):
                return name
        return None

    def item_with(roles: tuple[str, ...], kinds: tuple[str, ...] | None = None) -> str | None:
        for role in roles:
            for item in items:
                scale = numeric.get(item.code)
                if item.role == role and scale is not None and (kinds is None or scale.kind in kinds):
                    return item.code
        return None

    outcomes: dict[str, str] = {}
    satisfaction = construct_with(("satisfaction",)) or item_with(("satisfaction",))
    if satisfaction:
        outcomes["satisfaction"] = satisfaction
    loyalty = construct_with(LOYALTY_ROLES) or item_with(LOYALTY_ROLES)
    if loyalty:
        outcomes["loyalty"] = loyalty
    recommend = item_with(("recommend", "enps"), ("nps",))
    if recommend:
        outcomes["recommend"] = recommend

    attributes = [i.code for i in items if i.role == "attribute" and i.code in numeric]
    if satisfaction and 2 <= len(attributes) <= _MAX_DEFAULT_PREDICTORS and satisfaction not in attributes:
        drivers.append({"outcome": satisfaction, "predictors": attributes})
    value = construct_with(("value",))
    components = [i.code for i in items if i.role in ("value", "cost") and i.code in numeric
                  and i.code not in in_construct]
    if value and 2 <= len(components) <= _MAX_DEFAULT_PREDICTORS:
        drivers.append({"outcome": value, "predictors": components})

    spec: dict[str, Any] = {
        "constructs": constructs,
        "reverse": [i.code for i in items if i.reverse and i.code in numeric],
        "scales": scales,
        "paths": paths,
        "drivers": drivers,
        "outcomes": outcomes,
        "attributes": attributes,
    }
    kano = _pairs(instrument, "kano_functional", "kano_dysfunctional", "functional", "dysfunctional")
    if kano:
        spec["kano"] = kano
    trap = _trap_columns(instrument, numeric, kano)
    if trap:
        spec["trap"] = trap
    servqual = _servqual_pairs(instrument)
    if servqual:
        spec["servqual"] = servqual
    return spec


def _bounds(scale: Scale) -> dict[str, float]:
    low, high = scale.bounds()  # type: ignore[misc]
    return {"min": low, "max": high}


def _servqual_pairs(instrument: Instrument) -> list[dict[str, Any]]:
    """SERVQUAL columns per attribute: expectation and perception, plus adequate and desired where asked."""
    keys = {"servqual_expectation": "expectation", "servqual_perception": "perception",
            "servqual_adequate": "adequate", "servqual_desired": "desired"}
    by_attribute: dict[str, dict[str, Any]] = {}
    for item in instrument.items:
        if item.role in keys and item.attribute:
            entry = by_attribute.setdefault(item.attribute, {"attribute": item.attribute, "dimension": None})
            entry[keys[item.role]] = item.code
            if item.construct and entry["dimension"] is None:
                entry["dimension"] = item.construct
    order = ("attribute", "dimension", "expectation", "perception", "adequate", "desired")
    # validation pairs every expectation with a perception; an attribute without one is not a SERVQUAL pair
    return [{key: entry[key] for key in order if key in entry} for entry in by_attribute.values()
            if "perception" in entry and ("expectation" in entry or "desired" in entry)]


def _pairs(instrument: Instrument, first: str, second: str, first_key: str, second_key: str) -> list[dict]:
    """Items paired by ``attribute`` (validation guarantees exactly one of each role per attribute)."""
    by_attribute: dict[str, dict[str, Any]] = {}
    for item in instrument.items:
        if item.role in (first, second) and item.attribute:
            entry = by_attribute.setdefault(item.attribute, {"attribute": item.attribute})
            entry[first_key if item.role == first else second_key] = item.code
            if first.startswith("servqual") and item.construct and "dimension" not in entry:
                entry["dimension"] = item.construct
    out = []
    for entry in by_attribute.values():
        if first.startswith("servqual"):
            entry.setdefault("dimension", None)
            entry = {k: entry[k] for k in ("attribute", "dimension", first_key, second_key)}
        out.append(entry)
    return out


def _trap_columns(instrument: Instrument, numeric: dict[str, Scale], kano: list[dict[str, Any]]) -> dict[str, Any]:
    """The columns the satisfaction-trap diagnosis reads beside the outcomes: stage, bonds, complaints, recovery."""
    items = instrument.items

    def first(role: str, *, yes_no: bool = False) -> str | None:
        for item in items:
            scale = instrument.scale_of(item)
            if item.role == role and (not yes_no or {o.value for o in scale.options} == {0, 1}):
                return item.code
        return None

    trap: dict[str, Any] = {}
    stage = first("stage")
    if stage:
        trap["stage"] = stage
    bonds = [i.code for i in items if i.role == "bond" and i.code in numeric]
    if bonds:
        trap["bonds"] = bonds
    problem, complained = first("problem", yes_no=True), first("complaint", yes_no=True)
    if problem:
        trap["problem"] = problem
    if complained:
        trap["complained"] = complained
    justice = {part: code for part in ("outcome", "procedure", "interaction")
               if (code := first(f"recovery_{part}")) is not None and code in numeric}
    if justice:
        trap["justice"] = justice
    by_attribute = {i.attribute: i.code for i in items if i.role == "attribute" and i.attribute and i.code in numeric}
    kano_items = {p["attribute"]: by_attribute[p["attribute"]] for p in kano if p.get("attribute") in by_attribute}
    if kano_items:
        trap["kano_items"] = kano_items
    if any(i.role in ("intent_to_stay", "enps") for i in items):
        trap["population"] = "employees"
    labels = {}
    for item in items:
        if item.role != "attribute" or item.code not in numeric:
            continue
        if len(item.text.en) <= 80 or item.construct not in instrument.constructs:
            labels[item.code] = {"en": item.text.en, "zh": item.text.zh}
        else:  # a full-sentence statement: name it by its construct, e.g. "Pay (PAY1)"
            label = instrument.constructs[item.construct].label
            labels[item.code] = {"en": f"{label.en} ({item.code})", "zh": f"{label.zh}（{item.code}）"}
    if labels:
        trap["labels"] = labels
    return trap
