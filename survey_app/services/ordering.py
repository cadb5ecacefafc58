"""The order a respondent sees a shuffled page's items and a shuffled item's options in.

Each order is drawn once per response from a seed made of the response's submission key and the page or item,
never from the clock, and kept with the response (``Response.display_order``): a reload, Back, another device
and a changed instrument (new items go last) show the order the respondent first saw.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from instruments.schema import Instrument, Item, Page


def page_key(page: Page) -> str:
    """The ``display_order`` key of a page's item order."""
    return f"page:{page.id}"


def options_key(item: Item) -> str:
    """The ``display_order`` key of an item's option order."""
    return f"options:{item.code}"


def shuffled(values: Sequence[str], seed: str) -> list[str]:
    """``values`` in an order drawn from ``seed`` (the same seed, the same order, on every machine)."""
    out = list(values)
    random.Random(seed).shuffle(out)  # noqa: S311 - an order to show, not a secret
    return out


def _kept(stored: Sequence[str] | None, values: Sequence[str], seed: str) -> list[str]:
    """The stored order of ``values`` (new values last, gone ones dropped), or a new one drawn from ``seed``."""
    if not stored:
        return shuffled(values, seed)
    present = [v for v in stored if v in values]
    return present + [v for v in values if v not in present]


def _blocks(page: Page) -> list[list[str]]:
    """The page's items as blocks that move together: a matrix's rows, or one item."""
    blocks: list[list[str]] = []
    previous: str | None = None
    for item in page.items:
        if item.matrix is not None and item.matrix == previous:
            blocks[-1].append(item.code)
        else:
            blocks.append([item.code])
        previous = item.matrix
    return blocks


def page_order(instrument: Instrument, page_index: int, seed: str,
               stored: Mapping[str, list[str]] | None) -> dict[str, list[str]]:
    """The orders of page ``page_index`` for one response: ``{page key: item codes, options key: values}`` for
    what the page and its items shuffle (empty when nothing is shuffled)."""
    page = instrument.pages[page_index]
    stored = stored or {}
    orders: dict[str, list[str]] = {}
    if page.randomize:
        blocks = _blocks(page)
        heads = _kept(stored.get(page_key(page)), [block[0] for block in blocks], f"{seed}:{page_key(page)}")
        by_head = {block[0]: block for block in blocks}
        orders[page_key(page)] = [code for head in heads for code in by_head[head]]
    first_row: dict[str, list[str]] = {}
    for item in page.items:
        if item.randomize_options or instrument.scale_of(item).randomize_options:
            values = [str(value) for value in instrument.scale_of(item).values()]
            if item.matrix is not None and item.matrix in first_row:
                orders[options_key(item)] = first_row[item.matrix]  # a grid's columns are shared by its rows
                continue
            orders[options_key(item)] = _kept(stored.get(options_key(item)), values, f"{seed}:{options_key(item)}")
            if item.matrix is not None:
                first_row[item.matrix] = orders[options_key(item)]
    return orders
