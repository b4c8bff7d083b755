"""Django's admin, for system administrators.  Responses are read-only there."""

from django.contrib import admin

from readiness.web.surveys.models import InstrumentVersion, Response, Session, Site, Study


@admin.register(InstrumentVersion)
class InstrumentVersionAdmin(admin.ModelAdmin):
    list_display = ("instrument_id", "version", "title")
    readonly_fields = ("sha256",)


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "instrument", "is_open", "synthetic")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [SiteInline]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("code", "site", "date", "attended", "is_open")
    list_filter = ("site__study",)
    readonly_fields = ("token",)


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ("id", "session", "instrument", "completed_on", "source", "synthetic")
    list_filter = ("source", "synthetic")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
