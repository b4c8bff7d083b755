from django.apps import AppConfig


class InterviewsConfig(AppConfig):
    name = "readiness.web.interviews"
    label = "interviews"
    verbose_name = "Interview projects"
    default_auto_field = "django.db.models.BigAutoField"
