"""Readiness: measure, understand and improve how health staff respond to trafficked people."""

__version__ = "0.1.0"
