"""The error raised for anything a user can get wrong with interview data."""

from __future__ import annotations

from readiness.errors import Problem, ProblemsError

__all__ = ["InterviewError", "Problem", "fail"]


class InterviewError(ProblemsError):
    """A transcript, key, codebook, project folder or exchange file has problems.

    Every problem names the file and, where it can, the line, cue or field, and what would fix
    it.  Whatever raised it has changed nothing on disk.
    """

    what = "interview data"


def fail(message: str, fix: str = "", **where) -> InterviewError:
    """One-problem :class:`InterviewError`, ready to ``raise``."""
    return InterviewError([Problem(message, fix=fix, **where)], file=where.get("file"))
