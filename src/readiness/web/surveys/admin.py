"""Django's admin, for system administrators.  Responses are read-only there."""

from django import forms
from django.contrib import admin

from readiness.errors import InstrumentError
from readiness.instrument import parse_instrument
from readiness.web.surveys.forms import StudyForm
from readiness.web.surveys.models import InstrumentVersion, Response, Session, Site, Study


class InstrumentVersionForm(forms.ModelForm):
    """A new instrument version: its YAML, checked by the same loader as the command line; the
    id, version and title are read from it."""

    yaml = forms.CharField(widget=forms.Textarea, strip=False, label="YAML")

    class Meta:
        model = InstrumentVersion
        fields = ["yaml"]

    def clean_yaml(self) -> str:
        text = self.cleaned_data["yaml"].replace("\r\n", "\n")
        try:
            parsed = parse_instrument(text, file="the YAML")
        except InstrumentError as err:
            raise forms.ValidationError([str(p) for p in err.problems]) from None
        if InstrumentVersion.objects.filter(
            instrument_id=parsed.id, version=str(parsed.version)
        ).exists():
            raise forms.ValidationError(
                f"Instrument {parsed.id} version {parsed.version} is stored already. "
                "Give the changed instrument a new version."
            )
        self.instance.instrument_id = parsed.id
        self.instance.version = str(parsed.version)
        self.instance.title = parsed.title
        return text


@admin.register(InstrumentVersion)
class InstrumentVersionAdmin(admin.ModelAdmin):
    """Versions are added, never edited: responses record the version they answered, and the
    stored SHA-256 identifies its text."""

    list_display = ("instrument_id", "version", "title")
    form = InstrumentVersionForm

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("sha256",)
        return ("instrument_id", "version", "title", "yaml", "sha256")


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


class StudyAdminForm(StudyForm):
    """The staff form's checks (a study's nation and its survey must agree), with every field
    of a study: the admin also edits the slug and the demonstration flag."""

    class Meta(StudyForm.Meta):
        fields = "__all__"


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "instrument", "is_open", "synthetic")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [SiteInline]
    form = StudyAdminForm

    def get_readonly_fields(self, request, obj=None):
        """An existing study's instrument is shown, not edited: a study moves to another
        version on its "Instrument version" page, which maps changed codes and audits it.
        The data revision is raised by corrections and deletions only."""
        return ("data_revision", "instrument") if obj is not None else ("data_revision",)


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("code", "site", "date", "attended", "is_open")
    list_filter = ("site__study",)
    readonly_fields = ("token", "follow_up_token")


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ("id", "session", "instrument", "completed_on", "source", "synthetic", "wave")
    list_filter = ("source", "synthetic", "wave")
    exclude = ("sgic",)  # the code's digests: for linking only, shown nowhere

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
