"""Django's admin, for system administrators.

Responses are read-only there, and so is what they record of their session (its site, the
site's code): a response is corrected or deleted on the study's pages
(:mod:`.corrections`), which ask for a reason, keep the answers in the audit log and raise the
study's data revision in the same transaction.  A second way to do it here, without those,
would be a gap in the trail; the admin points to those pages instead.  A session or site
holding responses cannot be deleted (a response protects its session)."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

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


RESPONSES_ELSEWHERE = (
    "Responses cannot be changed or deleted here. A study lead corrects or deletes one on the "
    'study\'s pages (Responses, then the response: "Correct answers" or "Delete this '
    'response"), or from the shell with readiness web correct or readiness web '
    "delete-response: each asks for a reason, keeps the answers in the audit log and has the "
    "study's results made again."
)


class KeepsResponses:
    """A session or study holding responses is not deleted (a response protects its session):
    its deletion page says so and where responses are deleted, rather than that the account
    lacks a permission."""

    responses_of = ""  # the lookup from a response to the admin's model

    def get_deleted_objects(self, objs, request):
        deleted, counts, lacking, protected = super().get_deleted_objects(objs, request)
        if Response.objects.filter(**{f"{self.responses_of}__in": objs}).exists():
            lacking.discard(Response._meta.verbose_name)  # listed as protected instead
            messages.warning(request, RESPONSES_ELSEWHERE)
        return deleted, counts, lacking, protected


def _holds_responses(site: Site) -> bool:
    return site.pk is not None and Response.objects.filter(session__site=site).exists()


class SiteInlineForm(forms.ModelForm):
    """A site of the study; its code is shown, not edited, once responses name it (each
    response keeps its site's code among its answers)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if _holds_responses(self.instance):
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "Kept: the site's responses name it by this code."


class SiteInline(admin.TabularInline):
    model = Site
    form = SiteInlineForm
    extra = 0


class StudyAdminForm(StudyForm):
    """The staff form's checks (a study's nation and its survey must agree), with every field
    of a study: the admin also edits the slug and the demonstration flag."""

    class Meta(StudyForm.Meta):
        fields = "__all__"


@admin.register(Study)
class StudyAdmin(KeepsResponses, admin.ModelAdmin):
    list_display = ("name", "slug", "instrument", "is_open", "synthetic")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [SiteInline]
    form = StudyAdminForm
    responses_of = "session__site__study"

    def get_readonly_fields(self, request, obj=None):
        """An existing study's instrument is shown, not edited: a study moves to another
        version on its "Instrument version" page, which maps changed codes and audits it.
        The data revision is raised by corrections and deletions only."""
        return ("data_revision", "instrument") if obj is not None else ("data_revision",)


@admin.register(Session)
class SessionAdmin(KeepsResponses, admin.ModelAdmin):
    list_display = ("code", "site", "date", "attended", "is_open")
    list_filter = ("site__study",)
    responses_of = "session"

    def get_readonly_fields(self, request, obj=None):
        """A session's responses belong to its site (and study): a session holding any keeps
        its site."""
        fixed = ("token", "follow_up_token")
        if obj is not None and obj.responses.exists():
            return ("site", *fixed)
        return fixed


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    """Responses to look at only; each links to its page in the study, where a study lead
    corrects or deletes it."""

    list_display = ("id", "session", "instrument", "completed_on", "source", "synthetic", "wave")
    list_filter = ("source", "synthetic", "wave")
    exclude = ("sgic",)  # the code's digests: for linking only, shown nowhere
    readonly_fields = ("in_the_study",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Correct or delete it")
    def in_the_study(self, obj: Response) -> str:
        study = obj.session.site.study
        where = reverse("surveys:response", args=[study.slug, obj.pk])
        return format_html(
            '<a href="{}">Response {} in {}</a>: "Correct answers" or "Delete this response" '
            "there.",
            where,
            obj.pk,
            study.name,
        )

    def changelist_view(self, request, extra_context=None):
        messages.info(request, RESPONSES_ELSEWHERE)
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        messages.info(request, RESPONSES_ELSEWHERE)
        return super().change_view(request, object_id, form_url, extra_context)
