"""A small, valid guide written by the tests, which each test may break on purpose.

``minimal_content()`` returns the four files as plain dicts; ``write_content(folder, files)``
writes them as YAML.  The graph is the shipped one in miniature: nation, danger, age (with
"Not sure" meaning child), private, then a router to a child outcome or the adult consent
questions.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

ALL4 = ["england", "wales", "scotland", "northern_ireland"]


def _fact(statement: str, nations=None, status="confirmed", volatility="guidance", **extra):
    fact = {
        "statement": statement,
        "nations": nations or ALL4,
        "sources": [{"id": "dhsc2015", "locator": "page 1"}],
        "status": status,
        "volatility": volatility,
        "last_checked": "2026-12-05",
        "checked_by": "tests",
    }
    fact.update(extra)
    return fact


def _action(title, text, facts, tags=(), **nations):
    variants = {"all": {"text": text, "facts": list(facts)}}
    variants.update(nations)
    return {"title": title, "tags": list(tags), "variants": variants}


def minimal_content() -> dict[str, dict]:
    sources = {
        "sources": {
            "dhsc2015": {
                "title": "Guidance for health staff",
                "publisher": "Department of Health",
                "url": "https://www.gov.uk/example",
                "version": "updated 27 November 2015",
                "kind": "guidance",
            }
        }
    }
    facts = {
        "facts": {
            "treat": _fact("Give immediately necessary treatment."),
            "doc": _fact("Write down what you saw and were told."),
            "lead": _fact("Tell your safeguarding lead."),
            "danger": _fact("Call 999 in an emergency."),
            "child": _fact("A child is safeguarded first."),
            "consent": _fact("An adult must agree to an NRM referral."),
            "police": _fact("The police are told only with consent."),
            "gb_fro": _fact("NHS staff in Great Britain are not First Responders.", ALL4[:3]),
            "ni_fro": _fact("HSC Trusts are First Responders.", ["northern_ireland"]),
            "helpline": _fact(
                "The helpline is open at all hours.", volatility="contact", value="08000 121 700"
            ),
            "maybe": _fact("Something not yet checked.", status="unverified"),
        }
    }
    q = "question"
    guide = {
        "id": "test-guide",
        "version": "2026.12.0",
        "title": "Safeguarding guide",
        "start": "nation",
        "disclaimer": "Follow your organisation's safeguarding policy.",
        "acronyms": {"NRM": "National Referral Mechanism"},
        "nodes": {
            "nation": {
                "type": q,
                "text": "Where are you working?",
                "options": [
                    {"label": "England", "set": {"nation": "england"}, "next": "danger"},
                    {"label": "Wales", "set": {"nation": "wales"}, "next": "danger"},
                    {"label": "Scotland", "set": {"nation": "scotland"}, "next": "danger"},
                    {
                        "label": "Northern Ireland",
                        "set": {"nation": "northern_ireland"},
                        "next": "danger",
                    },
                ],
            },
            "danger": {
                "type": q,
                "text": "Is anyone in immediate danger?",
                "options": [
                    {"label": "Yes", "set": {"danger": "yes"}, "next": "act_danger"},
                    {"label": "No", "set": {"danger": "no"}, "next": "age"},
                ],
            },
            "act_danger": {"type": "action", "actions": ["call_999"], "next": "age"},
            "age": {
                "type": q,
                "text": "Is the person under 18?",
                "options": [
                    {"label": "Yes", "set": {"age": "child"}, "next": "route"},
                    {"label": "Not sure", "set": {"age": "child"}, "next": "route"},
                    {"label": "No, 18 or over", "set": {"age": "adult"}, "next": "route"},
                ],
            },
            "route": {
                "type": q,
                "options": [
                    {"when": {"age": "child"}, "next": "child_outcome"},
                    {"when": {"age": "adult"}, "next": "consent_nrm"},
                ],
            },
            "consent_nrm": {
                "type": q,
                "text": "Does the person agree to be referred?",
                "options": [
                    {"label": "Yes", "set": {"consent_nrm": "yes"}, "next": "consent_police"},
                    {"label": "No", "set": {"consent_nrm": "no"}, "next": "consent_police"},
                ],
            },
            "consent_police": {
                "type": q,
                "text": "Does the person agree to the police being told?",
                "options": [
                    {"label": "Yes", "set": {"consent_police": "yes"}, "next": "adult_outcome"},
                    {"label": "No", "set": {"consent_police": "no"}, "next": "adult_outcome"},
                ],
            },
            "child_outcome": {
                "type": "outcome",
                "summary": "Safeguard the child first.",
                "card": "child",
                "actions": ["treat_now", "tell_safeguarding_lead", "child_referral", "document"],
            },
            "adult_outcome": {
                "type": "outcome",
                "summary": "Support the adult.",
                "card": "adult",
                "actions": [
                    "treat_now",
                    "tell_safeguarding_lead",
                    {"id": "refer_to_fro", "when": {"consent_nrm": "yes"}},
                    {"id": "police_with_consent", "when": {"consent_police": "yes"}},
                    "helpline_advice",
                    "document",
                ],
            },
        },
        "actions": {
            "treat_now": _action("Treat now", "Give treatment now.", ["treat"], ["treat_now"]),
            "tell_safeguarding_lead": {
                **_action(
                    "Tell your lead", "Tell your lead.", ["lead"], ["tell_safeguarding_lead"]
                ),
                "variants": {
                    "all": {
                        "text": "Tell your safeguarding lead.",
                        "facts": ["lead"],
                        "local": ["safeguarding_team"],
                    }
                },
            },
            "document": _action("Write it down", "Write it down.", ["doc"], ["document"]),
            "call_999": _action("Call 999", "Call 999 now.", ["danger"], ["emergency"]),
            "child_referral": _action(
                "Refer the child", "Refer to children's services.", ["child"]
            ),
            "refer_to_fro": {
                "title": "Refer to a First Responder",
                "tags": ["nrm_referral"],
                "variants": {
                    "all": {
                        "text": "Refer through your lead to a First Responder.",
                        "facts": ["consent", "gb_fro"],
                    },
                    "northern_ireland": {
                        "text": "Your Trust's first-responder staff refer.",
                        "facts": ["consent", "ni_fro"],
                    },
                },
            },
            "police_with_consent": _action(
                "Tell the police", "Tell the police, as agreed.", ["police"], ["police"]
            ),
            "helpline_advice": _action("Helpline", "Call the helpline for advice.", ["helpline"]),
        },
    }
    slots = {
        "slots": {
            "safeguarding_team": {"label": "Safeguarding team", "nations": "all", "required": True},
            "la_adult_safeguarding": {
                "label": "Local authority adult safeguarding",
                "nations": ["england"],
                "required": True,
            },
        }
    }
    return {
        "sources.yaml": sources,
        "facts.yaml": facts,
        "guide.yaml": guide,
        "local-slots.yaml": slots,
    }


def write_content(folder: Path, files: dict[str, dict] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in (files or minimal_content()).items():
        (folder / name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


def changed(**edits) -> dict[str, dict]:
    """A deep copy of the minimal content; ``edits`` map a file name to a function that edits
    its dict in place (``changed(guide=lambda g: ...)`` edits guide.yaml)."""
    files = copy.deepcopy(minimal_content())
    for short, edit in edits.items():
        name = {
            "guide": "guide.yaml",
            "facts": "facts.yaml",
            "sources": "sources.yaml",
            "slots": "local-slots.yaml",
        }[short]
        edit(files[name])
    return files
