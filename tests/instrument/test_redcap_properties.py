"""A REDCap dictionary read and written again is the same dictionary, row for row."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness.instrument import build_instrument
from readiness.instrument.redcap import read_redcap_dictionary, write_redcap_dictionary
from tests.instrument.test_interop_properties import redcap_instruments
from tests.instrument.test_redcap_real_world import read_rows


def shape(instrument) -> list[tuple]:
    return [(s.id, s.title, s.intro, s.items, s.form) for s in instrument.sections]


FORMS = ["demographics", "baseline_assessment_for_participants_in_the_wellbeing_study_v2"]


@st.composite
def dictionaries(draw) -> dict:
    """Instruments as read from people's dictionaries: sections in several forms (a form holds
    one or more, in a run) and a record identifier of their own name."""
    data = draw(redcap_instruments())
    forms = iter(FORMS + [f"form_{n}" for n in range(3)])
    form = draw(st.sampled_from(["", next(forms)]))
    for section in data["sections"]:
        if form and draw(st.booleans()):
            form = next(forms)
        if form:
            section["form"] = form
    if draw(st.booleans()):
        data["record_id"] = draw(st.sampled_from(["study_id", "participant_id_from_the_registry"]))
    return data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dictionaries())
def test_a_dictionary_read_and_written_again_is_unchanged(data):
    with tempfile.TemporaryDirectory() as folder:
        first, second = Path(folder) / "first.csv", Path(folder) / "second.csv"
        write_redcap_dictionary(build_instrument(data), first)
        read = read_redcap_dictionary(first)
        write_redcap_dictionary(read.instrument, second)
        assert read.unmapped == []
        assert read_rows(second) == read_rows(first)
        assert shape(read.instrument) == shape(build_instrument(data))
        assert read.instrument.record_id == data.get("record_id", "")
