"""The Readiness web application: a Django project around the core library.

The core (:mod:`readiness.instrument`, :mod:`readiness.responses`, :mod:`readiness.analysis`)
never imports Django; this package is a shell around it.  Apps:

* :mod:`readiness.web.surveys`: studies, instrument versions, sites, sessions, responses, the
  respondent's pages and the study dashboard.  The logic lives in ``surveys/services.py`` and
  ``surveys/respondent.py``; views stay thin.
* :mod:`readiness.web.accounts`: roles within a study (study lead, site coordinator, analyst)
  and the permission checks every view goes through.

``setup()`` configures Django for command-line use (``readiness serve``, ``migrate``, ...).
"""

from __future__ import annotations

import os

SETTINGS_MODULE = "readiness.web.settings"


def setup() -> None:
    """Point Django at our settings (unless the caller chose others) and set it up."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    try:
        import django
    except ImportError as err:  # installed without the web extra: say which one
        from readiness.errors import ReadinessError

        raise ReadinessError(
            "The web application needs the 'web' extra, which is not installed. Fix: "
            "pip install 'readiness[web]'."
        ) from err

    django.setup()
