"""The examples in the core library's docstrings run and print what they show.

Every module of ``readiness`` outside the web application (which needs Django) and the command
line (whose modules hold no examples) is imported and its docstrings are run with doctest.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import readiness

SKIP = ("readiness.web", "readiness.cli")


def core_modules() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(readiness.__path__, "readiness.")]
    return sorted(n for n in names if not n.startswith(SKIP))


def test_the_modules_with_examples_are_found():
    found = set(core_modules())
    assert {"readiness.stats", "readiness.stats.reliability"} <= found
    assert "readiness.interviews.agreement" in found


@pytest.mark.parametrize("name", core_modules())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, verbose=False, report=True)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"
