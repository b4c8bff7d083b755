"""Django's ``flush`` (empty every table), with the audit log's guard lifted while it runs.

``flush`` erases the whole database, the audit log included; the test suite runs it between
tests that commit.  The append-only triggers would refuse it, so they are removed for the
command and installed again after (:func:`readiness.web.audit.guard.lifted`).
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from readiness.web.audit import guard


class Command(FlushCommand):
    def handle(self, **options):
        with guard.lifted(connections[options["database"]]):
            return super().handle(**options)
