"""Recordings written by the tests: a WAV of silence, long enough to seek in."""

from __future__ import annotations

import io
import wave


def wav_bytes(seconds: float = 90.0, rate: int = 8000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(rate)
        w.writeframes(b"\x80" * int(seconds * rate))
    return buf.getvalue()


# otter.ai's text export: a speaker and a time on a line, the words on the lines after
OTTER = (
    "Speaker 1  0:00\nThanks for talking to me today.\n\n"
    "ZAINAB OKAFOR  0:04\nI'm a midwife 👩‍⚕️. She never had her passport\nwith her.\n\n"
    "Speaker 1  1:02\nWhat happened then?\n"
)
VTT = (
    "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Interviewer>Who did you call?\n\n"
    "00:00:59.710 --> 00:01:01.910\n<v P21>The safeguarding lead,\nstraight away.\n\n"
    "00:01:02.000 --> 00:01:05.000\n<v Interviewer>Thank you.\n"
)
