"""Study analyses: responses + instrument (+ design, sessions) -> one typed, serialisable result."""

from readiness.analysis.survey import AnalysisSettings, StudyResult, analyse

__all__ = ["AnalysisSettings", "StudyResult", "analyse"]
