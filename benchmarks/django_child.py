"""The start of a benchmark's child process that measures the web application in one process:
a data folder of its own, Django set up with the test client's settings, and a test database
created (``old`` names it for ``connection.creation.destroy_test_db(old, ...)`` at the end)."""

from __future__ import annotations


def django_prelude(prefix: str) -> str:
    """Python source that a child script starts with (``prefix`` names its data folder)."""
    return rf"""
import os, tempfile
folder = tempfile.mkdtemp(prefix="{prefix}")
os.environ.setdefault("READINESS_DATA_DIR", folder)
os.environ.setdefault("READINESS_SECRET_KEY", "benchmark-only-" + "x" * 40)
os.environ.setdefault("READINESS_SECURE", "0")
os.environ["DJANGO_SETTINGS_MODULE"] = "readiness.web.settings"
import django
django.setup()
from django.conf import settings
settings.ALLOWED_HOSTS = ["testserver"]
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
from django.test.utils import setup_test_environment
setup_test_environment()
from django.db import connection
old = connection.creation.create_test_db(verbosity=0, autoclobber=True)
"""
