"""Background jobs: work too long for a request (large imports, the PDF report, the dashboard's
results, the hourly tidy-up) runs in ``readiness web worker`` from a queue kept in the database.

A :class:`~readiness.web.jobs.models.Job` is what the person who started the work sees: its
state, its progress, its failure in plain words, its result.  The queue itself is Django's
Tasks API (the ``django-tasks`` backport, with the ``django-tasks-db`` database backend; see
``TASKS`` in :mod:`readiness.web.settings` for why).
"""
