"""The examples in the statistics' and reports' docstrings still give what they show (R's and published figures):
they are read as documentation, so a stale one misleads (one did: an importance-performance label)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import analysis
import reports


def _modules_with_examples() -> list[str]:
    names = []
    for package in (analysis, reports):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if module.name.endswith("__main__") or module.ispkg:
                continue
            path = Path(module.module_finder.path) / f"{module.name.rsplit('.', 1)[-1]}.py"
            if ">>> " in path.read_text(encoding="utf-8"):
                names.append(module.name)
    return names


MODULES = _modules_with_examples()


def test_there_are_examples_to_check() -> None:
    assert len(MODULES) >= 5


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS, report=True)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} fail"
