"""The flat statistics API: ``from readiness import stats; stats.cronbach_alpha(...)``."""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

from readiness import stats


def test_every_public_name_resolves_and_all_is_sorted():
    assert stats.__all__ == sorted(stats.__all__)
    assert set(stats.__all__) == set(stats._WHERE) | set(stats._ALIASES)
    for name in stats.__all__:
        value = getattr(stats, name)
        assert inspect.isfunction(value) or inspect.isclass(value), name
    assert stats.mcdonald_omega is stats.omega_total
    assert stats.design.SurveyDesign is stats.SurveyDesign  # the module too, as stats.design
    with pytest.raises(AttributeError):
        stats.no_such_statistic  # noqa: B018


def test_mypy_sees_the_same_names_as_all():
    tree = ast.parse(Path(stats.__file__).read_text(encoding="utf-8"))
    guarded = next(n for n in tree.body if isinstance(n, ast.If))  # if TYPE_CHECKING:
    imported = {a.asname or a.name for n in guarded.body for a in n.names}  # type: ignore[attr-defined]
    assert imported == set(stats.__all__)


def test_importing_the_api_loads_neither_pandas_nor_statsmodels():
    code = (
        "import json, sys\nfrom readiness import stats\nstats.cronbach_alpha\n"
        "print(json.dumps(sorted({'pandas', 'statsmodels', 'django'} & set(sys.modules))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []


SECTIONS = ("Parameters", "Returns", "Examples")


@pytest.mark.parametrize(
    "name", [n for n in stats.__all__ if inspect.isfunction(getattr(stats, n))]
)
def test_each_function_has_a_numpydoc_docstring_with_an_example(name):
    doc = inspect.getdoc(getattr(stats, name)) or ""
    for section in SECTIONS:
        assert f"\n{section}\n{'-' * len(section)}\n" in doc, f"{name}: no {section} section"
    assert ">>> " in doc.split("\nExamples\n")[1], f"{name}: no example under Examples"
