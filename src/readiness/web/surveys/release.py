"""Results released in steps, for the roles that see suppressed results (site coordinators).

Suppressing small cells protects one view of the results, not two.  A coordinator who looks at
the dashboard before and after one person submits sees every cell that person changed: their
discipline and every answer behind an indicator.  So the results such a role sees are computed
over a *released* set of responses that grows only in steps of at least ``min_cell``
(``READINESS_MIN_CELL``) responses, and in each discipline in steps of ``min_cell`` too.

The rule is worked out from the responses each time (nothing is stored), the same way on every
worker:

1. Take the N responses of the person's sites (to the study's current instrument version; in
   a training evaluation, the before answers only, as the dashboard) in the order of their ids, and keep the first ``T = floor(N / min_cell) * min_cell``: the
   release point moves only when ``min_cell`` more responses have arrived.
2. Of those T, keep, for each group of the dashboard's columns (the discipline, with "not
   answered" a group of its own), the first ``floor(n_g / min_cell) * min_cell`` of the
   group's ``n_g`` responses.

Between two release points every group's released responses grow by 0 or by a multiple of
``min_cell``, and the released set only grows (the first T by id are a part of the first T +
min_cell).  So the difference between any two views of a cell, overall or in one discipline,
covers at least ``min_cell`` respondents of that group: it never isolates one person, even when
the others who arrived with them belong to other disciplines.  Until a group has ``min_cell``
responses among the first T, nobody in it is shown.  The results and the status address
(``results/status/``) change only at a release point, so polling says nothing about a single
submission.

Why ids and no stored state: responses are added, and ids are given in the order responses
are stored, so the first T by id stay the first T.  Some cases change the release in a step
smaller than ``min_cell``: two submissions committing in the reverse order of their ids within
the same moment (only if the results are recomputed in between); responses removed outside the
application (a database restored from a backup); and a study lead's correction or deletion of
a response (:mod:`.corrections`), which changes that one response, or lets the next one into
the release in place of the one deleted (the study's data revision, in :func:`release_key`,
makes the results be computed again).  None is in the hands of a coordinator, and a coordinator
is not told of a correction or deletion (they see neither single responses nor the audit log);
one who knew of it could compare the results before and after.

The counts of responses by site and session stay current for coordinators: they count people,
not answers, they are what a coordinator needs to run a session (who is still to respond), and
the release depends on them only through N, which they show anyway.
"""

from __future__ import annotations

import pandas as pd

from readiness.web.surveys import services
from readiness.web.surveys.models import Response

WAITING = (
    "Results for your sites are shown once at least {step} responses of one discipline have "
    "arrived, and are brought up to date in steps of {step} responses, so that no change on "
    "this page can be traced to one person."
)


def release_point(n: int, step: int) -> int:
    """How many of ``n`` responses (in order of id) the release may draw on."""
    return n // step * step


def released(frame: pd.DataFrame, step: int, group: str) -> pd.DataFrame:
    """The released responses of a clean frame (with its ``response_id`` column): see the
    module's rule.  Without the ``group`` column, all responses form one group."""
    ids = pd.to_numeric(frame["response_id"]).to_numpy()
    head = frame.iloc[ids.argsort(kind="stable")[: release_point(len(frame), step)]]
    if group in head:
        keys = head[group].map(lambda v: "" if pd.isna(v) else str(v))
    else:
        keys = pd.Series("", index=head.index)
    rank = keys.groupby(keys).cumcount()
    size = keys.map(keys.value_counts())
    return head[rank < size // step * step].reset_index(drop=True)


def release_key(study, site_ids, step: int) -> str:
    """A stamp that changes only when the released responses of these sites can change (the
    release point and the id at it: a response stored before it, or removed, changes it) or
    the sessions do (their attending counts give the response rate; they say nothing of
    anyone's answers), and with the study's data revision (a corrected answer).  It counts the responses the dashboard releases: the baseline ones
    (:data:`services.BASELINE_WAVES`; an evaluation's later waves are the same people again)."""
    responses = Response.objects.filter(
        session__site__study=study,
        instrument=study.instrument_id,
        wave__in=services.BASELINE_WAVES,
    )
    if site_ids is not None:
        responses = responses.filter(session__site_id__in=site_ids)
    point = release_point(responses.count(), step)
    last = responses.order_by("id").values_list("id", flat=True)[point - 1] if point else None
    sites = "all" if site_ids is None else ",".join(map(str, sorted(site_ids)))
    return (
        f"readiness:release:{study.pk}:{study.instrument_id}:r{study.data_revision}:{sites}:"
        f"{step}:{point}:{last}:"
        f"{services.sessions_stamp(study)}"
    )
