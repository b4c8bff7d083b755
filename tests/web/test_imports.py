"""Large response imports through the import page: written in bulk, all or nothing.

``benchmarks/bench_imports.py`` times a 40 MB import; these tests check, untimed, that an import
of thousands of rows through the page stores every answer as the file holds it, and that a
failure while writing leaves nothing behind, whichever batch it happens in.
"""

from __future__ import annotations

import pandas as pd
import pytest
from django.contrib.auth import get_user_model

from readiness.responses import read_responses
from readiness.synth.cohort import make_cohort
from readiness.web.surveys import imports, services
from readiness.web.surveys.models import Response, ResponseImport, Source

pytestmark = pytest.mark.django_db

N_ROWS = 3_000


@pytest.fixture
def cohort_file(study, tmp_path):
    """A CSV of ``N_ROWS`` synthetic responses, and the study given the cohort's sessions."""
    cohort = make_cohort(N_ROWS, 11)
    sites = {
        code: services.add_site(study, code, code) for code in cohort.sessions["site"].unique()
    }
    for row in cohort.sessions.itertuples():
        services.add_session(
            sites[row.site], pd.Timestamp(row.date).date(), int(row.attended), code=row.session
        )
    path = tmp_path / "cohort.csv"
    cohort.responses.to_csv(path, index=False)
    return path


def _post(client, study, path):
    client.force_login(get_user_model().objects.get(username="lead"))
    with open(path, "rb") as handle:
        return client.post(f"/studies/{study.slug}/import/", {"file": handle, "session": ""})


def test_a_large_import_stores_every_answer_as_the_file_holds_it(client, study, cohort_file):
    page = _post(client, study, cohort_file)
    assert page.status_code == 302, page.content.decode()[-2000:]
    stored = Response.objects.filter(session__site__study=study).select_related("session")
    assert stored.count() == N_ROWS and ResponseImport.objects.get().rows == N_ROWS
    clean = read_responses(cohort_file, study.instrument.instrument).frame
    by_token = {}
    for response in stored:
        assert response.source == Source.IMPORT
        by_token[response.submission_token] = response
    assert len(by_token) == N_ROWS  # every response its own token
    got = sorted(
        (r.session.code, r.completed_on.isoformat(), sorted(r.answers.items()))
        for r in by_token.values()
    )
    items = list(study.instrument.instrument.item_ids)
    want = []
    for row in clean.to_dict("records"):
        answers = {k: services._stored(row[k]) for k in items}
        answers["site"] = row["session"].rsplit("-", 1)[0]  # the session's site
        want.append(
            (
                row["session"],
                str(row["completed_on"])[:10],
                sorted((k, v) for k, v in answers.items() if v is not None),
            )
        )
    assert got == sorted(want)


def test_a_large_import_that_fails_while_writing_leaves_nothing(
    client, study, cohort_file, monkeypatch
):
    """A failure in the last batch, after earlier batches were sent: nothing is kept."""
    monkeypatch.setattr(services, "_INSERT_BATCH", 500)
    real = services.new_submission_tokens

    def last_token_repeats_the_first(n):
        tokens = real(n)
        return tokens[:-1] + tokens[:1]

    monkeypatch.setattr(services, "new_submission_tokens", last_token_repeats_the_first)
    before = Response.objects.count()
    page = _post(client, study, cohort_file)
    assert page.status_code == 200
    assert "Nothing was imported" in page.content.decode()
    assert Response.objects.count() == before and not ResponseImport.objects.exists()


def test_a_large_import_with_one_bad_cell_writes_nothing(study, cohort_file):
    lines = cohort_file.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    last = lines[-1].split(",")
    last[header.index("discipline")] = "99"
    cohort_file.write_text("\n".join(lines[:-1] + [",".join(last)]) + "\n", encoding="utf-8")
    with pytest.raises(imports.ResponsesError) as caught:
        imports.import_file(study, cohort_file)
    assert [(p.row, p.column) for p in caught.value.problems] == [(N_ROWS, "discipline")]
    assert not Response.objects.exists() and not ResponseImport.objects.exists()


def test_an_import_over_the_upload_cap_is_refused_with_the_cap(client, study, tmp_path, settings):
    settings.READINESS_MAX_SURVEY_UPLOAD_BYTES = 50_000
    settings.READINESS_MAX_INTERVIEW_UPLOAD_BYTES = 400_000  # the request itself is let in
    path = tmp_path / "big.csv"
    path.write_text("session,discipline\n" + "A-1,2\n" * 20_000, encoding="utf-8")
    page = _post(client, study, path)
    assert page.status_code == 200
    assert "The file must be smaller than 0.0477 MB" in page.content.decode()
    assert not Response.objects.exists()


def test_a_request_body_over_every_upload_cap_is_refused_unread(client, study, settings):
    settings.READINESS_MAX_SURVEY_UPLOAD_BYTES = 2**20
    settings.READINESS_MAX_INTERVIEW_UPLOAD_BYTES = 2**20
    # Claimed 10 GB with a small body: reading the body would fail the test client's payload.
    for path in (f"/studies/{study.slug}/import/", "/accounts/login/"):
        page = client.post(path, {"file": "x"}, CONTENT_LENGTH=str(10 * 2**30))
        assert page.status_code == 413
        assert "at most 1 MB" in page.content.decode()


def test_an_xlsx_import_over_its_unpacked_cap_or_a_zip_bomb_writes_nothing(
    client, study, tmp_path, settings
):
    from tests.zipbomb import bomb_xlsx

    bomb = bomb_xlsx(tmp_path / "bomb.xlsx", megabytes=64)
    page = _post(client, study, bomb)
    html = page.content.decode()
    assert page.status_code == 200 and "Nothing was imported" in html
    assert "bomb.xlsx" in html and "unpacks to" in html
    # An ordinary workbook over the web's limit for XLSX is refused too, naming the limit.
    settings.READINESS_MAX_IMPORT_XLSX_UNPACKED_BYTES = 20_000
    ordinary = tmp_path / "ordinary.xlsx"
    pd.DataFrame({"session": ["A-1"] * 3000, "discipline": ["2"] * 3000}).to_excel(
        ordinary, index=False
    )
    html = _post(client, study, ordinary).content.decode()
    assert "Nothing was imported" in html and "at most 20,000 bytes" in html
    assert not Response.objects.exists() and not ResponseImport.objects.exists()
