"""The version is written once, in pyproject.toml; the package and the command report it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import readiness

ROOT = Path(__file__).resolve().parents[1]


def pyproject_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]["version"]


def test_the_package_version_is_pyprojects():
    assert readiness.__version__ == pyproject_version()


def test_readiness_version_prints_it():
    done = subprocess.run(
        [sys.executable, "-m", "readiness.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"readiness, version {pyproject_version()}"


def test_no_other_file_writes_the_version_out():
    version = pyproject_version()
    written = [
        str(path.relative_to(ROOT))
        for folder in ("src", "tests")
        for path in (ROOT / folder).rglob("*.py")
        if f'"{version}"' in path.read_text(encoding="utf-8")
    ]
    assert not written
