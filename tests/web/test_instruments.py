"""The Instruments pages: the versions stored, upload (problems, warnings, confirmation),
a version's outline, downloads and changes, and the preview that keeps nothing."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from readiness.instrument import parse_instrument
from readiness.web.audit.models import Event
from readiness.web.surveys.models import Draft, InstrumentVersion, Response
from readiness.web.surveys.views_instruments import PENDING_KEY, PREVIEW_KEY
from tests.web.bilingual import BILINGUAL

pytestmark = pytest.mark.django_db

V1 = """id: staff-check
version: "1"
title: Staff check
sections:
  - id: s
    title: About you
    items:
      - id: role
        type: single_choice
        text: Your role
        choices: [{code: 1, label: Nurse}, {code: 2, label: Doctor}]
      - {id: note, type: text, text: "Anything else?"}
"""
V2 = V1.replace('version: "1"', 'version: "2"').replace("Your role", "Your main role")


def _login(client, django_user_model, name):
    client.force_login(django_user_model.objects.get(username=name))
    return client


def _file(name: str, text: str | bytes) -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data)


def _upload(client, name, text, **extra):
    return client.post("/instruments/", {"file": _file(name, text), **extra})


def xlsform(
    version: str = "1", extra_row=None, bad_type: bool = False, no_label: str = "No"
) -> bytes:
    """A small bilingual XLSForm (English, Cymraeg) with a condition; ``extra_row`` adds a
    question (type, name, English, Welsh, relevant, constraint)."""
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(
        ["type", "name", "label::English (en)", "label::Cymraeg (cy)", "relevant", "constraint"]
    )
    survey.append(["select_one yn", "seen", "Seen a patient?", "Wedi gweld claf?", "", ""])
    survey.append(
        ["text" if not bad_type else "banana", "where", "Where?", "Ble?", "${seen} = 'y'", ""]
    )
    if extra_row:
        survey.append(extra_row)
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::English (en)", "label::Cymraeg (cy)"])
    choices.append(["yn", "y", "Yes", "Ie"])
    choices.append(["yn", "n", no_label, "Na"])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append(["Ward form", "ward-form", version, "English (en)"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_everyone_with_a_role_sees_the_versions_and_who_uses_them(client, django_user_model, study):
    for name in ("lead", "coordinator", "analyst", "admin"):
        page = _login(client, django_user_model, name).get("/instruments/").content.decode()
        assert "readiness-survey" in page and "Test study" in page
    _login(client, django_user_model, "outsider")
    assert client.get("/instruments/").status_code == 403


def test_only_leads_and_administrators_may_upload(client, django_user_model, study):
    for name in ("coordinator", "analyst"):
        _login(client, django_user_model, name)
        page = client.get("/instruments/").content.decode()
        assert "Check the file" not in page
        assert _upload(client, "v1.yaml", V1).status_code == 403
    assert not InstrumentVersion.objects.filter(instrument_id="staff-check").exists()


def test_a_yaml_upload_is_confirmed_then_stored_and_audited(client, django_user_model, study):
    _login(client, django_user_model, "lead")
    response = _upload(client, "v1.yaml", V1, change_note="First version")
    assert response.status_code == 302 and response["Location"] == "/instruments/confirm/"
    assert not InstrumentVersion.objects.filter(instrument_id="staff-check").exists()
    page = client.get("/instruments/confirm/").content.decode()
    assert "staff-check version 1" in page and "Save this version" in page
    response = client.post("/instruments/confirm/", {"action": "save"})
    version = InstrumentVersion.objects.get(instrument_id="staff-check")
    assert response["Location"] == f"/instruments/{version.pk}/"
    assert version.yaml == V1 and version.source_format == "yaml"
    assert version.added_by.username == "lead" and version.added_on is not None
    assert version.change_note == "First version"
    event = Event.objects.filter(action="instrument").latest("pk")
    assert event.detail["instrument"] == "staff-check" and event.detail["version"] == "1"
    assert PENDING_KEY not in client.session


def test_a_new_version_records_its_previous_and_shows_what_changed(
    client, django_user_model, study
):
    _login(client, django_user_model, "lead")
    _upload(client, "v1.yaml", V1)
    client.post("/instruments/confirm/", {"action": "save"})
    _upload(client, "v2.yaml", V2)
    confirm = client.get("/instruments/confirm/").content.decode()
    assert "role: wording changed" in confirm
    client.post("/instruments/confirm/", {"action": "save"})
    v1 = InstrumentVersion.objects.get(instrument_id="staff-check", version="1")
    v2 = InstrumentVersion.objects.get(instrument_id="staff-check", version="2")
    assert v2.previous == v1
    page = client.get(f"/instruments/{v2.pk}/").content.decode()
    assert "What changed since version 1" in page
    assert "Your role" in page and "Your main role" in page


def test_the_same_id_and_version_with_other_text_is_refused(client, django_user_model, study):
    _login(client, django_user_model, "lead")
    _upload(client, "v1.yaml", V1)
    client.post("/instruments/confirm/", {"action": "save"})
    _upload(client, "v1-edited.yaml", V1.replace("Anything else?", "Anything more?"))
    page = client.get("/instruments/confirm/").content.decode()
    assert "is stored already" in page and "give it a new version" in page
    assert "Save this version" not in page
    client.post("/instruments/confirm/", {"action": "save"})
    assert InstrumentVersion.objects.filter(instrument_id="staff-check").count() == 1
    assert "Anything else?" in InstrumentVersion.objects.get(instrument_id="staff-check").yaml


def test_the_same_text_again_points_to_the_stored_version(client, django_user_model, study):
    _login(client, django_user_model, "lead")
    _upload(client, "v1.yaml", V1)
    client.post("/instruments/confirm/", {"action": "save"})
    stored = InstrumentVersion.objects.get(instrument_id="staff-check")
    events = Event.objects.filter(action="instrument").count()
    _upload(client, "again.yaml", V1)
    assert (
        "stored already with exactly this text"
        in client.get("/instruments/confirm/").content.decode()
    )
    response = client.post("/instruments/confirm/", {"action": "save"})
    assert response["Location"] == f"/instruments/{stored.pk}/"
    assert InstrumentVersion.objects.filter(instrument_id="staff-check").count() == 1
    assert Event.objects.filter(action="instrument").count() == events


def test_yaml_problems_name_the_line_and_the_fix(client, django_user_model, study):
    _login(client, django_user_model, "lead")
    bad = V1.replace("type: single_choice", "type: single_choise")
    page = _upload(client, "bad.yaml", bad).content.decode()
    assert "bad.yaml: 1 problem, listed below" in page
    assert "bad.yaml, line 9" in page and "single_choise" in page
    assert "Nothing was saved" in page
    assert PENDING_KEY not in client.session


def test_xlsform_problems_name_the_sheet_row_and_column(client, django_user_model, study):
    _login(client, django_user_model, "lead")
    page = _upload(client, "ward.xlsx", xlsform(bad_type=True)).content.decode()
    assert "sheet survey" in page and "row 2" in page and "banana" in page
    assert "readiness-instrument-" not in page  # the upload's name, not the temporary copy
    assert not InstrumentVersion.objects.filter(instrument_id="ward-form").exists()


def test_xlsform_warnings_are_shown_before_saving(client, django_user_model, study):
    _login(client, django_user_model, "lead")
    extra = ["integer", "age", "Age", "Oed", "", ". > 15 and . < 100"]
    response = _upload(client, "ward.xlsx", xlsform(extra_row=extra))
    assert response.status_code == 302
    page = client.get("/instruments/confirm/").content.decode()
    assert "ward-form version 1" in page and "Cymraeg (cy)" in page
    assert "What the conversion did not keep (1)" in page
    assert "ward.xlsx, sheet survey, row 3, column constraint: age: the constraint" in page
    assert not InstrumentVersion.objects.filter(instrument_id="ward-form").exists()
    client.post("/instruments/confirm/", {"action": "save"})
    version = InstrumentVersion.objects.get(instrument_id="ward-form")
    assert version.source_format == "xlsform" and len(version.warnings) == 1
    inst = parse_instrument(version.yaml, file="stored.yaml")
    assert inst.languages == ("en", "cy") and inst.item("where").show_if is not None


def test_cancel_saves_nothing(client, django_user_model, study):
    _login(client, django_user_model, "lead")
    _upload(client, "v1.yaml", V1)
    client.post("/instruments/confirm/", {"action": "cancel"})
    assert not InstrumentVersion.objects.filter(instrument_id="staff-check").exists()
    assert PENDING_KEY not in client.session


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("notes.txt", "must be an XLSForm (.xlsx), a REDCap data dictionary (.csv)"),
        (None, "Instrument file: choose the file to upload"),
    ],
)
def test_a_wrong_file_is_refused_naming_the_field(client, django_user_model, study, name, message):
    _login(client, django_user_model, "lead")
    data = {"file": _file(name, "x")} if name else {}
    page = client.post("/instruments/", data).content.decode()
    assert message in page and 'href="#id_file"' in page


def test_a_file_over_the_limit_is_refused(client, django_user_model, study, settings):
    settings.READINESS_MAX_INSTRUMENT_UPLOAD_BYTES = 100
    _login(client, django_user_model, "lead")
    page = _upload(client, "v1.yaml", V1).content.decode()
    assert "must be smaller than" in page


def test_a_redcap_dictionary_takes_the_id_and_version_given(client, django_user_model, study):
    text = (
        "Variable / Field Name,Form Name,Section Header,Field Type,Field Label,"
        '"Choices, Calculations, OR Slider Labels",Field Note,'
        "Text Validation Type OR Show Slider Number,Text Validation Min,Text Validation Max,"
        "Identifier?,Branching Logic (Show field only if...),Required Field?,"
        "Custom Alignment,Question Number (surveys only),Matrix Group Name,Matrix Ranking?,"
        "Field Annotation\n"
        "record_id,form,,text,Record ID,,,,,,,,,,,,,\n"
        'seen,form,,radio,Seen a patient?,"1, Yes | 0, No",,,,,,,,,,,,\n'
    )
    _login(client, django_user_model, "lead")
    response = _upload(client, "dict.csv", text, instrument_id="ward-dict", version="3")
    assert response.status_code == 302
    client.post("/instruments/confirm/", {"action": "save"})
    version = InstrumentVersion.objects.get(instrument_id="ward-dict")
    assert version.version == "3" and version.source_format == "redcap"


@pytest.mark.parametrize(("kind", "start"), [("yaml", b"id:"), ("xlsform", b"PK"), ("redcap", b"")])
def test_a_version_downloads_in_each_format(client, django_user_model, study, kind, start):
    _login(client, django_user_model, "analyst")
    response = client.get(f"/instruments/{study.instrument.pk}/download/{kind}/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(start)
    if kind == "redcap":
        assert b"Variable / Field Name" in response.content[:200]


def test_the_detail_page_shows_the_outline(client, django_user_model, study):
    _login(client, django_user_model, "coordinator")
    page = client.get(f"/instruments/{study.instrument.pk}/").content.decode()
    inst = study.instrument.instrument
    assert all(section.title in page for section in inst.sections)
    assert inst.items[0].id in page
    assert "Preview as a respondent" in page


def _bilingual(client):
    from readiness.web.surveys import services

    return services.install_instrument(text=BILINGUAL.lstrip())


def test_the_preview_goes_page_by_page_and_stores_nothing(client, django_user_model, study):
    version = _bilingual(client)
    _login(client, django_user_model, "analyst")
    counts = (Response.objects.count(), Draft.objects.count())
    base = f"/instruments/{version.pk}/preview/"
    assert "Preview — answers are not kept" in client.get(base).content.decode()
    assert client.post(base)["Location"] == f"{base}1/"
    page = client.get(f"{base}1/").content.decode()
    assert "Preview — answers are not kept" in page and "Have you seen a patient?" in page
    errors = client.post(f"{base}1/", {}).content.decode()
    assert "There is a problem" in errors
    response = client.post(f"{base}1/", {"Seen": "1", "role": "nurse"})
    assert response["Location"] == f"{base}2/"
    page = client.get(f"{base}2/").content.decode()
    assert "When did you see the patient?" in page  # its condition holds
    assert client.session[PREVIEW_KEY][str(version.pk)]["answers"]["Seen"] == 1
    client.post(f"{base}1/", {"Seen": "0", "role": "nurse"})
    assert "When did you see the patient?" not in client.get(f"{base}2/").content.decode()
    response = client.post(f"{base}2/", {"hours": "8"})
    assert response["Location"] == f"{base}check/"
    check = client.get(f"{base}check/").content.decode()
    assert "Nurse" in check and "nothing is submitted" in check
    assert (Response.objects.count(), Draft.objects.count()) == counts


def test_the_preview_shows_each_language(client, django_user_model, study):
    version = _bilingual(client)
    _login(client, django_user_model, "lead")
    base = f"/instruments/{version.pk}/preview/"
    page = client.get(f"{base}1/?lang=cy").content.decode()
    assert "Ydych chi wedi gweld claf?" in page and 'lang="cy"' in page
    assert "Ydych chi wedi gweld claf?" in client.get(f"{base}1/").content.decode()  # kept
    page = client.get(f"{base}1/?lang=en-GB").content.decode()
    assert "Have you seen a patient?" in page


def test_a_version_stored_meanwhile_is_refused_not_an_error(client, django_user_model, study):
    from readiness.web.surveys import services

    _login(client, django_user_model, "lead")
    _upload(client, "v1.yaml", V1)
    services.install_instrument(text=V1.replace("Anything else?", "Something else?"))
    page = client.post("/instruments/confirm/", {"action": "save"}).content.decode()
    assert "is stored already" in page and "give it a new version" in page
    assert "Something else?" in InstrumentVersion.objects.get(instrument_id="staff-check").yaml


def test_a_version_stored_between_the_check_and_the_insert_is_refused(study, monkeypatch):
    from readiness.errors import ReadinessError
    from readiness.web.surveys import instruments, services

    upload = instruments.read_upload([V1.encode()], "v1.yaml")
    services.install_instrument(text=V1.replace("Anything else?", "Something else?"))
    real = instruments.existing
    calls = []
    monkeypatch.setattr(instruments, "clash", lambda u: None)
    monkeypatch.setattr(
        instruments, "existing", lambda u: calls.append(1) or (real(u) if len(calls) > 1 else None)
    )
    with pytest.raises(ReadinessError, match="upload it again"):
        instruments.store(upload, None)
    assert InstrumentVersion.objects.filter(instrument_id="staff-check").count() == 1
