"""The training evaluation: pre, post and follow-up waves of the same people, paired.

:func:`evaluate` takes the waves as data frames of stored codes (as
:func:`readiness.responses.read_responses` gives them, or :func:`readiness.evaluation.read_wave`
for a file with a link column), one row per response, and a column (``link_column``) holding
the linkage id: the same id in two waves means the same person.  How the ids were made (the
same anonymous draft on a device, or a self-generated code, :mod:`readiness.evaluation.linkage`)
is the collection's business; here they are only compared.

The primary analysis is the matched pre-post pairs (listwise for each outcome: a pair with the
outcome missing on either side is left out and counted).  See :data:`CONVENTIONS` for every
choice, printed with the results.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from readiness.evaluation.results import EvaluationResult
from readiness.instrument.model import Instrument

DEFAULT_PRIMARY = (
    "actual_knowledge",
    "confidence",
    "lack_conf_referral_men",
    "lack_conf_referral_women",
    "lack_conf_referral_child",
    "k_police_danger",
)
POORLY_KNOWN_BELOW = 0.80


def evaluate(
    pre: pd.DataFrame,
    post: pd.DataFrame,
    instrument: Instrument,
    follow_up: pd.DataFrame | None = None,
    link_column: str = "link",
    min_cell: int = 5,
    conf_level: float = 0.95,
    *,
    group_by: str = "discipline",
    poorly_known_below: float = POORLY_KNOWN_BELOW,
    primary: Sequence[str] | None = None,
    then_test: pd.DataFrame | None = None,
) -> EvaluationResult:
    """Analyse a training evaluation (see the module notes and :data:`CONVENTIONS`).

    - ``pre``, ``post``, ``follow_up``: one row per response, the instrument's item ids as
      columns (stored codes), ``link_column`` holding the linkage id (a missing id means the
      response cannot be linked; an id used twice in one wave is an error), and optionally
      ``site`` and ``synthetic``.
    - ``group_by``: the item whose categories the coverage and the attrition check use.
    - ``poorly_known_below``: knowledge items whose post-test share correct (matched pairs) is
      below this proportion are listed, lowest first.
    - ``primary``: ids of the pre-specified primary outcomes (scales, indicators, knowledge
      items); default :data:`DEFAULT_PRIMARY`, those the instrument has.
    - ``then_test``: the retrospective "before today" ratings taken at post, one row per post
      response, with ``link_column`` and the item ids of the rated items; each scale whose
      items are all there gets a standard and a retrospective change.

    Raises :class:`readiness.errors.ProblemsError` for unusable input (a missing link column,
    duplicate link ids), naming the wave, the column and the fix.
    """
    raise NotImplementedError("evaluate() is being built; the signature and results are fixed")
