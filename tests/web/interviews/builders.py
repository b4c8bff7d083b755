"""A small interview project for the web tests: the transcripts of docs/interviews.md, one
with characters outside the Basic Multilingual Plane, participants and a key."""

from __future__ import annotations

from readiness.web.interviews import permissions as perm
from readiness.web.interviews import review, services
from readiness.web.interviews.models import Role, Transcript

P12 = (
    "Interviewer: Can you tell me about your role?\n"
    "P12: I'm a nurse in A&E. Last year Sarah Jones came in with a man who spoke for her.\n"
    "He wouldn't leave the room, and we had no interpreter.\n"
    "Interviewer: What did you do?\n"
    "P12: I went to our safeguarding lead. Call me on 07700 900123 or nurse.p12@nhs.net.\n"
)
P7 = (
    "Interviewer: Have you had any training?\n"
    "P7: Only one slide in the safeguarding day. I wouldn't know who to refer to.\n"
    "Interviewer: And interpreters?\n"
    "P7: We use the telephone line, but it takes ages. Her NHS number was 943 476 5919,\n"
    "she was born on 12/03/1985 and lived at SW1A 1AA.\n"
)
P3_VTT = (
    "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\n<v Interviewer>What would help you respond better?\n\n"
    "2\n00:00:04.500 --> 00:00:09.250\n<v P3>Knowing who to ring. The helpline talked me through it once.\n"
)
# Emoji (outside the BMP: two UTF-16 code units each) before the words that are coded.
P9 = (
    "Interviewer: How did that feel? 🙂\n"
    "P9: Honestly 😀 it was hard 👩‍⚕️ and the interpreter never came.\n"
    "Interviewer: Thank you.\n"
)
PARTICIPANTS = (
    "participant,professional_group,profession,sector,nation,interview_date\n"
    "P12,health,nurse,NHS,England,2024-03-01\n"
    "P7,non-health,police officer,police,Scotland,2024-03-08\n"
    "P3,health,GP,NHS,Scotland,2024-03-15\n"
    "P9,health,midwife,NHS,England,2024-03-20\n"
)
KEY = "real,pseudonym\nSarah Jones,Participant A\nZebedee Quimby,Participant Z\n"
SECRETS = ("Sarah Jones", "Zebedee Quimby", "07700 900123", "nurse.p12@nhs.net", "943 476 5919")


def access(user, project):
    return perm.access_for(user, project)


def make_project(lead, *, coders=(), pseudonymise=True, name="Pilot study"):
    """The project, its four transcripts (pseudonymised unless told not to) and coders."""
    project = services.new_project(name, lead, starter_codebook=True)
    services.add_transcripts(
        project,
        [
            ("P12.txt", P12.encode()),
            ("P7_interview.txt", P7.encode()),
            ("P3.vtt", P3_VTT.encode()),
            ("P9.txt", P9.encode()),
        ],
        participants=("participants.csv", PARTICIPANTS.encode()),
        user=lead,
    )
    if pseudonymise:
        accept_all(project, lead)
    for user in coders:
        services.set_member(project, user, Role.CODER)
    return project


def accept_all(project, lead, sources=None):
    sources = sources or [t.guid for t in Transcript.objects.filter(project=project)]
    kinds = list(review.KINDS)
    proposals = review.propose(project, KEY, sources, kinds)
    return review.apply(
        project,
        lead,
        key_text=KEY,
        sources=sources,
        kinds=kinds,
        seen=review.fingerprint(proposals),
        decisions={p.id: "accept" for p in proposals},
        replacements={},
    )


def transcript(project, name) -> Transcript:
    return Transcript.objects.get(project=project, name=name)


def code_words(project, user, name, words, *codes, occurrence=1):
    """Code the given words of a transcript as ``user`` (codes by name)."""
    from readiness.web.interviews.models import Code

    t = transcript(project, name)
    pos = -1
    for _ in range(occurrence):
        pos = t.text.index(words, pos + 1)
    guids = [Code.objects.get(project=project, name=c).guid for c in codes]
    return services.code_passage(
        project, t, access(user, project), start=pos, end=pos + len(words), codes=guids
    )
