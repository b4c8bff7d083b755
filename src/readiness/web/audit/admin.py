"""The whole audit log in Django's admin, for system administrators: read-only.

Changes made in the admin reach the log through Django's own admin history
(:mod:`readiness.web.audit.signals`).  Django writes the history of a deletion of several
objects at once in one bulk insert, which sends no signal, so the admin's "delete selected"
action is wrapped here to record those deletions.
"""

from django.contrib import admin
from django.contrib.admin.actions import delete_selected

from readiness.web.audit.actions import EDIT
from readiness.web.audit.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "action", "study_slug", "detail")
    list_filter = ("action",)
    search_fields = ("username", "study_slug")
    date_hierarchy = "at"
    readonly_fields = ("at", "user", "username", "action", "study", "study_slug", "detail")
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def audited_delete_selected(modeladmin, request, queryset):
    from readiness.web.audit import record
    from readiness.web.audit.signals import study_of

    objects = list(queryset) if request.POST.get("post") else []
    result = delete_selected(modeladmin, request, queryset)
    if result is None and len(objects) > 1:  # deleted; a single object is logged by Django
        opts = modeladmin.model._meta
        for obj in objects:
            record(
                request.user,
                EDIT,
                study=study_of(obj),
                detail={
                    "page": "admin",
                    "change": "deleted",
                    "object": f"{opts.app_label}.{opts.model_name}",
                    "object_id": str(obj.pk),
                    "name": str(obj)[:200],
                },
            )
    return result


audited_delete_selected.allowed_permissions = delete_selected.allowed_permissions
audited_delete_selected.short_description = delete_selected.short_description
admin.site.disable_action("delete_selected")
admin.site.add_action(audited_delete_selected, "delete_selected")
