"""The printable paper form and a session's poster, from the paper forms page and the session
page (the PDFs themselves: tests/instrument/test_paperform.py)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.web.bilingual import bilingual_session

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils"),
]
pytest.importorskip("weasyprint", reason="the pdf extra is not installed")


def _text(response, tmp_path) -> str:
    path = tmp_path / "got.pdf"
    path.write_bytes(response.content)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def _login(client, django_user_model, username):
    client.force_login(django_user_model.objects.get(username=username))
    return client


def test_the_paper_forms_page_offers_the_form_and_the_pdf_holds_the_study(
    client, django_user_model, study, session_a, tmp_path
):
    client = _login(client, django_user_model, "lead")
    page = client.get(f"/studies/{study.slug}/paper/").content.decode()
    assert f'action="/studies/{study.slug}/paper/form.pdf"' in page
    assert "Download the paper form (PDF)" in page
    for tag in study.instrument.instrument.languages:  # a choice when there are several
        assert (f'<option value="{tag}">' in page) == (
            len(study.instrument.instrument.languages) > 1
        )
    entry = client.get(f"/studies/{study.slug}/paper/new/").content.decode()
    assert f'id="paper-print-link" href="/studies/{study.slug}/paper/form.pdf"' in entry
    response = client.get(f"/studies/{study.slug}/paper/form.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert f"{study.slug}-paper-form.pdf" in response["Content-Disposition"]
    text = _text(response, tmp_path)
    assert study.name in text and "Form number" in text
    assert "Which area do you mainly work in?" in text


def test_the_session_page_offers_the_form_and_poster_for_the_session(
    client, django_user_model, study, session_a, tmp_path, settings
):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "survey.example.org"]
    client = _login(client, django_user_model, "coordinator")
    page = client.get(f"/studies/{study.slug}/sessions/{session_a.pk}/").content.decode()
    poster_url = f"/studies/{study.slug}/sessions/{session_a.pk}/poster.pdf"
    assert poster_url in page
    assert f"/studies/{study.slug}/paper/form.pdf?session={session_a.pk}" in page
    form = client.get(f"/studies/{study.slug}/paper/form.pdf?session={session_a.pk}")
    assert f"-{session_a.code}.pdf" in form["Content-Disposition"]
    assert f"Session: Session {session_a.code}" in _text(form, tmp_path)
    poster = client.get(poster_url, HTTP_HOST="survey.example.org")
    assert poster["Content-Type"] == "application/pdf"
    text = _text(poster, tmp_path)
    assert f"http://survey.example.org/s/{session_a.token}/" in text
    assert study.name in text and "Your answers are anonymous" in text
    assert session_a.site.name in text


def test_a_session_or_language_that_is_not_there_is_not_found(
    client, django_user_model, study, session_a, session_b
):
    client = _login(client, django_user_model, "coordinator")  # site A only
    base = f"/studies/{study.slug}/paper/form.pdf"
    assert client.get(f"{base}?session={session_b.pk}").status_code == 404
    assert client.get(f"{base}?session=nonsense").status_code == 404
    response = client.get(f"{base}?language=fr")
    assert response.status_code == 404


def test_a_bilingual_study_prints_in_the_chosen_language(client, make_user, tmp_path):
    study = bilingual_session(make_user).site.study
    client.force_login(study.memberships.get(role="lead").user)
    page = client.get(f"/studies/{study.slug}/paper/").content.decode()
    assert '<option value="cy">Cymraeg</option>' in page
    text = _text(client.get(f"/studies/{study.slug}/paper/form.pdf?language=cy"), tmp_path)
    assert "Ydych chi wedi gweld claf?" in text
