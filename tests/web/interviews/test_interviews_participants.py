"""Projects, transcripts for a participant, recordings, renaming and merging participants in
the web (issue 14: interviews on real material)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from readiness.web.interviews import convert
from readiness.web.interviews import models as m
from readiness.web.surveys.demo import demo_accounts
from tests.web.interviews.media_files import OTTER, VTT, wav_bytes


@pytest.fixture(autouse=True)
def media_folder(settings, tmp_path):
    settings.READINESS_INTERVIEW_MEDIA_DIR = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def lead_project(study, client, django_user_model):
    """The demo's study lead, signed in, after creating a project in the web."""
    demo_accounts(study)
    lead = django_user_model.objects.get(username="demo")
    client.force_login(lead)
    r = client.post("/interviews/new/", {"name": "Ward interviews", "description": ""})
    assert r.status_code == 302, r.content.decode()[:2000]
    project = m.InterviewProject.objects.get(name="Ward interviews")
    assert m.Member.objects.get(project=project, user=lead).role == m.Role.LEAD
    return project, lead


def upload(client, project, name, text, **extra):
    files = {"transcripts": SimpleUploadedFile(name, text.encode())}
    return client.post(
        f"/interviews/{project.slug}/transcripts/add/", {**files, **extra}, follow=True
    )


def test_demo_study_lead_may_create_an_interview_project(study, client, django_user_model):
    demo_accounts(study)
    client.force_login(django_user_model.objects.get(username="demo"))
    assert client.get("/interviews/new/").status_code == 200
    client.force_login(django_user_model.objects.get(username="demo-analyst"))
    assert client.get("/interviews/new/").status_code == 403


def test_upload_assigns_the_participant_and_keeps_times_out_of_the_text(lead_project, client):
    project, _ = lead_project
    r = upload(client, project, "interview-3.txt", OTTER, participant="P21")
    assert "for participant P21" in r.content.decode()
    t = m.Transcript.objects.get(project=project, name="interview-3")
    assert [p.name for p in t.participants.all()] == ["P21"]
    assert "0:04" not in t.text and t.text.startswith("Speaker 1: Thanks")
    assert [g[2:] for g in t.segments] == [[0, 4000], [4000, 62000], [62000, None]]
    # the core gets the same positions back
    core = convert.to_core(project)
    turns = core.sources[t.guid].turns
    assert [(x.speaker, x.time_start) for x in turns] == [
        ("Speaker 1", 0),
        ("ZAINAB OKAFOR", 4000),
        ("Speaker 1", 62000),
    ]


def test_without_a_participant_it_is_taken_from_the_file_name(lead_project, client):
    project, _ = lead_project
    upload(client, project, "P4_ward.vtt", VTT)
    t = m.Transcript.objects.get(project=project, name="P4_ward")
    assert [p.name for p in t.participants.all()] == ["P4"]
    assert "-->" not in t.text
    assert "The safeguarding lead, straight away." in t.text


