"""WSGI entry point: ``gunicorn -c python:readiness.web.gunicorn_conf readiness.web.wsgi``."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.web.settings")

application = get_wsgi_application()
