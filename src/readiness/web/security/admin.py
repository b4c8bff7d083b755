"""Sign-in security in Django's admin: who must use two-factor authentication, and locks."""

from django.contrib import admin

from readiness.web.security.models import AccountSecurity, LoginThrottle, StudySecurity


@admin.register(AccountSecurity)
class AccountSecurityAdmin(admin.ModelAdmin):
    list_display = ("user", "require_two_factor")
    list_filter = ("require_two_factor",)
    search_fields = ("user__username",)
    autocomplete_fields = ("user",)


@admin.register(StudySecurity)
class StudySecurityAdmin(admin.ModelAdmin):
    list_display = ("study", "require_two_factor")


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    """Locks on usernames (kept as digests).  Delete an entry to lift its lock, or run
    ``readiness web unlock USERNAME``."""

    list_display = ("key", "failures", "window_start", "locked_until")
    readonly_fields = ("key", "failures", "window_start", "locked_until")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
