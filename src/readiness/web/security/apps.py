from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "readiness.web.security"
    label = "security"
    verbose_name = "Sign-in security"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from readiness.web.security import signals  # noqa: F401 (connects the receivers)
