"""Groups rolled up a hierarchy: stores into regions, regions into divisions.

Each respondent belongs to one group (the store they named, the department of their invitation). A hierarchy
names each group's parent; a parent's figures are those of every respondent in its subtree. Parents are
compared with the other parents at their depth of the tree, as the groups are compared with each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError


@dataclass(frozen=True)
class Tier:
    """The parents at one depth of the tree (0: the top) and each respondent's parent at that depth."""

    depth: int
    #: the parents at this depth that hold respondents, in tree order
    levels: list[str]
    #: by respondent: the parent at this depth whose subtree holds their group; None when none does
    labels: pd.Series


def chains(parents: Mapping[str, str | None]) -> dict[str, list[str]]:
    """Each node's path from the top of the tree down to it (itself last); AnalysisError on a cycle."""
    out: dict[str, list[str]] = {}
    for start in parents:
        path, node = [start], parents.get(start)
        while node is not None:
            if node in path:
                raise AnalysisError(f"The hierarchy has a cycle: {' -> '.join([*reversed(path), node])}.")
            path.append(node)
            node = parents.get(node)
        out[start] = path[::-1]
    return out


def tiers(groups: pd.Series, parents: Mapping[str, str | None]) -> list[Tier]:
    """The parents of ``groups`` (one group name per respondent, None without one) tier by tier from the top.

    A parent is a node above at least one group that holds respondents; its own respondents (a region's, when
    answers come from the region itself) count in its subtree. Groups the hierarchy does not know are on their own,
    at the top. Tiers are listed only when they hold a parent.
    """
    present = [str(g) for g in pd.unique(groups.dropna())]
    codes, uniques = pd.factorize(groups)  # missing: code -1
    paths = chains({**{g: None for g in present}, **parents})
    above = {node for g in present for node in paths[g][:-1]}
    out = []
    for depth in range(max((len(paths[g]) for g in present), default=0)):
        at_depth = {g: path[depth] for g in present if len(path := paths[g]) > depth and path[depth] in above}
        if not at_depth:
            continue
        order = sorted(set(at_depth.values()), key=lambda node: _tree_key(paths, node))
        # each distinct group's parent once, then every respondent's by the group's code
        parent_of = np.array([None, *(at_depth.get(str(g)) for g in uniques)], dtype=object)
        labels = pd.Series(parent_of[codes + 1], index=groups.index, dtype=object, name=groups.name)
        out.append(Tier(depth=depth, levels=order, labels=labels))
    return out


def tree_order(nodes: list[str], parents: Mapping[str, str | None]) -> list[str]:
    """``nodes`` in the order of a walk down the tree: each parent before its children, siblings by name."""
    paths = chains({**{node: None for node in nodes}, **parents})
    return sorted(nodes, key=lambda node: _tree_key(paths, node))


def _tree_key(paths: Mapping[str, list[str]], node: str) -> list[str]:
    return paths.get(node, [node])
