from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "readiness.web.audit"
    label = "audit"
    verbose_name = "Audit log"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from readiness.web.audit import signals  # noqa: F401 (connects the receivers)
