"""Synthetic responses with a planted, documented structure, for demos, tests and benchmarks.

Every respondent gets continuous latent scores; items are those scores plus noise, cut into answer
points so that each item has a known marginal distribution. What is planted (and can therefore be
recovered by the analyses) is described in :data:`PLANTED`; :func:`planted_items` says which items of a
given instrument carry it. Everything is vectorised with numpy and deterministic given ``seed``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from instruments.flow import walk
from instruments.logic import Condition, evaluate, referenced_items
from instruments.schema import LOYALTY_ROLES, POINT_KINDS, Instrument, Item, Scale

#: The planted structure. Latent scores are standardized (mean 0, sd 1) before items are made from them.
PLANTED: dict[str, Any] = {
    # Each construct without sources: sqrt(rho) * G + sqrt(1 - rho) * e, G a common factor (with unit effect).
    "exogenous_common_variance": 0.35,
    # Respondents of a unit share a unit effect on G (sd relative to G's); gives unit-level ICC for linkage.
    "unit_effect_sd": 0.3,
    # Standardized loading of the k-th item (k = 0, 1, ...) of a construct on its latent.
    "loadings": "max(0.85 - 0.05 * k, 0.70)",
    # Structural coefficients target <- source on standardized latents, before the target is re-standardized
    # (residual variance 1 - Var(systematic part), at least 0.25). Other paths: 0.6 / (number of sources).
    "paths": {
        "Expectations": {"Image": 0.5},
        "Quality": {"Expectations": 0.55},
        "Value": {"Expectations": 0.1, "Quality": 0.55},
        "Satisfaction": {"Image": 0.15, "Expectations": 0.05, "Quality": 0.4, "Value": 0.25,
                         "WorkItself": 0.25, "Supervision": 0.2, "Recognition": 0.15, "Pay": 0.15,
                         "Promotion": 0.1, "Coworkers": 0.1, "Communication": 0.1, "WorkLife": 0.1,
                         "Benefits": 0.05, "Procedures": 0.05},
        "Complaints": {"Satisfaction": 0.5},
        "Loyalty": {"Image": 0.15, "Satisfaction": 0.35, "Complaints": 0.1},
        "IntentToStay": {"Satisfaction": 0.55},
    },
    "default_path_total": 0.6,
    # Among role=attribute items: which attribute is basic / excitement / performance (first attribute name
    # found in the list; otherwise the first, last and middle attribute item).
    "attribute_names": {
        "basic": ["reliability", "pay"],
        "excitement": ["convenience", "recognition"],
        "performance": ["speed", "supervision"],
    },
    # The satisfaction latent gets weight * g(z) for each of those attributes, z the attribute's standardized
    # performance: slope `below` under -kink, 0 between, slope `above` over +kink (performance: linear).
    # Their items load `loading` on their construct (others 0.85 ... 0.70), so the effect stays theirs.
    "attribute_effects": {
        "kink": 0.6,
        "weight": 1.0,
        "loading": 0.6,
        "basic": {"below": 1.0, "above": 0.05},
        "excitement": {"below": 0.05, "above": 1.0},
        "performance": {"linear": 0.5},
    },
    # Answer distributions: P(point) ~ exp(-(r - center)^2 / (2 width^2)), r = relative position 0..1.
    "marginal": {"center": 0.68, "width": 0.22},
    # The satisfaction item (first point-scale item with role satisfaction) has exactly these top-box shares.
    "satisfaction_top": 0.12,
    "satisfaction_second": 0.18,
    # P(loyal | satisfaction level): loyal = top-two boxes of the loyalty item (first point-scale item with
    # role repurchase, loyalty, intent_to_stay, price_tolerance, recommend or enps; not reverse-keyed).
    # Below the zone it rises linearly from `floor`; within the zone (relative level >= zone_start, below
    # the top two levels) it is flat at `plateau`; then `second` and `top`.
    "loyalty_curve": {"floor": 0.03, "low": 0.12, "zone_start": 0.4, "plateau": 0.22, "second": 0.35,
                      "top": 0.85},
    # Share of satisfied (top-two-box) respondents who are not loyal: (0.18 * 0.65 + 0.12 * 0.15) / 0.30.
    "trap_index": 0.45,
    # Share of all respondents who are satisfied but not loyal (Jones & Sasser's mercenaries): 0.45 * 0.30.
    "mercenary_share": 0.135,
    # The loyalty latent adds `loyal_weight` * standardized loyal indicator and `bond_weight` * bond factor.
    "loyal_weight": 0.45,
    "bond_weight": 0.2,
    # Problems: P = logistic(logit(problem_rate) - 0.8 * satisfaction latent); complaints among them.
    "problem_rate": 0.25,
    "complaint_rate": 0.45,
    # Kano category probabilities per planted attribute type (matched by attribute name as above).
    "kano": {
        "basic": {"M": 0.55, "O": 0.15, "A": 0.05, "I": 0.20, "R": 0.03, "Q": 0.02},
        "excitement": {"A": 0.55, "O": 0.15, "M": 0.05, "I": 0.20, "R": 0.03, "Q": 0.02},
        "performance": {"O": 0.55, "A": 0.12, "M": 0.13, "I": 0.15, "R": 0.03, "Q": 0.02},
        "other": {"I": 0.40, "O": 0.22, "M": 0.18, "A": 0.15, "R": 0.03, "Q": 0.02},
    },
    # SERVQUAL: expectations sit higher than perceptions, so every gap is negative; Reliability most.
    "servqual": {"expectation_center": 0.85, "perception_center": 0.68,
                 "perception_center_by_dimension": {"Reliability": 0.55}},
    "comment_rate": 0.3,
    "blank_rate": 0.05,
    # With contrasts=True (the demo surveys): a manager's report should find something to act on. The second
    # unit (of the unit question's options) is clearly weaker and the third clearly stronger (their effect on G
    # replaced by these, and `unit_on_satisfaction` times it added to satisfaction), and the answer
    # distributions of constructs and attributes are centred apart (each by the next offset in turn, relative
    # position 0..1) instead of all alike; the items of one construct in turn a little apart too (else their
    # answers, cut at the same shares, would have one mean and every item the same performance).
    "contrasts": {"weaker_unit": -1.0, "stronger_unit": 0.8, "unit_on_satisfaction": 0.5,
                  "center_offsets": (-0.12, 0.10, -0.05, 0.06, -0.09, 0.03, 0.12, -0.02),
                  "item_offsets": (0.0, 0.06, -0.05, 0.09, -0.08, 0.03, -0.03, 0.05)},
}

# Kano answers: 1 like, 2 must-be, 3 neutral, 4 live-with, 5 dislike; (functional, dysfunctional) cells of
# the evaluation table for each category, with the share of the category drawn from each cell.
_KANO_CELLS: dict[str, tuple[list[tuple[int, int]], list[float]]] = {
    "A": ([(1, 3), (1, 4), (1, 2)], [0.6, 0.25, 0.15]),
    "O": ([(1, 5)], [1.0]),
    "M": ([(3, 5), (2, 5), (4, 5)], [0.5, 0.3, 0.2]),
    "I": ([(3, 3), (3, 4), (4, 4), (2, 3), (4, 3)], [0.5, 0.15, 0.15, 0.1, 0.1]),
    "R": ([(5, 1), (4, 1), (5, 3)], [0.5, 0.25, 0.25]),
    "Q": ([(1, 1), (5, 5)], [0.5, 0.5]),
}

_COMMENTS: dict[str, dict[str, list[str]]] = {
    "customer": {
        "positive": ["服务很好，谢谢！", "员工很专业，也很耐心。", "Great service, thank you!",
                     "Staff were friendly and helpful."],
        "neutral": ["总体还可以，希望营业时间更长一些。", "价格再优惠一点就更好了。", "It's fine overall.",
                    "The app could be easier to use."],
        "negative": ["排队时间太长了。", "问题反映了好几次都没有解决。", "Waiting times are far too long.",
                     "Nobody got back to me about my complaint."],
    },
    "employee": {
        "positive": ["团队氛围很好。", "领导很支持我们的工作。", "I enjoy my work and my colleagues.",
                     "Good team spirit."],
        "neutral": ["希望有更多培训机会。", "流程可以再简化一些。", "More flexible hours would help.",
                    "Some tools are out of date."],
        "negative": ["工作量太大，经常加班。", "晋升标准不透明。", "Decisions are not explained to us.",
                     "Pay has not kept up with the workload."],
    },
}

_EMPLOYEE_ROLES = ("enps", "intent_to_stay", "internal_service")
_LOYALTY_ITEM_ROLES = ("repurchase", "loyalty", "intent_to_stay", "price_tolerance", "recommend", "enps")
_STAGE_ORDER = ("decline", "exploration", "formation", "stability")
_STAGE_SHARES = (0.12, 0.25, 0.30, 0.33)


def population(instrument: Instrument) -> str:
    """"employee" when the questionnaire asks employees (eNPS, intent to stay, internal service), else "customer"."""
    return "employee" if any(i.role in _EMPLOYEE_ROLES for i in instrument.items) else "customer"


def comment_tone(text: str, kind: str) -> str | None:
    """The tone ("positive", "neutral", "negative") of one of the synthetic comments of ``kind`` (perhaps cut to
    the item's length), else None."""
    if not text:
        return None
    return next((tone for tone, comments in _COMMENTS[kind].items()
                 if any(comment.startswith(text) for comment in comments)), None)


def planted_items(instrument: Instrument) -> dict[str, str]:
    """Which items of ``instrument`` carry the planted structure (keys: satisfaction, loyalty, basic, ...)."""
    out: dict[str, str] = {}
    # The loyalty curve needs a zone below the top two levels, so at least four answer points.
    point = [i for i in instrument.items
             if instrument.scale_of(i).kind in POINT_KINDS and len(instrument.scale_of(i).points()) >= 4]
    satisfaction = next((i for i in point if i.role == "satisfaction"), None)
    if satisfaction is not None:
        out["satisfaction"] = satisfaction.code
    for role in _LOYALTY_ITEM_ROLES:
        loyal = next((i for i in point if i.role == role and not i.reverse), None)
        if loyal is not None:
            out["loyalty"] = loyal.code
            break
    attributes = [i for i in point if i.role == "attribute"]
    taken: set[str] = set()
    for kind, fallback in (("basic", 0), ("excitement", -1), ("performance", len(attributes) // 2)):
        named = [i for name in PLANTED["attribute_names"][kind] for i in attributes
                 if i.attribute == name and i.code not in taken]
        chosen = named[0] if named else (attributes[fallback] if attributes else None)
        if chosen is not None and chosen.code not in taken:
            out[kind] = chosen.code
            taken.add(chosen.code)
    return out


def loyalty_curve(scale: Scale) -> dict[int, float]:
    """The planted P(loyal | satisfaction level) for a satisfaction item on ``scale``."""
    curve = PLANTED["loyalty_curve"]
    points = scale.points()
    span = points[-1] - points[0]
    out = {}
    for k in points:
        r = (k - points[0]) / span
        if k == points[-1]:
            out[k] = curve["top"]
        elif k == points[-2]:
            out[k] = curve["second"]
        elif r >= curve["zone_start"]:
            out[k] = curve["plateau"]
        else:
            out[k] = curve["floor"] + (curve["low"] - curve["floor"]) * r / curve["zone_start"]
    return out


def kano_types(instrument: Instrument) -> dict[str, str]:
    """Kano attribute name -> planted type (basic, excitement, performance or other)."""
    names = list(dict.fromkeys(i.attribute for i in instrument.items
                               if i.role == "kano_functional" and i.attribute))
    out = dict.fromkeys(names, "other")
    for kind, fallback in (("basic", 0), ("excitement", -1), ("performance", len(names) // 2)):
        named = [n for n in PLANTED["attribute_names"][kind] if n in out and out[n] == "other"]
        if named:
            out[named[0]] = kind
        elif names and out[names[fallback]] == "other":
            out[names[fallback]] = kind
    return out


def synthetic_responses(instrument: Instrument, n: int, *, seed: int = 0, contrasts: bool = False) -> pd.DataFrame:
    """Synthetic answers to ``instrument``: one row per respondent, one column per item code.

    Values are valid for each item's scale: ints on numeric scales (int64 columns, or object columns
    holding None where an item is hidden by ``show_if`` or left blank), option values on choice scales,
    lists on multiple choice, short comments (Chinese or English) in some open-text answers. ``contrasts``
    plants what a demo report should find: a weaker and a stronger unit, and constructs that perform unlike
    (``PLANTED["contrasts"]``).

    Examples
    --------
    >>> from instruments.registry import get_instrument
    >>> frame = synthetic_responses(get_instrument("customer_satisfaction"), 1000, seed=1)
    >>> frame.shape
    (1000, 44)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a whole number of respondents (0 or more), not {n!r}")
    return _Generator(instrument, int(n), seed, contrasts=contrasts).run()


class _Generator:
    """One run: latent scores first (so that every dependency is drawn once), then the items."""

    def __init__(self, instrument: Instrument, n: int, seed: int, *, contrasts: bool = False) -> None:
        self.instrument = instrument
        self.n = n
        self.contrasts = contrasts
        self.rng = np.random.default_rng(seed)
        self.items = instrument.items
        self.plan = planted_items(instrument)
        self.planted_attributes = {self.plan[k] for k in ("basic", "excitement", "performance")
                                   if k in self.plan}
        self.latent: dict[str, np.ndarray] = {}
        self.continuous: dict[str, np.ndarray] = {}
        self.values: dict[str, np.ndarray] = {}
        self.busy: set[str] = set()
        self.kind = population(instrument)
        self.measured = {name for name, codes in instrument.construct_items().items() if codes}

    # -- helpers ---------------------------------------------------------------------------------------
    def normal(self) -> np.ndarray:
        return self.rng.standard_normal(self.n)

    @staticmethod
    def standardize(x: np.ndarray) -> np.ndarray:
        sd = x.std()
        return (x - x.mean()) / sd if sd > 0 else x - x.mean()

    def endogenous(self, systematic: np.ndarray) -> np.ndarray:
        residual = max(1.0 - float(systematic.var()), 0.25)
        return self.standardize(systematic + math.sqrt(residual) * self.normal())

    def from_common(self, share: float) -> np.ndarray:
        return math.sqrt(share) * self.latent["_G"] + math.sqrt(1 - share) * self.normal()

    # -- latent scores ---------------------------------------------------------------------------------
    def run(self) -> pd.DataFrame:
        columns = [i.code for i in self.items]
        if self.n == 0:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
        self.draw_units()
        for name in self.instrument.constructs:
            if name in self.measured:
                self.construct(name)
        self.satisfaction_latent()
        self.loyal()
        self.loyalty_latent()
        for item in self.items:
            self.values[item.code] = self.generate(item)
            self.continuous.pop(item.code, None)
        self.apply_conditions()
        # Object columns stay object so that hidden answers remain None (pandas would make text NaN).
        return pd.DataFrame({c: pd.Series(self.values[c], dtype=object) if self.values[c].dtype == object
                             else self.values[c] for c in columns}, columns=columns)

    def draw_units(self) -> None:
        g = self.normal()
        units = [i for i in self.items if i.role == "unit" and self.instrument.scale_of(i).kind == "single"]
        if units:
            options = self.instrument.scale_of(units[0]).values()
            k = len(options)
            # Uneven unit sizes, as in real branch networks (largest about twice the smallest).
            weights = np.linspace(2.0, 1.0, k) / np.linspace(2.0, 1.0, k).sum()
            index = self.rng.choice(k, size=self.n, p=weights)
            effect = self.rng.normal(0.0, PLANTED["unit_effect_sd"], size=k)
            if self.contrasts and k >= 3:
                effect[1] = PLANTED["contrasts"]["weaker_unit"]
                effect[2] = PLANTED["contrasts"]["stronger_unit"]
                # the unit shows in satisfaction itself, not only through the common factor
                self.latent["_unit"] = effect[index]
            g = g + effect[index]
            self.values[units[0].code] = np.array(options, dtype=object)[index]
        self.latent["_G"] = self.standardize(g)

    def construct(self, name: str) -> np.ndarray:
        if name in self.latent:
            return self.latent[name]
        if name in self.busy:
            # Only reachable through the extra planted links (attributes, loyal indicator); fall back to G.
            return self.latent["_G"]
        self.busy.add(name)
        sources = [s for s in self.instrument.paths.get(name, []) if s in self.measured]
        sat_item = self.item_or_none(self.plan.get("satisfaction"))
        loyal_item = self.item_or_none(self.plan.get("loyalty"))
        if not sources:
            latent = self.standardize(self.from_common(PLANTED["exogenous_common_variance"]))
        else:
            weights = PLANTED["paths"].get(name, {})
            default = PLANTED["default_path_total"] / len(sources)
            systematic = sum(weights.get(s, default) * self.construct(s) for s in sources)
            if sat_item is not None and sat_item.construct == name:
                systematic = systematic + self.attribute_term()
                if "_unit" in self.latent:
                    systematic = systematic + PLANTED["contrasts"]["unit_on_satisfaction"] * self.latent["_unit"]
            if loyal_item is not None and loyal_item.construct == name:
                systematic = systematic + self.loyalty_extra()
            latent = self.endogenous(np.asarray(systematic, dtype=float))
        self.busy.discard(name)
        self.latent[name] = latent
        return latent

    def item_or_none(self, code: str | None) -> Item | None:
        return self.instrument.item(code) if code else None

    def attribute_term(self) -> np.ndarray:
        effects = PLANTED["attribute_effects"]
        kink, term = effects["kink"], np.zeros(self.n)
        for kind in ("basic", "excitement", "performance"):
            code = self.plan.get(kind)
            if code is None:
                continue
            z = self.standardize(self.item_continuous(self.instrument.item(code)))
            if kind == "performance":
                term += effects["weight"] * effects[kind]["linear"] * z
            else:
                shape = effects[kind]
                term += effects["weight"] * (shape["below"] * np.minimum(z + kink, 0)
                                             + shape["above"] * np.maximum(z - kink, 0))
        return term

    def satisfaction_latent(self) -> np.ndarray:
        if "_S" in self.latent:
            return self.latent["_S"]
        item = self.item_or_none(self.plan.get("satisfaction"))
        if item is not None and item.construct in self.measured:
            latent = self.construct(item.construct)
        else:
            latent = self.endogenous(0.6 * self.latent["_G"] + self.attribute_term())
        self.latent["_S"] = latent
        return latent

    def loyal(self) -> np.ndarray | None:
        """The planted loyal indicator (None without a satisfaction and a loyalty item)."""
        if "_loyal" in self.latent:
            return self.latent["_loyal"]
        sat, loy = self.plan.get("satisfaction"), self.plan.get("loyalty")
        if sat is None or loy is None:
            return None
        scale = self.instrument.scale_of(sat)
        if sat not in self.values:
            self.values[sat] = self.satisfaction_item(self.instrument.item(sat), scale)
        curve = loyalty_curve(scale)
        levels = np.asarray(self.values[sat], dtype=np.int64)
        probability = np.array([curve[k] for k in scale.points()])[levels - scale.points()[0]]
        loyal = (self.rng.random(self.n) < probability).astype(float)
        self.latent["_loyal"] = loyal
        return loyal

    def loyalty_extra(self) -> np.ndarray:
        extra = np.zeros(self.n)
        loyal = self.loyal()
        if loyal is not None:
            extra += PLANTED["loyal_weight"] * self.standardize(loyal)
        if any(i.role == "bond" for i in self.items):
            extra += PLANTED["bond_weight"] * self.bond()
        return extra

    def bond(self) -> np.ndarray:
        # Bonds are mostly independent of satisfaction: they are what keeps hostages.
        if "_B" not in self.latent:
            self.latent["_B"] = self.standardize(self.from_common(0.1))
        return self.latent["_B"]

    def loyalty_latent(self) -> np.ndarray:
        if "_L" in self.latent:
            return self.latent["_L"]
        item = self.item_or_none(self.plan.get("loyalty"))
        construct = next((i.construct for i in self.items if i.role in LOYALTY_ROLES and i.construct
                          in self.measured), None)
        if item is not None and item.construct in self.measured:
            latent = self.construct(item.construct)
        elif construct is not None:
            latent = self.construct(construct)
        else:
            latent = self.endogenous(0.5 * self.satisfaction_latent() + self.loyalty_extra())
        self.latent["_L"] = latent
        return latent

    # -- continuous item scores ------------------------------------------------------------------------
    def item_continuous(self, item: Item) -> np.ndarray:
        if item.code in self.continuous:
            return self.continuous[item.code]
        if item.role == "servqual_expectation":
            if "_E" not in self.latent:
                self.latent["_E"] = self.standardize(self.from_common(0.1))
            latent, loading = self.latent["_E"], 0.7
        elif item.construct in self.measured:
            codes = self.instrument.construct_items()[item.construct]
            latent = self.construct(item.construct)
            loading = max(0.85 - 0.05 * codes.index(item.code), 0.70)
            if item.code in self.planted_attributes:
                # More unique variance, so that the planted asymmetric effect belongs to this attribute.
                loading = PLANTED["attribute_effects"]["loading"]
        else:
            latent, loading = self.role_latent(item)
        x = loading * latent + math.sqrt(1 - loading**2) * self.normal()
        if item.reverse:
            x = -x
        self.continuous[item.code] = x
        return x

    def role_latent(self, item: Item) -> tuple[np.ndarray, float]:
        role = item.role
        if role in ("satisfaction", "recovery_outcome", "recovery_procedure", "recovery_interaction"):
            return self.satisfaction_latent(), (0.8 if role == "satisfaction" else 0.5)
        if role in (*LOYALTY_ROLES, "enps"):
            return self.loyalty_latent(), 0.75
        if role == "bond":
            return self.bond(), 0.7
        if role in ("value", "cost"):
            value = next((i.construct for i in self.items
                          if i.role == "value" and i.construct in self.measured), None)
            return (self.construct(value) if value else self.latent["_G"]), 0.6
        return self.latent["_G"], 0.5

    # -- answers ---------------------------------------------------------------------------------------
    def generate(self, item: Item) -> np.ndarray:
        if item.code in self.values:
            return self.values[item.code]
        scale = self.instrument.scale_of(item)
        if item.code == self.plan.get("loyalty"):
            return self.loyalty_item(item, scale)
        if scale.kind in POINT_KINDS:
            return self.points(item, scale, self.item_continuous(item))
        if item.role in ("kano_functional", "kano_dysfunctional") and set(scale.values()) == {1, 2, 3, 4, 5}:
            return self.kano(item)
        if scale.kind == "single":
            return self.single(item, scale)
        if scale.kind == "multiple":
            return self.multiple(item, scale)
        if scale.kind == "numeric":
            return self.numeric(item, scale)
        return self.text(item)

    def shape(self, scale: Scale, center: float) -> np.ndarray:
        points = np.asarray(scale.points(), dtype=float)
        r = (points - points[0]) / (points[-1] - points[0])
        p = np.exp(-((r - center) ** 2) / (2 * PLANTED["marginal"]["width"] ** 2))
        return p / p.sum()

    def center(self, item: Item) -> float:
        servqual = PLANTED["servqual"]
        if item.role == "servqual_expectation":
            return servqual["expectation_center"]
        if item.role == "servqual_perception":
            by_dimension = servqual["perception_center_by_dimension"]
            return by_dimension.get(item.construct, servqual["perception_center"])
        center = PLANTED["marginal"]["center"]
        if self.contrasts:
            # each construct (and each attribute without one) in turn a step above or below the common centre
            groups = list(self.instrument.constructs) + [i.code for i in self.items if i.construct is None]
            key = item.construct if item.construct is not None else item.code
            if key in groups and item.role not in ("satisfaction",):
                offsets = PLANTED["contrasts"]["center_offsets"]
                center += offsets[groups.index(key) % len(offsets)]
                if item.construct is not None:
                    siblings = [i.code for i in self.items if i.construct == item.construct]
                    spread = PLANTED["contrasts"]["item_offsets"]
                    center += spread[siblings.index(item.code) % len(spread)]
        return center

    def cut(self, x: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
        """Indexes 0..k-1 with the given shares, cutting ``x`` at its empirical quantiles.

        Beyond 200,000 rows the quantiles come from a fixed subsample (shares then within about 0.002 of
        the target), which keeps a million respondents fast.
        """
        cumulative = np.cumsum(probabilities)[:-1]
        sample = x if x.size <= 200_000 else x[:: x.size // 200_000]
        thresholds = np.quantile(sample, cumulative)
        index = np.zeros(x.size, dtype=np.int64)
        for threshold in thresholds:
            index += x > threshold
        return index

    def points(self, item: Item, scale: Scale, x: np.ndarray) -> np.ndarray:
        if item.code == self.plan.get("satisfaction"):
            return self.satisfaction_item(item, scale)
        index = self.cut(x, self.shape(scale, self.center(item)))
        return (index + scale.points()[0]).astype(np.int64)

    def satisfaction_item(self, item: Item, scale: Scale) -> np.ndarray:
        top, second = PLANTED["satisfaction_top"], PLANTED["satisfaction_second"]
        shares = self.shape(scale, PLANTED["marginal"]["center"])
        shares[-2:] = 0.0
        shares = shares / shares.sum() * (1 - top - second)
        shares[-2], shares[-1] = second, top
        x = self.item_continuous(item)
        return (self.cut(x, shares) + scale.points()[0]).astype(np.int64)

    def loyalty_item(self, item: Item, scale: Scale) -> np.ndarray:
        loyal = self.loyal()
        x = self.item_continuous(item)
        if loyal is None:
            return self.points(item, scale, x)
        points = scale.points()
        out = np.empty(self.n, dtype=np.int64)
        yes = loyal > 0.5
        # Loyal respondents answer in the top two boxes (the higher their latent, the more often the top).
        if yes.any():
            out[yes] = np.where(x[yes] + self.rng.standard_normal(int(yes.sum())) > 0, points[-1], points[-2])
        if (~yes).any():
            shares = self.shape(scale, PLANTED["marginal"]["center"])[:-2]
            out[~yes] = self.cut(x[~yes], shares / shares.sum()) + points[0]
        return out

    def kano(self, item: Item) -> np.ndarray:
        attribute = item.attribute or ""
        key = f"_kano_{attribute}"
        if key not in self.values:
            kind = kano_types(self.instrument).get(attribute, "other")
            table = PLANTED["kano"][kind]
            categories = list(table)
            category = self.rng.choice(len(categories), size=self.n, p=list(table.values()))
            functional = np.empty(self.n, dtype=np.int64)
            dysfunctional = np.empty(self.n, dtype=np.int64)
            for c, name in enumerate(categories):
                rows = np.flatnonzero(category == c)
                cells, weights = _KANO_CELLS[name]
                pick = self.rng.choice(len(cells), size=rows.size, p=weights)
                functional[rows] = np.array([f for f, _ in cells])[pick]
                dysfunctional[rows] = np.array([d for _, d in cells])[pick]
            self.values[key] = functional
            self.values[key + "_d"] = dysfunctional
        return self.values[key if item.role == "kano_functional" else key + "_d"]

    def single(self, item: Item, scale: Scale) -> np.ndarray:
        options = scale.values()
        if item.role == "customer_id":
            return np.array([f"R{i:07d}" for i in range(1, self.n + 1)], dtype=object)
        if set(options) == {0, 1} and item.role in ("problem", "complaint"):
            return self.yes_no(item)
        if item.role == "stage" and set(options) >= set(_STAGE_ORDER):
            index = self.cut(self.loyalty_latent() + 0.5 * self.normal(), np.array(_STAGE_SHARES))
            return np.array(_STAGE_ORDER, dtype=object)[index]
        x = self.item_continuous(item)
        if scale.is_numeric() and set(options) == {0, 1}:
            return (x > 0).astype(np.int64)
        if scale.is_numeric():
            ordered = sorted(options)
            probabilities = np.interp(np.linspace(0, 1, len(ordered)), [0, 1], [0.6, 1.4])
            index = self.cut(x, probabilities / probabilities.sum())
            return np.array(ordered, dtype=np.int64)[index]
        # Unordered options: uneven shares, unrelated to the latent scores.
        weights = np.linspace(1.5, 1.0, len(options))
        index = self.rng.choice(len(options), size=self.n, p=weights / weights.sum())
        return np.array(options, dtype=object)[index]

    def yes_no(self, item: Item) -> np.ndarray:
        if item.role == "problem":
            base = math.log(PLANTED["problem_rate"] / (1 - PLANTED["problem_rate"]))
            probability = 1 / (1 + np.exp(-(base - 0.8 * self.satisfaction_latent())))
        else:
            probability = np.full(self.n, PLANTED["complaint_rate"])
        return (self.rng.random(self.n) < probability).astype(np.int64)

    def multiple(self, item: Item, scale: Scale) -> np.ndarray:
        options = scale.values()
        chosen = self.rng.random((self.n, len(options))) < 0.35
        # Everyone picks at least one option (their most likely one) so that required items are answered.
        none = ~chosen.any(axis=1)
        chosen[np.flatnonzero(none), self.rng.integers(0, len(options), size=int(none.sum()))] = True
        out = np.empty(self.n, dtype=object)
        out[:] = [[options[j] for j in np.flatnonzero(row)] for row in chosen]
        return out

    def numeric(self, item: Item, scale: Scale) -> np.ndarray:
        x = self.item_continuous(item)
        if scale.min is not None and scale.max is not None:
            value = scale.min + (scale.max - scale.min) * ndtr(x)
            if item.role == "share_of_wallet" or scale.max - scale.min >= 50:
                value = np.round(value / 5) * 5  # people answer percentages in round numbers
            return np.clip(np.round(value), scale.min, scale.max).astype(np.int64)
        value = np.round(np.exp(1.5 + 0.8 * x))
        if scale.min is not None:
            value = np.maximum(value, scale.min)
        if scale.max is not None:
            value = np.minimum(value, scale.max)
        return value.astype(np.int64)

    def text(self, item: Item) -> np.ndarray:
        limit = self.instrument.scale_of(item).max_length
        bank = {tone: [c[:limit] for c in comments] for tone, comments in _COMMENTS[self.kind].items()}
        sentiment = self.satisfaction_latent()
        out = np.full(self.n, None, dtype=object)
        writes = self.rng.random(self.n) < PLANTED["comment_rate"]
        groups: dict[str, Callable[[np.ndarray], np.ndarray]] = {
            "positive": lambda s: s > 0.5,
            "negative": lambda s: s < -0.5,
            "neutral": lambda s: (s >= -0.5) & (s <= 0.5),
        }
        for tone, test in groups.items():
            rows = np.flatnonzero(writes & test(sentiment))
            comments = np.array(bank[tone], dtype=object)
            out[rows] = comments[self.rng.integers(0, len(comments), size=rows.size)]
        if item.required:
            blank = np.flatnonzero(~writes)
            neutral = np.array(bank["neutral"], dtype=object)
            out[blank] = neutral[self.rng.integers(0, len(neutral), size=blank.size)]
        return out

    # -- visibility and blanks -------------------------------------------------------------------------
    @staticmethod
    def shown(values: np.ndarray, allowed: set[str], scale: Scale) -> np.ndarray:
        """Rows whose answer is one of ``allowed`` (compared as text, as the web form does)."""
        if values.dtype.kind == "i":
            return np.isin(values, [int(v) for v in allowed if v.lstrip("-").isdigit()])
        if scale.kind == "multiple":
            return np.array([row is not None and any(str(v) in allowed for v in row) for row in values])
        series = pd.Series(values, dtype=object)
        if not all(isinstance(v, str) for v in scale.values()):
            series = series.map(lambda v: None if v is None else str(v))
        return series.isin(allowed).to_numpy(dtype=bool)

    def row_answers(self, row: int, codes: list[str], hidden: dict[str, np.ndarray]) -> dict[str, Any]:
        """One respondent's answers to ``codes`` (hidden ones left out), numbers as Python numbers."""
        out: dict[str, Any] = {}
        for code in codes:
            if code in hidden and not hidden[code][row]:
                value = self.values[code][row]
                out[code] = value.item() if isinstance(value, np.generic) else value
        return out

    def shown_by(self, condition: Condition, hidden: dict[str, np.ndarray]) -> np.ndarray:
        """Rows for which a combined or numeric condition holds (row by row: such conditions are rare)."""
        codes = referenced_items(condition)
        return np.array([evaluate(condition, self.row_answers(row, codes, hidden)) for row in range(self.n)],
                        dtype=bool)

    def apply_page_logic(self, hidden: dict[str, np.ndarray]) -> None:
        """Hide the items of pages a respondent skips (page conditions and skip rules), row by row."""
        codes = [item.code for item in self.items]
        for row in range(self.n):
            way = walk(self.instrument, self.row_answers(row, codes, hidden))
            for index, page in enumerate(self.instrument.pages):
                if index not in way.pages:
                    for item in page.items:
                        hidden[item.code][row] = True

    def apply_conditions(self) -> None:
        """Hide items whose condition fails (on the answers before any blanking), then blank optional ones."""
        hidden: dict[str, np.ndarray] = {}
        for item in self.items:
            mask = np.zeros(self.n, dtype=bool)
            if item.show_if is not None and item.show_if.test == "in":  # one item's answers: vectorised
                ref = item.show_if.item
                allowed = {str(v) for v in item.show_if.in_}
                shown = self.shown(self.values[ref], allowed, self.instrument.scale_of(ref))
                mask = ~shown | hidden[ref]
            elif item.show_if is not None:
                mask = ~self.shown_by(item.show_if, hidden)
            if not item.required and self.instrument.scale_of(item).kind != "text":
                mask = mask | (self.rng.random(self.n) < PLANTED["blank_rate"])
            hidden[item.code] = mask
        if any(page.show_if is not None or page.skip_to for page in self.instrument.pages):
            self.apply_page_logic(hidden)
        for code, mask in hidden.items():
            if mask.any():
                column = self.values[code].astype(object)
                column[mask] = None
                self.values[code] = column
