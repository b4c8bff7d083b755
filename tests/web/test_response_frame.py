"""A study's clean frame is kept and extended as responses arrive, and equals a full read, kept
in files (SQLite's default) or in the database (PostgreSQL's, shared by several app servers)."""

from __future__ import annotations

import pandas as pd
import pytest
from django.core.management import call_command
from django.utils import timezone

from readiness.web.surveys import responseframe, services
from readiness.web.surveys.demo import load_demo
from readiness.web.surveys.models import (
    InstrumentVersion,
    KeptFrame,
    KeptFramePart,
    Response,
    new_submission_token,
)


@pytest.fixture(params=["files", "database"])
def store(request, db, settings, tmp_path):
    """Where the results cache, and so the frames, are kept."""
    if request.param == "database":
        table = "readiness_cache_frames_test"
        results = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table}
    else:
        results = {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    settings.CACHES = {**settings.CACHES, "results": results}
    if request.param == "database":
        call_command("createcachetable", verbosity=0)
    assert responseframe.in_database() == (request.param == "database")
    return request.param


@pytest.fixture
def demo(store):
    study, _ = load_demo()
    return study


@pytest.fixture
def reads(monkeypatch):
    """How many responses each read of the database took, in order."""
    counts: list[int] = []
    real = responseframe._read

    def spy(query, instrument):
        out = real(query, instrument)
        counts.append(out[1])
        return out

    monkeypatch.setattr(responseframe, "_read", spy)
    return counts


def _add(study, n: int) -> None:
    """n more responses, copies of the first ones with a different site's session."""
    sessions = list(study.sites.order_by("code").last().sessions.all())
    for original in Response.objects.filter(session__site__study=study).order_by("id")[:n]:
        answers = dict(original.answers, site=sessions[0].site.code)
        Response.objects.create(
            session=sessions[0],
            instrument=study.instrument,
            answers=answers,
            completed_on=timezone.localdate(),
            submission_token=new_submission_token(),
        )


def _full(study) -> pd.DataFrame:
    responseframe.forget_all()
    return responseframe.clean_responses(study)


def test_a_kept_frame_is_extended_and_equals_a_full_read(demo, reads):
    total = Response.objects.filter(session__site__study=demo).count()
    first = responseframe.clean_responses(demo)
    assert len(first) == total and reads == [total]
    again = responseframe.clean_responses(demo)
    assert reads == [total, 0]  # nothing new: the kept frame, and no response read again
    pd.testing.assert_frame_equal(again, first)

    _add(demo, 3)
    extended = responseframe.clean_responses(demo)
    assert reads == [total, 0, 3]  # only the three new responses were read
    _add(demo, 2)
    extended = responseframe.clean_responses(demo)
    assert reads == [total, 0, 3, 2]
    full = _full(demo)
    assert reads[-1] == total + 5
    pd.testing.assert_frame_equal(extended, full)  # values, order and dtypes
    assert list(extended["response_id"]) == sorted(extended["response_id"], key=int)


@pytest.mark.parametrize("damage", ["count", "token", "file"])
def test_a_kept_frame_that_no_longer_holds_is_read_again(demo, reads, damage):
    responseframe.clean_responses(demo)
    key = responseframe._key(demo)
    entry = responseframe._get(key)
    if damage == "file":  # a damaged file or row (a full disk, say) is read past, not trusted
        if responseframe.in_database():
            KeptFramePart.objects.filter(frame__key=key).update(data=b"not a pickle")
        else:
            responseframe._path(key).write_bytes(b"not a pickle")
        entry = None
    elif damage == "count":  # a response with a smaller id committed after the frame was read
        entry["n"] -= 1
        entry["clean"] = entry["clean"].iloc[1:].reset_index(drop=True)
    else:  # another database, or one restored, with the same ids
        entry["token"] = "not-the-same-response"
    if entry is not None:
        responseframe._set(key, entry)
    _add(demo, 1)
    again = responseframe.clean_responses(demo)
    total = Response.objects.filter(session__site__study=demo).count()
    assert reads[-1] == total and len(again) == total
    pd.testing.assert_frame_equal(again, _full(demo))


def test_a_frame_kept_in_the_database_in_many_parts_reads_back_whole(demo, reads, monkeypatch):
    if not responseframe.in_database():
        pytest.skip("parts are how the database keeps a frame")
    monkeypatch.setattr(responseframe, "PART_BYTES", 4096)
    first = responseframe.clean_responses(demo)
    kept = KeptFrame.objects.get(key=responseframe._key(demo))
    assert kept.parts > 10 and kept.n == len(first) and kept.study_id == demo.pk
    assert KeptFramePart.objects.filter(frame=kept).count() == kept.parts
    again = responseframe.clean_responses(demo)
    assert reads == [len(first), 0]  # read back from its parts, no response read again
    pd.testing.assert_frame_equal(again, first)
    KeptFramePart.objects.filter(frame=kept, seq=kept.parts - 1).delete()  # being replaced
    assert responseframe._get(kept.key) is None
    responseframe.forget_all()
    assert not KeptFrame.objects.exists() and not KeptFramePart.objects.exists()


def test_study_data_of_some_sites_is_the_rows_of_those_sites(demo):
    sites = demo.sites.order_by("code")
    some = {sites[0].id, sites[2].id}
    codes = {sites[0].code, sites[2].code}
    part = services.study_data(demo, some).responses
    whole = services.study_data(demo).responses
    expected = whole[whole["site"].isin(codes)].reset_index(drop=True)
    assert len(part) == Response.objects.filter(session__site_id__in=some).count() > 0
    pd.testing.assert_frame_equal(part, expected)


def _segments(key: str) -> int:
    """How many segments the kept frame has."""
    entry = responseframe._load(key)
    return len(entry["pieces"])


def test_a_frame_extended_piece_by_piece_across_rewrites_equals_a_full_read(
    demo, reads, monkeypatch
):
    monkeypatch.setattr(responseframe, "MAX_SEGMENTS", 3)
    monkeypatch.setattr(responseframe, "GROWTH", 10.0)
    key = responseframe._key(demo)
    first = responseframe.clean_responses(demo)
    counts = []
    for n in (1, 2, 1, 3, 1):  # appended, appended, rewritten (3 segments), appended, ...
        _add(demo, n)
        extended = responseframe.clean_responses(demo)
        counts.append(_segments(key))
        pd.testing.assert_frame_equal(responseframe._get(key)["clean"], extended)
    assert counts == [2, 3, 1, 2, 3]
    assert reads == [len(first), 1, 2, 1, 3, 1]  # only the new responses were read
    again = responseframe.clean_responses(demo)
    assert reads[-1] == 0
    pd.testing.assert_frame_equal(again, extended, check_exact=True)
    pd.testing.assert_frame_equal(extended, _full(demo), check_exact=True)


def test_appended_rows_outgrowing_the_first_segment_rewrite_it(demo, monkeypatch):
    monkeypatch.setattr(responseframe, "GROWTH", 0.0)  # any appended row outgrows it
    key = responseframe._key(demo)
    responseframe.clean_responses(demo)
    _add(demo, 1)
    extended = responseframe.clean_responses(demo)
    assert _segments(key) == 1
    pd.testing.assert_frame_equal(extended, _full(demo), check_exact=True)


@pytest.mark.parametrize("damage", ["missing", "damaged"])
def test_a_missing_or_damaged_segment_makes_a_full_read(demo, reads, damage):
    key = responseframe._key(demo)
    responseframe.clean_responses(demo)
    _add(demo, 2)
    responseframe.clean_responses(demo)
    assert _segments(key) == 2
    if responseframe.in_database():
        frame = KeptFrame.objects.get(key=key)
        last = KeptFramePart.objects.filter(frame=frame, seq=frame.parts - 1)
        last.delete() if damage == "missing" else last.update(data=b"not a segment")
    else:
        segment = responseframe._folder() / responseframe._load(key)["segments"][-1]
        segment.unlink() if damage == "missing" else segment.write_bytes(b"not a segment")
    assert responseframe._load(key) is None
    again = responseframe.clean_responses(demo)
    total = Response.objects.filter(session__site__study=demo).count()
    assert reads[-1] == total == len(again)
    assert _segments(key) == 1  # kept again, whole
    pd.testing.assert_frame_equal(again, _full(demo), check_exact=True)


def test_a_frame_with_a_removed_response_is_read_again(demo, reads):
    responseframe.clean_responses(demo)
    _add(demo, 2)
    responseframe.clean_responses(demo)
    Response.objects.filter(session__site__study=demo).order_by("id")[:1].get().delete()
    again = responseframe.clean_responses(demo)
    total = Response.objects.filter(session__site__study=demo).count()
    assert reads[-1] == total == len(again)
    pd.testing.assert_frame_equal(again, _full(demo), check_exact=True)


def test_an_append_to_a_frame_changed_meanwhile_is_dropped(demo):
    key = responseframe._key(demo)
    responseframe.clean_responses(demo)
    stale = responseframe._load(key)
    _add(demo, 1)
    responseframe.clean_responses(demo)  # another server extended it meanwhile
    piece = stale["pieces"][0].head(1)
    value = {"study": demo.pk, "last": stale["last"] + 10**6, "n": stale["n"] + 1, "token": "x"}
    responseframe._append(key, stale, piece, value)
    if responseframe.in_database():  # the frame read is no longer there as it was: no change
        assert responseframe._load(key)["last"] < value["last"]
    pd.testing.assert_frame_equal(responseframe.clean_responses(demo), _full(demo))


def test_a_response_to_another_instrument_does_not_make_a_full_read(demo, reads):
    """The quick count (every response of the study's sessions) then differs from the frame's;
    the responses read are counted as they were read before the frame is given up."""
    other = InstrumentVersion.objects.get(pk=demo.instrument_id)  # a copy, not the study's
    other.pk, other.instrument_id = None, "another-instrument"
    other.save()
    original = Response.objects.filter(session__site__study=demo).order_by("id").first()
    Response.objects.create(
        session=original.session,
        instrument=other,
        answers=original.answers,
        completed_on=timezone.localdate(),
        submission_token=new_submission_token(),
    )
    first = responseframe.clean_responses(demo)
    assert len(first) == Response.objects.filter(session__site__study=demo).count() - 1
    for _ in range(2):  # the second check counts up to a last id past the other response's
        _add(demo, 1)
        extended = responseframe.clean_responses(demo)
    assert reads == [len(first), 1, 1]
    pd.testing.assert_frame_equal(extended, _full(demo), check_exact=True)
