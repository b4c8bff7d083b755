"""Interview projects in the web application: coding in the browser, memos, search,
pseudonymisation review, framework matrix, theme report, agreement and downloads.

A shell around :mod:`readiness.interviews`: the database holds projects in tables that mirror
the core's model (:mod:`.models`), :mod:`.convert` maps them to and from a core
:class:`~readiness.interviews.model.Project`, and every analysis (search, segments, framework
matrix, theme report, agreement, pseudonymisation, REFI-QDA, the export gate) is the core's.
Views are thin; the work is in :mod:`.services`; roles in :mod:`.permissions`.
"""
