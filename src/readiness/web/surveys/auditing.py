"""The audit-log hook of paper entry, imports and exports.

Every change these features make to a study's data, and every export, goes through
:func:`record`, which hands it to the audit log (:func:`readiness.web.audit.record`) when that
app is installed, and does nothing otherwise.  Actions: ``paper_entry``, ``import``, ``export``.
"""

from __future__ import annotations

from django.apps import apps

PAPER_ENTRY = "paper_entry"
IMPORT = "import"
EXPORT = "export"


def record(actor, action: str, study, detail: dict) -> None:
    """Append an entry to the audit log (in the caller's transaction), if there is one.

    ``actor`` is the signed-in user, or None for a command run from the shell.
    """
    if not apps.is_installed("readiness.web.audit"):
        return
    from readiness.web import audit

    audit.record(actor, action, study=study, detail=detail)
