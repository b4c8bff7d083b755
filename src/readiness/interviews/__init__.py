"""The interview study: transcripts, pseudonymisation, codebook, codings, outputs, agreement and
REFI-QDA exchange.  No Django here: the web application is a shell around this package.

Start with :func:`readiness.interviews.store.init` or :class:`Project`, bring transcripts in with
:func:`import_transcripts`, and see ``docs/interviews.md`` for the command line.
"""

from readiness.interviews.errors import InterviewError
from readiness.interviews.ingest import import_attributes, import_transcripts, load_topic_guide
from readiness.interviews.model import (
    Code,
    Coding,
    Memo,
    Participant,
    Project,
    Theme,
    Transcript,
    Turn,
    turns_of,
)
from readiness.interviews.store import load, save
from readiness.interviews.transcripts import parse_transcript, read_transcript

__all__ = [
    "Code",
    "Coding",
    "InterviewError",
    "Memo",
    "Participant",
    "Project",
    "Theme",
    "Transcript",
    "Turn",
    "import_attributes",
    "import_transcripts",
    "load",
    "load_topic_guide",
    "parse_transcript",
    "read_transcript",
    "save",
    "turns_of",
]
