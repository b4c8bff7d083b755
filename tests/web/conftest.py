"""Fixtures of the web tests (pytest-django).

The settings read the environment at import, so the data folder and secret key are set here
first.  ``DATABASE_URL`` picks the database: SQLite by default, PostgreSQL when the Makefile's
``unit`` target runs these tests a second time (pytest-django creates ``test_<name>`` on that
server, one per xdist worker, ``test_<name>_gw0`` ...).
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("READINESS_DATA_DIR", tempfile.mkdtemp(prefix="readiness-web-tests-"))
os.environ.setdefault("READINESS_SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.web.settings")
# The test servers speak plain HTTP (production cookies are Secure: test_security.py).
os.environ.setdefault("READINESS_SECURE", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# Each xdist worker keeps its results cache in a folder of its own.  The workers inherit the
# data folder from the controlling process (pytest-django may load the settings before this
# file runs), and every test empties the results cache: in a shared folder one worker's test
# would delete the results another's test is waiting for.
# (On PostgreSQL the cache is a table of each worker's own test database: nothing to move.)
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and settings.CACHES["results"]["BACKEND"].endswith(".FileBasedCache"):
    settings.CACHES["results"]["LOCATION"] = os.path.join(
        os.environ["READINESS_DATA_DIR"], f"cache-{_worker}"
    )

if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not Django's in-memory default: threads (racing submissions, the live server of
    # the browser tests) then have their own connections, as in production (WAL mode).
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = os.path.join(
        os.environ["READINESS_DATA_DIR"], "test.sqlite3"
    )

import pytest  # noqa: E402

from readiness.web.accounts.models import Membership, Role  # noqa: E402
from readiness.web.surveys import services  # noqa: E402


@pytest.fixture
def make_user(django_user_model):
    def make(username: str, **extra):
        return django_user_model.objects.create_user(
            username=username, password="a-long-test-password", **extra
        )

    return make


@pytest.fixture
def study(db, make_user):
    """A study with two sites and a session each, a lead, a coordinator of site A, an analyst."""
    lead = make_user("lead")
    study = services.create_study(name="Test study", lead=lead, show_feedback=True)
    site_a = services.add_site(study, "A", "Site A")
    site_b = services.add_site(study, "B", "Site B")
    from datetime import date

    services.add_session(site_a, date(2026, 3, 2), attended=20)
    services.add_session(site_b, date(2026, 3, 3), attended=10)
    coordinator = make_user("coordinator")
    membership = Membership.objects.create(user=coordinator, study=study, role=Role.COORDINATOR)
    membership.sites.set([site_a])
    Membership.objects.create(user=make_user("analyst"), study=study, role=Role.ANALYST)
    make_user("outsider")
    make_user("admin", is_superuser=True, is_staff=True)
    return study


@pytest.fixture
def session_a(study):
    return study.sites.get(code="A").sessions.get()


@pytest.fixture
def session_b(study):
    return study.sites.get(code="B").sessions.get()


@pytest.fixture(autouse=True)
def _fresh_results_cache():
    """Dashboard results are kept in files by study id, and test databases reuse ids.  (In
    the database, on PostgreSQL, they go with the test's rollback or flush.)"""
    from django.core.cache import caches

    from readiness.web.surveys import responseframe

    if responseframe.in_database():
        return
    caches["results"].clear()
    responseframe.forget_all()


@pytest.fixture(autouse=True)
def _rate_limit_clock(monkeypatch):
    """The rate limits count in fixed windows of wall-clock time: a test that posts across a
    window's end would see its count start again and fail now and then.  Their clock stands
    still in tests (the windows themselves are tested through ``hit(..., now=...)``)."""
    from types import SimpleNamespace

    from readiness.web.security import ratelimit

    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_030.0))


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests that sign in many users use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
