"""Shared fixtures: the shipped instrument and a small valid response table (as text)."""

from __future__ import annotations

import pandas as pd
import pytest

from readiness.instrument import shipped_instrument
from readiness.instrument.model import META_COLUMNS

PK = ["pk_signs", "pk_scale", "pk_forms", "pk_health", "pk_enquiry", "pk_routes"]
PK += ["pk_entitlements", "pk_services", "pk_law"]
K = ["k_disclose", "k_see_alone", "k_companion_interp", "k_controlling", "k_border"]
K += ["k_uk_nationals", "k_police_danger", "k_age_doubt", "k_first_responder"]
K += ["k_adult_consent", "k_child_consent", "k_gp_papers", "k_ae_free", "k_urgent_delay"]
C = ["c_identify", "c_questions", "c_disclosure", "c_refer_men", "c_refer_women"]
C += ["c_refer_children", "c_interpreter", "c_advice"]


def valid_rows() -> list[dict[str, str]]:
    """Three responses that satisfy every condition and use every item type."""
    first = {
        "response_id": "r1",
        "instrument_id": "readiness-survey",
        "instrument_version": "1",
        "session": "site-a-2025",
        "completed_on": "2025-05-01",
        "synthetic": "0",
        "site": "Site A",
        "discipline": "2",
        "profession": "8",
        "profession_other": "Paramedic",
        "years_qualified": "5",
        "training_prior": "1",
        "training_where": "1 3",
        "training_when": "2019-03",
        "training_enough": "2",
        "contact_ever": "1",
        "contact_count": "3",
        "contact_actions": "1 2",
        "contact_story": 'She was "very" frightened,\nso we called the safeguarding team.',
        "interest_training": "1",
        "interest_formats": "2",
        "interest_topics": "1 3 6",
    }
    first.update({item: str(1 + i % 5) for i, item in enumerate(PK + C)})
    first.update({item: ("1", "0", "8")[i % 3] for i, item in enumerate(K)})
    second = {
        "response_id": "r2",
        "instrument_id": "readiness-survey",
        "instrument_version": "1",
        "session": "site-b-2025",
        "completed_on": "2025-05-02T14:30:00",
        "synthetic": "0",
        "site": "Site B",
        "discipline": "1",
        "profession": "2",
        "years_qualified": "0",
        "training_prior": "0",
        "training_enough": "1",
        "contact_ever": "0",
        "interest_training": "0",
    }
    second.update({item: "3" for item in PK + C})
    second.update({item: "8" for item in K})
    third = {
        "response_id": "r3",
        "instrument_id": "readiness-survey",
        "instrument_version": "1",
        "session": "site-b-2025",
        "completed_on": "2025-05-02",
        "synthetic": "0",
        "site": "Café – São Paulo ✓",
        "discipline": "5",
        "training_prior": "1",
        "training_where": "4",
        "contact_ever": "0",
        "interest_training": "1",
        "interest_topics": "2",
        "pk_signs": "5",
        "k_border": "0",
        "c_refer_women": "4",
    }
    return [first, second, third]


def valid_text_frame() -> pd.DataFrame:
    """The valid rows as a file would hold them: every column, every cell text or empty."""
    instrument = shipped_instrument()
    # Another tool's file: no evaluation columns (wave, link), no source (an export's).
    meta = [c for c in META_COLUMNS if c not in ("wave", "link", "source")]
    columns = meta + list(instrument.item_ids)
    rows = valid_rows()
    return pd.DataFrame([[row.get(c, "") for c in columns] for row in rows], columns=columns)


@pytest.fixture(scope="session")
def instrument():
    return shipped_instrument()


@pytest.fixture
def text_frame() -> pd.DataFrame:
    return valid_text_frame()


@pytest.fixture
def valid_csv(tmp_path, text_frame):
    path = tmp_path / "responses.csv"
    text_frame.to_csv(path, index=False)
    return path
