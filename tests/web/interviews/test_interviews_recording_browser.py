"""The recording beside a transcript in a real browser: a turn's time plays it from there; the
new pages (participants, adding transcripts, a transcript with its recording) pass axe."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from readiness.web.interviews import models as m
from readiness.web.interviews import people, services
from tests.web.interviews.media_files import VTT, wav_bytes
from tests.web.interviews.test_interviews_browser import PASSWORD, browser, go, shots, sign_in
from tests.web.test_accessibility import AXE, Scanner
from tests.web.test_browser import CHROMIUM

__all__ = ["browser", "shots"]  # fixtures, imported for pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture
def recorded(transactional_db, django_user_model, settings, tmp_path):
    settings.READINESS_INTERVIEW_MEDIA_DIR = str(tmp_path / "media")
    lead = django_user_model.objects.create_user("lead", password=PASSWORD)
    project = services.new_project("Recorded interviews", lead)
    people.add_transcripts(
        project,
        [("P21.vtt", VTT.encode())],
        user=lead,
        participant="P21",
        recording=SimpleUploadedFile("P21.wav", wav_bytes(90)),
    )
    services.add_transcripts(project, [("P22.txt", b"P22: no recording here")], user=lead)
    return project, m.Transcript.objects.get(project=project, name="P21")


def test_clicking_a_turn_time_plays_the_recording_from_there(browser, live_server, recorded, shots):
    project, t = recorded
    context, page = sign_in(browser, live_server.url, "lead")
    page.goto(f"{live_server.url}/interviews/{project.slug}/transcripts/{t.guid}/")
    page.wait_for_function("document.getElementById('ri-player').readyState >= 1")
    assert page.evaluate("document.getElementById('ri-player').currentTime") == 0
    page.get_by_role("button", name="Play turn 2 from 00:00:59.710").click()
    page.wait_for_function(
        "Math.abs(document.getElementById('ri-player').currentTime - 59.71) < 0.3"
    )
    # the keyboard works too: the times are buttons
    page.get_by_role("button", name="Play turn 1 from 00:00:01").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('ri-player').currentTime < 5")
    text = page.inner_text("#ri-text")
    assert "-->" not in text and "The safeguarding lead, straight away." in text
    shots(page, "recording")
    context.close()


@pytest.mark.skipif(not AXE.exists(), reason="needs axe-core from npm (make setup)")
def test_new_pages_pass_axe(browser, live_server, recorded, shots):
    project, t = recorded
    scanner = Scanner(shots)
    context, page = sign_in(browser, live_server.url, "lead")
    scanner.watch(page)
    base = f"{live_server.url}/interviews/{project.slug}"
    for name, path in (
        ("recording", f"/transcripts/{t.guid}/"),
        ("participants", "/participants/"),
        ("transcripts-add", "/transcripts/add/"),
    ):
        page.goto(base + path)
        scanner.scan(page, name)
    # an upload with a problem: the error summary too
    page.goto(base + "/transcripts/add/")
    page.set_input_files(
        "#transcripts", files=[{"name": "P30.vtt", "mimeType": "text/vtt", "buffer": VTT.encode()}]
    )
    page.set_input_files(
        "#recording", files=[{"name": "x.mp3", "mimeType": "audio/mpeg", "buffer": b"<html>"}]
    )
    go(page, "button:has-text('Add files')")
    assert "does not start as a .mp3" in page.content()
    scanner.scan(page, "transcripts-add-error")
    context.close()
    assert {k: v for k, v in scanner.found.items() if v} == {}
    assert scanner.console == []