def test_recording_is_kept_private_and_served_in_parts(
    lead_project, client, media_folder, django_user_model
):
    project, lead = lead_project
    wav = wav_bytes(5)
    r = upload(
        client,
        project,
        "P21.vtt",
        VTT,
        participant="P21",
        recording=SimpleUploadedFile("P21 interview.wav", wav),
    )
    assert r.status_code == 200
    t = m.Transcript.objects.get(project=project, name="P21")
    media = t.media
    assert media.size == len(wav) and media.content_type == "audio/wav"
    stored = media_folder / media.stored
    assert stored.read_bytes() == wav and oct(stored.stat().st_mode)[-3:] == "600"
    url = f"/interviews/{project.slug}/transcripts/{t.guid}/recording/"
    whole = client.get(url)
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == wav
    assert whole["Accept-Ranges"] == "bytes" and "private" in whole["Cache-Control"]
    part = client.get(url, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206 and b"".join(part.streaming_content) == wav[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{len(wav)}"
    assert client.get(url, HTTP_RANGE=f"bytes={len(wav) + 5}-").status_code == 416
    page = client.get(f"/interviews/{project.slug}/transcripts/{t.guid}/").content.decode()
    assert "<audio" in page and 'data-ms="59710"' in page
    # not pseudonymised yet: hidden from a coder, as the transcript is; nobody else sees it
    coder = django_user_model.objects.create_user("coder1")
    m.Member.objects.create(project=project, user=coder, role=m.Role.CODER)
    client.force_login(coder)
    assert client.get(url).status_code == 404
    client.force_login(django_user_model.objects.create_user("stranger"))
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize(
    "name,data,words",
    [
        ("talk.exe", b"MZ\x90\x00", "not a recording"),
        ("talk.mp3", b"<html>not audio</html>", "does not start as a .mp3"),
        ("talk.wav", b"RIFF\x00\x00\x00\x00WAVE" + b"\x00" * 5000, "too large"),
    ],
)
def test_a_bad_recording_adds_nothing(
    lead_project, client, settings, media_folder, name, data, words
):
    project, _ = lead_project
    settings.READINESS_MAX_INTERVIEW_MEDIA_BYTES = 4000
    r = upload(client, project, "P5.vtt", VTT, recording=SimpleUploadedFile(name, data))
    assert words in r.content.decode()
    assert not m.Transcript.objects.filter(project=project).exists()
    assert not m.TranscriptMedia.objects.exists()
    assert not media_folder.exists() or not any(media_folder.iterdir())


def test_a_recording_needs_exactly_one_transcript(lead_project, client):
    project, _ = lead_project
    r = client.post(
        f"/interviews/{project.slug}/transcripts/add/",
        {
            "transcripts": [
                SimpleUploadedFile("P1.txt", b"P1: hello"),
                SimpleUploadedFile("P2.txt", b"P2: hello"),
            ],
            "recording": SimpleUploadedFile("a.wav", wav_bytes(1)),
        },
    )
    assert "one transcript at a time" in r.content.decode()
    assert not m.Transcript.objects.filter(project=project).exists()


def test_rename_and_merge_participants_are_audited(lead_project, client):
    project, _ = lead_project
    upload(client, project, "first.txt", "P21: hello", participant="P21")
    upload(client, project, "second.txt", "P21: again", participant="p-21")
    upload(client, project, "third.txt", "P8: hi", participant="P8")
    page = client.get(f"/interviews/{project.slug}/participants/").content.decode()
    assert "p-21" in page and "second" in page
    dup = m.Participant.objects.get(project=project, name="p-21")
    kept = m.Participant.objects.get(project=project, name="P21")
    r = client.post(
        f"/interviews/{project.slug}/participants/",
        {"action": "rename", "participant": dup.pk, "name": "P8"},
    )
    assert "already a participant" in r.content.decode()
    r = client.post(
        f"/interviews/{project.slug}/participants/",
        {"action": "merge", "participant": dup.pk, "into": kept.pk},
        follow=True,
    )
    assert "1 transcript(s) moved" in r.content.decode()
    kept = m.Participant.objects.get(project=project, guid=kept.guid)
    assert sorted(t.name for t in kept.transcripts.all()) == ["first", "second"]
    assert not m.Participant.objects.filter(project=project, name="p-21").exists()
    client.post(
        f"/interviews/{project.slug}/participants/",
        {"action": "rename", "participant": kept.pk, "name": "Ｐ２１ Señora"},
    )
    assert m.Participant.objects.get(pk=kept.pk).name == "Ｐ２１ Señora"
    actions = list(m.AuditEntry.objects.filter(project=project).values_list("action", "details"))
    merged = [d for a, d in actions if a == "merge-participants"]
    renamed = [d for a, d in actions if a == "rename-participant"]
    assert merged == [{"participant": dup.guid, "into": kept.guid, "transcripts": 1}]
    assert renamed == [{"participant": kept.guid}]
    # the log names participants by GUID only: an identifier may still be a real name
    assert "Señora" not in str(actions) and "p-21" not in str(actions)


def test_a_coder_may_not_rename_or_merge(project, people, client):
    client.force_login(people["alice"])
    p = m.Participant.objects.filter(project=project).first()
    r = client.post(
        f"/interviews/{project.slug}/participants/",
        {"action": "rename", "participant": p.pk, "name": "X"},
    )
    assert r.status_code == 403
    assert m.Participant.objects.get(pk=p.pk).name == p.name
