"""The form of the Instruments page: an instrument file to upload (its checks are in
:mod:`.instruments`)."""

from __future__ import annotations

import re

from django import forms

from readiness.web import uploads
from readiness.web.surveys import instruments

IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,99}$")


class InstrumentUploadForm(forms.Form):
    file = forms.FileField(required=False, label="Instrument file")
    instrument_id = forms.CharField(
        required=False,
        max_length=100,
        label="Instrument id (REDCap dictionaries only)",
        help_text="A REDCap data dictionary does not name its instrument: give the id (letters, "
        "digits, dashes). Leave empty to use the file's name. XLSForms and YAML carry their own.",
    )
    version = forms.CharField(
        required=False,
        max_length=50,
        label="Version (REDCap dictionaries only)",
        help_text="For example 2 or 2026-03. Leave empty for version 1.",
    )
    change_note = forms.CharField(
        required=False,
        max_length=2000,
        label="What changed in this version (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            raise forms.ValidationError("Instrument file: choose the file to upload")
        if upload.size > instruments.max_upload_bytes():
            raise forms.ValidationError(
                "Instrument file: the file must be smaller than "
                f"{uploads.megabytes(instruments.max_upload_bytes())}"
            )
        if instruments.format_of(upload.name) is None:
            raise forms.ValidationError(
                "Instrument file: the file must be an XLSForm (.xlsx), a REDCap data "
                "dictionary (.csv) or Readiness YAML (.yaml)"
            )
        return upload

    def clean_instrument_id(self):
        value = self.cleaned_data.get("instrument_id", "").strip()
        if value and not IDENTIFIER.match(value):
            raise forms.ValidationError(
                "Instrument id: use letters, digits, dashes, dots or underscores, starting "
                "with a letter (for example staff-survey)"
            )
        return value

    def clean_version(self):
        value = self.cleaned_data.get("version", "").strip()
        if value and not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$", value):
            raise forms.ValidationError(
                "Version: use letters, digits, dots or dashes (for example 2 or 2026-03)"
            )
        return value
