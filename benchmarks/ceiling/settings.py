"""Settings of the bare Django application (:mod:`benchmarks.ceiling.app`): CSRF and nothing
else, its database from ``DATABASE_URL`` as Readiness's (kept connections; SQLite in WAL mode
with ``synchronous = FULL``, so that every commit waits for the disk, as Readiness's)."""

from __future__ import annotations

import os

import dj_database_url

SECRET_KEY = os.environ["CEILING_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "benchmarks.ceiling.app"
WSGI_APPLICATION = "benchmarks.ceiling.wsgi.application"
INSTALLED_APPS: list[str] = []
MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]
TEMPLATES: list[dict] = []
USE_TZ = True
USE_I18N = False
LOGGING_CONFIG = None
DATABASES = {"default": dj_database_url.config(conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
