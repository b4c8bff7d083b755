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


def marker(client) -> str:
    """What the answer forms of the client's respondent session carry to name its draft ("" when
    the client answers none)."""
    from readiness.web.surveys import answering

    cookie = client.cookies.get(answering.COOKIE)
    if cookie is None or not cookie.value:
        return ""
    digest = answering.AnsweringStore(cookie.value).get(answering.DRAFT)
    return answering.form_marker(digest) if digest else ""


def code_of(client) -> str:
    """The resume code of the client's draft, as its pages show it (from its session)."""
    from readiness.web.surveys import answering

    store = answering.AnsweringStore(client.cookies[answering.COOKIE].value)
    return answering.unseal(store[answering.CODE], store.session_key)


def post_page(client, where, data=None, **extra):
    """POST ``/answer/<where>/`` (a page's number, "check" or "code") as its form does."""
    return client.post(f"/answer/{where}/", {**(data or {}), "draft": marker(client)}, **extra)


CODE_SHOWN = re.compile(r'class="readiness-code">([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})<')


def shown_code(content: bytes | str) -> str:
    """The resume code a page shows."""
    text = content.decode() if isinstance(content, bytes) else content
    found = CODE_SHOWN.search(text)
    assert found, text[:3000]
    return found.group(1)


def start(client, session, **extra) -> str:
    """Consent on the session's page; returns the resume code (shown on the first page, never
    in an address)."""
    response = client.post(f"/s/{session.token}/", {"consent": "yes"}, **extra)
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == "/answer/1/", response["Location"]
    return shown_code(client.get("/answer/1/", **extra).content)


def answer_all(client, code: str = "", **extra) -> str:
    """Answer every page of the client's draft; returns the submission token from the check
    page.  (``code`` is not used: the client's respondent session names the draft.)"""
    for number, section in enumerate(SECTION_ORDER, start=1):
        response = post_page(client, number, PAGE_ANSWERS[section], **extra)
        assert response.status_code == 302, (section, response.content.decode()[:3000])
    response = client.get("/answer/check/", **extra)
    assert response.status_code == 200
    return re.search(r'name="submission_token" value="([^"]+)"', response.content.decode()).group(1)


def submit(client, token: str, **extra):
    """Submit the client's draft (the check page's form)."""
    return post_page(client, "check", {"submission_token": token}, **extra)
