from django.contrib import admin

from readiness.web.accounts.models import Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "study", "role")
    list_filter = ("role", "study")
    filter_horizontal = ("sites",)
