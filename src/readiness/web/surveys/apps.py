from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _make_cache_table(using: str = "default", **_kwargs) -> None:
    """Create the ``results`` cache's table when it lives in the database (PostgreSQL's
    default: docs/web.md, "Several servers"), so that ``readiness migrate`` is the only step;
    Django's ``createcachetable`` leaves an existing table alone."""
    from django.conf import settings
    from django.core.management import call_command

    backends = {c["BACKEND"] for c in settings.CACHES.values()}
    if "django.core.cache.backends.db.DatabaseCache" in backends:
        call_command("createcachetable", database=using, verbosity=0)


class SurveysConfig(AppConfig):
    name = "readiness.web.surveys"
    label = "surveys"
    verbose_name = "Surveys"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_make_cache_table, sender=self)
