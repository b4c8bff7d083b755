"""Forms of the interview pages (Django forms, rendered with the NHS.UK frontend macros by
:func:`readiness.web.forms.render_form`)."""

from __future__ import annotations

from django import forms

from readiness.interviews.errors import InterviewError
from readiness.interviews.transcripts import decode
from readiness.web.accounts.lookup import find_account
from readiness.web.interviews import services
from readiness.web.interviews.models import Role


def _refused(err: InterviewError) -> forms.ValidationError:
    """The core's problems as the form's errors, one message each."""
    return forms.ValidationError(services.problem_texts(err))


def _capped(uploads) -> None:
    """Refuse uploads over the interview upload cap, before anything reads them."""
    try:
        services.check_upload_size(uploads)
    except InterviewError as err:
        raise _refused(err) from err


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files under one name (``<input type="file" multiple>``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


class ProjectForm(forms.Form):
    name = forms.CharField(label="Project name", max_length=300)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    starter_codebook = forms.BooleanField(
        label="Start with the starter codebook",
        required=False,
        help_text="The four themes of the published interview study (entitlements to care, "
        "availability of resources, providers' knowledge, the particular needs of trafficked "
        "people) with codes under them. Yours to change.",
    )
    topic_guide = forms.BooleanField(
        label="Add the starter topic guide",
        required=False,
        help_text="Identifying, referring and caring for trafficked people.",
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="REFI-QDA project (.qdpx) or zipped Readiness project folder (.zip)",
        help_text="From NVivo, ATLAS.ti, MAXQDA, QualCoder or Readiness. The import runs in "
        "the background: a page follows it and links to the project when it is done. Every "
        "imported transcript is reviewed for pseudonymisation again before anything leaves.",
    )
    line_endings = forms.ChoiceField(
        label="How the other program counted positions",
        choices=[
            ("auto", "Work it out from the coded text (recommended)"),
            ("as-is", "Every character, a Windows line ending as two"),
            ("lf", "A Windows line ending as one"),
            ("utf16", "UTF-16 code units"),
            ("utf16-lf", "UTF-16 code units, a Windows line ending as one"),
        ],
        initial="auto",
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        _capped([upload])
        return upload


class TranscriptsForm(forms.Form):
    """Transcripts, a recording and participants' attributes to add (the page draws its own
    fields, with these names and ids)."""

    transcripts = MultipleFileField(required=False, allow_empty_file=True)
    participant = forms.CharField(required=False)
    recording = forms.FileField(required=False, allow_empty_file=True)
    participants = forms.FileField(required=False, allow_empty_file=True)
    encoding = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")  # the ids the page gives its fields
        super().__init__(*args, **kwargs)

    def clean_participant(self) -> str | None:
        return self.cleaned_data["participant"] or None

    def clean_encoding(self) -> str | None:
        return self.cleaned_data["encoding"] or None

    def clean(self):
        data = super().clean()
        if not self.errors:
            _capped([*data["transcripts"], data["participants"]])
        return data

    def transcript_files(self) -> list[tuple[str, bytes]]:
        """Each transcript's name and content."""
        return [(f.name, f.read()) for f in self.cleaned_data["transcripts"]]

    def participants_file(self) -> tuple[str, bytes] | None:
        upload = self.cleaned_data["participants"]
        return (upload.name, upload.read()) if upload else None


class KeyFileForm(forms.Form):
    """A pseudonymisation key chosen as a file: read as text as the command line reads it."""

    key_file = forms.FileField(required=False, allow_empty_file=True)

    def clean_key_file(self) -> str | None:
        upload = self.cleaned_data["key_file"]
        if upload is None:
            return None
        _capped([upload])
        try:
            return decode(upload.read(), file="the key file")
        except InterviewError as err:
            raise _refused(err) from err


class MemberForm(forms.Form):
    username = forms.CharField(label="Username of an existing account", max_length=150)
    role = forms.ChoiceField(choices=Role.choices, widget=forms.RadioSelect)

    def __init__(self, *args, actor=None, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor, self.project = actor, project

    def clean_username(self):
        # Limits how many usernames that are no account one person may try (enumeration).
        where = {"project": self.project.slug} if self.project is not None else None
        return find_account(self.actor, self.cleaned_data["username"], where=where)


class CodeForm(forms.Form):
    name = forms.CharField(label="Code name", max_length=200)
    parent = forms.ChoiceField(label="Under", required=False)
    definition = forms.CharField(
        label="Definition", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    inclusion = forms.CharField(
        label="Include when", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    exclusion = forms.CharField(
        label="Exclude when", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    example = forms.CharField(
        label="Example", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    themes = forms.MultipleChoiceField(
        label="Themes", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, parents=(), themes=(), with_parent=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", "(top level)"), *parents]
        self.fields["themes"].choices = list(themes)
        if not with_parent:
            del self.fields["parent"]
        if not themes:
            del self.fields["themes"]


class ThemeForm(forms.Form):
    theme_name = forms.CharField(label="Theme name", max_length=200)
    theme_description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MemoForm(forms.Form):
    title = forms.CharField(label="Title (optional)", max_length=300, required=False)
    text = forms.CharField(label="Memo", widget=forms.Textarea(attrs={"rows": 4}))
