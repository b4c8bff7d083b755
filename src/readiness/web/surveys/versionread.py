"""A study's responses to every version of its instrument, read as its current version's.

A study may move to a new version of its instrument while it collects, and each response
keeps the version it answered.  The dashboard, the report and the exports read them all: a
:class:`Plan` says, for each version the study's responses answered, how its answers are read
as the current version's (:mod:`readiness.responses.versions`): through the mappings of old
codes kept on the versions (``InstrumentVersion.choice_mapping``, :mod:`.versionmove`), a
version to the next, by the shortest way there is (v1 -> v2 -> v3 when the study moved so).
A step between two versions is possible when a mapping for them is kept, or when none is
needed (no code changed meaning).

Responses to another instrument (a study moves to one only while it has no responses) are
left out and counted as such.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from readiness.errors import Problem, ResponsesError
from readiness.instrument.model import Instrument, Item, Section
from readiness.responses.validate import TEXT_DTYPE, is_numeric_item
from readiness.responses.versions import Step, chain, recode_chain, step_problems
from readiness.web.surveys.models import InstrumentVersion, Response, Study

# Whether a step between two versions (by their texts' digests and mapping) reads old answers.
_STEP_OK: dict[tuple[str, str, str], bool] = {}
EARLIER = "earlier_versions"  # the export's section of the items removed since


def responses(study: Study):
    """The study's responses to any version of its current instrument."""
    return Response.objects.filter(
        session__site__study=study, instrument__instrument_id=study.instrument.instrument_id
    )


def _mapping(old: InstrumentVersion, new: InstrumentVersion) -> dict:
    return dict((new.choice_mapping or {}).get(str(old.pk)) or {})


def _step_ok(old: InstrumentVersion, new: InstrumentVersion) -> bool:
    mapping = _mapping(old, new)
    key = (old.sha256, new.sha256, json.dumps(mapping, sort_keys=True))
    if key not in _STEP_OK:
        step = Step(old.instrument, new.instrument, mapping)
        _STEP_OK[key] = not step_problems(step)
    return _STEP_OK[key]


@dataclass
class Plan:
    """How the answers to each version the study's responses answered are read."""

    current: InstrumentVersion
    versions: dict[int, InstrumentVersion]  # by id: those answered, and the current one
    steps: dict[int, list[Step]] = field(default_factory=dict)  # version id -> steps to current

    @property
    def several(self) -> bool:
        return len(self.versions) > 1

    @property
    def instruments(self) -> dict[int, Instrument]:
        return {pk: v.instrument for pk, v in self.versions.items()}

    def tag(self) -> str:
        """A short digest of the plan (empty for one version): a kept frame read with another
        plan is not this one's."""
        if not self.several:
            return ""
        text = json.dumps(
            {
                str(pk): [[s.old.version, s.new.version, s.mapping] for s in steps]
                for pk, steps in sorted(self.steps.items())
            },
            sort_keys=True,
        )
        return ":p" + hashlib.sha256(text.encode()).hexdigest()[:12]

    def to_current(self, pk: int, clean: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
        """A version's clean frame read as the current version's (items removed since left
        out)."""
        return recode_chain(clean, self.steps.get(pk, []))

    def to_export(self, pk: int, clean: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
        """A version's clean frame as exported: the export's items (:attr:`export_instrument`),
        the answers recoded where a mapping exists, and the version it answered."""
        frame, problems = recode_chain(clean, self.steps.get(pk, []), keep_removed=True)
        if problems:
            return frame, problems
        version = self.versions[pk]
        n = len(frame)
        frame["instrument_id"] = pd.Series([version.instrument_id] * n, dtype=TEXT_DTYPE)
        frame["instrument_version"] = pd.Series([version.version] * n, dtype=TEXT_DTYPE)
        for item in self.export_instrument.data_items:
            if item.id not in frame:
                frame[item.id] = _missing(item, n)
        return frame, []

    @cached_property
    def removed(self) -> dict[str, tuple[Item, list[str]]]:
        """Items of earlier versions the current one no longer asks: item id -> (the latest
        such version's item, the versions that asked it)."""
        current = {item.id for item in self.current.instrument.data_items}
        out: dict[str, tuple[Item, list[str]]] = {}
        for pk in sorted(self.versions, reverse=True):  # latest first
            version = self.versions[pk]
            for item in version.instrument.data_items:
                if item.id in current or item.type == "calculate":  # derived: not kept
                    continue
                kept, asked = out.get(item.id, (item, []))
                out[item.id] = (kept, [version.version, *asked])
        return out

    def asked_by(self, item_id: str) -> str:
        """Which versions with responses asked the item (for the codebook)."""
        versions = [
            v.version
            for _pk, v in sorted(self.versions.items())
            if any(i.id == item_id for i in v.instrument.data_items)
        ]
        return ", ".join(f"v{v}" for v in versions)

    @cached_property
    def export_instrument(self) -> Instrument:
        """The current version with the items removed since appended (in a section of their
        own, shown always, not required): the columns of an export of every version."""
        current = self.current.instrument
        if not self.removed:
            return current
        extra = tuple(
            replace(item, section=EARLIER, show_if=None, required=False)
            for item, _asked in self.removed.values()
        )
        section = Section(
            EARLIER, "Asked by earlier versions only", items=tuple(i.id for i in extra)
        )
        return replace(current, items=current.items + extra, sections=current.sections + (section,))


def _missing(item: Item, n: int) -> pd.Series:
    dtype = "float64" if is_numeric_item(item) else TEXT_DTYPE
    return pd.Series(np.full(n, np.nan), dtype=dtype)


def answered(study: Study, rows=None) -> list[InstrumentVersion]:
    """The versions of the study's instrument that its responses (or ``rows``) answered, and
    its current version, ordered by id (one index look-up per version: a national study's
    responses are not scanned)."""
    query = responses(study) if rows is None else rows
    family = InstrumentVersion.objects.filter(instrument_id=study.instrument.instrument_id)
    out = []
    for version in family.order_by("pk"):
        if version.pk == study.instrument_id or query.filter(instrument=version.pk).exists():
            out.append(version)
    return out


def plan(study: Study, rows=None) -> Plan:
    """The study's :class:`Plan`; raises :class:`ResponsesError` naming each version whose
    answers cannot be read as the current version's, and the fix."""
    current = study.instrument
    versions = answered(study, rows)
    result = Plan(current, {v.pk: v for v in versions})
    if not result.several:
        return result
    family = list(InstrumentVersion.objects.filter(instrument_id=current.instrument_id))
    by_pk = {v.pk: v for v in family}
    order = sorted(by_pk)
    problems = []
    for version in versions:
        if version.pk == current.pk:
            continue
        path = chain(
            order,
            version.pk,
            current.pk,
            lambda a, b: a != b and _step_ok(by_pk[a], by_pk[b]),
        )
        if path is None:
            problems.append(
                Problem(
                    f"the responses to {version} cannot be read as answers to {current}: "
                    "choices changed meaning and no mapping of the old codes is kept.",
                    fix=f"move a study from {version} to {current} on its instrument page, "
                    "giving the new code of each old one.",
                )
            )
            continue
        result.steps[version.pk] = [
            Step(by_pk[a].instrument, by_pk[b].instrument, _mapping(by_pk[a], by_pk[b]))
            for a, b in path
        ]
    if problems:
        raise ResponsesError(problems)
    return result
