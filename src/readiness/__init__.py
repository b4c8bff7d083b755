"""Readiness: measure, understand and improve how health staff respond to trafficked people."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # The version is pyproject.toml's, read from the installed package's metadata.  It is looked
    # up only when asked for, because importlib.metadata costs more than `readiness --help`.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("readiness")
        except PackageNotFoundError:  # a source tree on sys.path that was never installed
            return "0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
