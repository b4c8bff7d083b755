"""Synthetic cohorts calibrated to the published survey figures (the embedded demo data)."""

from readiness.synth.cohort import Cohort, make_cohort

__all__ = ["Cohort", "make_cohort"]
