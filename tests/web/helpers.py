"""Answering the shipped survey through the Django test client."""

from __future__ import annotations

import re

# A valid answer for every page of the shipped readiness-survey, by section id.
PAGE_ANSWERS = {
    "about": {"discipline": "2", "profession": "3", "years_qualified": "7"},
    "training": {
        "training_prior": "1",
        "training_where": ["1", "4"],
        "training_when[month]": "3",
        "training_when[year]": "2024",
        "training_enough": "2",
    },
    "contact": {"contact_ever": "0"},
    "perceived": {
        i: "2"
        for i in (
            "pk_signs pk_scale pk_forms pk_health pk_enquiry pk_routes pk_entitlements "
            "pk_services pk_law"
        ).split()
    },
    "knowledge": {
        "k_disclose": "0",
        "k_see_alone": "1",
        "k_companion_interp": "1",
        "k_controlling": "1",
        "k_border": "8",
        "k_uk_nationals": "1",
        "k_police_danger": "0",
        "k_age_doubt": "1",
        "k_first_responder": "8",
        "k_adult_consent": "1",
        "k_child_consent": "0",
        "k_gp_papers": "0",
        "k_ae_free": "1",
        "k_urgent_delay": "0",
    },
    "confidence": {
        i: "3"
        for i in (
            "c_identify c_questions c_disclosure c_refer_men c_refer_women c_refer_children "
            "c_interpreter c_advice"
        ).split()
    },
    "interest": {"interest_training": "1", "interest_formats": ["1", "3"]},
}
SECTION_ORDER = list(PAGE_ANSWERS)


def start(client, session, **extra) -> str:
    """Consent on the session's page; returns the resume code."""
    response = client.post(f"/s/{session.token}/", {"consent": "yes"}, **extra)
    assert response.status_code == 302, response.content[:500]
    found = re.match(r"^/r/([A-Z0-9-]+)/1/$", response["Location"])
    assert found, response["Location"]
    return found.group(1)


def answer_all(client, code: str, **extra) -> str:
    """Answer every page; returns the submission token from the check page."""
    for number, section in enumerate(SECTION_ORDER, start=1):
        response = client.post(f"/r/{code}/{number}/", PAGE_ANSWERS[section], **extra)
        assert response.status_code == 302, (section, response.content.decode()[:3000])
    response = client.get(f"/r/{code}/check/", **extra)
    assert response.status_code == 200
    return re.search(r'name="submission_token" value="([^"]+)"', response.content.decode()).group(1)
