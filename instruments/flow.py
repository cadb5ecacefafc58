"""A respondent's way through an instrument: the pages shown and the answers that count, given the answers.

Pages are taken in order. A page is shown when its ``show_if`` holds and at least one of its items is visible;
after a shown page its first ``skip_to`` rule that holds says where to go (a later page or the end). An item is
visible when its ``show_if`` holds. Conditions see only the answers of visible items on shown pages so far, so
an answer left behind on a page that is now skipped (the respondent went back and changed their mind) neither
counts nor steers the way.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from instruments.logic import evaluate
from instruments.schema import END, Instrument, Item, Page


@dataclass(frozen=True)
class Walk:
    """The pages shown (indexes, in order) and the answers of their visible items."""

    pages: list[int]
    answers: dict[str, Any]

    def after(self, index: int) -> int | None:
        """The page shown after page ``index``; None when the survey ends there."""
        later = [p for p in self.pages if p > index]
        return later[0] if later else None

    def before(self, index: int) -> int | None:
        """The page shown before page ``index``; None when it is the first."""
        earlier = [p for p in self.pages if p < index]
        return earlier[-1] if earlier else None

    def nearest(self, index: int) -> int:
        """``index`` if it is shown, else the last shown page before it (else the first shown page)."""
        if index in self.pages or not self.pages:
            return index
        before = self.before(index)
        return before if before is not None else self.pages[0]


def is_visible(item: Item, answers: Mapping[str, Any]) -> bool:
    """Whether ``item`` is shown given the answers so far (its display condition, if any)."""
    return item.show_if is None or evaluate(item.show_if, answers)


def page_opens(page: Page, answers: Mapping[str, Any]) -> bool:
    """Whether the page's own condition holds (its items' conditions aside)."""
    return page.show_if is None or evaluate(page.show_if, answers)


def visible_items(page: Page, answers: Mapping[str, Any], omit: Collection[str] = ()) -> list[Item]:
    """The page's items shown given ``answers`` (which may hold this page's answers: conditions on earlier items
    of the page see them)."""
    return [item for item in page.items if item.code not in omit and is_visible(item, answers)]


def next_index(instrument: Instrument, index: int, answers: Mapping[str, Any]) -> int | None:
    """Where to go after the shown page ``index``: its first skip rule that holds, else the next page; None at
    the end."""
    for rule in instrument.pages[index].skip_to:
        if evaluate(rule.if_, answers):
            if rule.to == END:
                return None
            return next(p for p, page in enumerate(instrument.pages) if page.id == rule.to)
    return index + 1 if index + 1 < len(instrument.pages) else None


def walk(instrument: Instrument, answers: Mapping[str, Any], omit: Collection[str] = ()) -> Walk:
    """The pages a respondent with ``answers`` sees and the answers that count (see the module docstring).

    ``omit`` holds items this respondent is not asked (an anonymous invitee's unit question).
    """
    kept: dict[str, Any] = {}
    shown: list[int] = []
    index: int | None = 0
    while index is not None:
        page = instrument.pages[index]
        if not page_opens(page, kept):
            index = index + 1 if index + 1 < len(instrument.pages) else None
            continue
        visible = False
        for item in page.items:
            if item.code in omit or not is_visible(item, kept):
                continue
            visible = True
            if item.code in answers and answers[item.code] is not None:
                kept[item.code] = answers[item.code]
        if visible:
            shown.append(index)
            index = next_index(instrument, index, kept)
        else:
            index = index + 1 if index + 1 < len(instrument.pages) else None
    return Walk(shown, kept)
