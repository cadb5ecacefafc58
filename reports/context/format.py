"""Numbers and intervals as the report prints them: one place for how every figure is rounded."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reports.context.rules import DASH


def _g(value: Any) -> str:
    """A level as the analysis prints it (9.0 -> "9")."""
    return f"{value:g}" if _finite(value) else DASH


def _scaled(share: Any) -> float | None:
    """A share in percent, or ``None``."""
    return 100 * share if _finite(share) else None


def _signed(value: Any, digits: int) -> str:
    return ("+" if _finite(value) and value > 0 else "") + _num(value, digits)


def _sort_value(value: Any) -> float:
    return value if _finite(value) else math.inf


def _ok(block: Any) -> Any:
    """The block, or ``None`` when it is missing or failed (``"error"`` in it)."""
    if not block or (isinstance(block, Mapping) and block.get("error")):
        return None
    return block


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _num(value: Any, digits: int) -> str:
    """A number with fixed decimals and an ASCII minus (so it can be searched for in the PDF text)."""
    if not _finite(value):
        return DASH
    text = f"{value:,.{digits}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text


def _int(value: Any) -> str:
    return f"{int(value):,}" if _finite(value) else DASH


def _pct(share: Any, digits: int = 1) -> str:
    return f"{_num(100 * share, digits)}%" if _finite(share) else DASH


def _p(value: Any) -> str:
    if not _finite(value):
        return DASH
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _bracket(interval: Sequence[Any] | None, show: Callable[[Any], str]) -> str:
    if not interval or any(not _finite(bound) for bound in interval):
        return DASH
    return f"[{show(interval[0])}, {show(interval[1])}]"


def with_interval(value: Any, interval: Sequence[Any] | None, digits: int) -> str:
    """"0.79 [0.55, 1.09]", or the estimate alone when there is no interval."""
    shown = _num(value, digits)
    bracket = _bracket(interval, lambda bound: _num(bound, digits))
    return shown if bracket == DASH else f"{shown} {bracket}"


def _natural(text: str) -> list[Any]:
    """A sort key that orders numbers inside text by value ("centre 2" before "centre 10")."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]
