"""One exception hierarchy for the whole package.

Every error a user can cause carries :class:`Problem` records that name the file, the line or
row, the field or column, what is wrong and what would fix it.  Readers collect every problem
before raising, so a user sees all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows."""

    message: str
    fix: str = ""
    file: str | None = None
    line: int | None = None  # 1-based line in a text file (YAML, CSV)
    row: int | None = None  # 1-based data row (header excluded) in a table
    column: str | None = None  # column or field name
    sheet: str | None = None  # worksheet name for spreadsheets

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(
                f"column {self.column}" if self.row is not None else f"field {self.column}"
            )
        return ", ".join(parts)

    def __str__(self) -> str:
        loc = self.location()
        text = f"{loc}: {self.message}" if loc else self.message
        if self.fix:
            text += f" Fix: {self.fix}"
        return text

    def to_dict(self) -> dict:
        return {
            k: v
            for k, v in {
                "file": self.file,
                "sheet": self.sheet,
                "line": self.line,
                "row": self.row,
                "column": self.column,
                "message": self.message,
                "fix": self.fix,
            }.items()
            if v not in (None, "")
        }


class ReadinessError(Exception):
    """Base class of every error Readiness raises on purpose."""


class ProblemsError(ReadinessError):
    """An input has one or more problems; all of them are listed."""

    what = "input"

    def __init__(self, problems: list[Problem], file: str | None = None):
        self.problems = list(problems)
        self.file = file
        super().__init__(self._summary())

    def _summary(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in {self.what}"
        if self.file:
            head += f" {self.file}"
        return head + ":\n" + "\n".join(f"  - {p}" for p in self.problems)


class InstrumentError(ProblemsError):
    """An instrument definition (YAML, REDCap dictionary, XLSForm) is invalid."""

    what = "instrument"


class ResponsesError(ProblemsError):
    """A response file does not fit its instrument."""

    what = "responses"


class ConversionError(ProblemsError):
    """An instrument could not be converted to or from another tool's format."""

    what = "conversion"


class StatsError(ReadinessError):
    """A statistic cannot be computed from the data given (says why and what would fix it)."""


class DesignError(StatsError):
    """A survey design is unusable as specified (for example a stratum with one cluster)."""


class GuideError(ProblemsError):
    """The response guide's content (facts, sources, pathways, local contacts) is invalid."""

    what = "guide content"
