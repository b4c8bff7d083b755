"""Django's ``flush`` (empty every table), with the audit log's guard lifted while it runs.

``flush`` erases the whole database, the audit log included; the test suite runs it between
tests that commit.  The append-only triggers would refuse it, so they are removed for the
command and installed again after (:func:`readiness.web.audit.guard.lifted`).  What was kept
from the emptied tables goes too: the dashboard's results and the validated responses kept
beside them (:mod:`readiness.web.surveys.responseframe`), which hold respondents' answers.
"""

from django.core.cache import caches
from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from readiness.web.audit import guard


class Command(FlushCommand):
    def handle(self, **options):
        with guard.lifted(connections[options["database"]]):
            done = super().handle(**options)
        from readiness.web.surveys import responseframe
        from readiness.web.surveys.models import Response

        if not Response.objects.using(options["database"]).exists():  # not cancelled
            responseframe.forget_all()
            caches[responseframe.ALIAS].clear()
        return done
