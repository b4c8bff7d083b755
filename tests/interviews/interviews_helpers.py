"""Sample transcripts and helpers for the interview tests (imported by conftest and tests)."""

from __future__ import annotations

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
ATTRIBUTES = (
    "participant,professional_group,profession,sector,nation,interview_date\n"
    "P12,health,nurse,NHS,England,2024-03-01\n"
    "P7,non-health,police officer,police,Scotland,2024-03-08\n"
)


def span(project, source: str, words: str) -> tuple[int, int]:
    """The offsets of the first occurrence of ``words`` in a transcript."""
    text = project.source(source).text
    start = text.index(words)
    return start, start + len(words)
