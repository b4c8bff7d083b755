from django.contrib import admin

from readiness.web.interviews.models import InterviewProject, Member


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0


@admin.register(InterviewProject)
class InterviewProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    fields = ("name", "slug", "description")
    inlines = [MemberInline]
