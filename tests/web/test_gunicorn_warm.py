"""gunicorn's workers start warm (issue 18).

Each worker's first dashboard view took 4.4 s at 1,500,000 responses, and later ones 0.95 s:
the first request of a worker imported every view module (pandas, SciPy, the analysis) when
Django first resolved a URL, and compiled the page's Jinja templates.  The configuration now
loads the application in gunicorn's master and does that work there once, before the workers
are forked (:mod:`readiness.web.gunicorn_conf`), so a worker's first view does neither.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from readiness.web import gunicorn_conf

# The study the view is timed on: kept results, as at scale once they are ready.
PREPARE = r"""
from datetime import date
from readiness.web import setup
setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from readiness.synth.cohort import make_cohort
from readiness.web.accounts.permissions import ADMIN, Access
from readiness.web.surveys import dashboard, services
lead = get_user_model().objects.create_user("lead", password="x")
study = services.create_study(name="Warm", lead=lead, slug="warm", synthetic=True)
for code in ("A", "B"):
    services.add_session(services.add_site(study, code, code), date(2026, 1, 5), 40, code=code)
frame = make_cohort(60, 3).responses
frame["site"] = ["A" if i % 2 else "B" for i in range(len(frame))]
frame["session"] = frame["site"]
services.load_frame(study, frame, synthetic=True)
assert not dashboard.results(study, Access(None, study, ADMIN, None)).get("error")
"""

# As gunicorn does: the application in the master, the configuration's hook, then one view,
# noting the modules it imports and the templates it compiles.
VIEW = r"""
import json, sys
from types import SimpleNamespace
import jinja2
import readiness.web.wsgi
from readiness.web import gunicorn_conf
gunicorn_conf.on_starting(SimpleNamespace(cfg=SimpleNamespace(preload_app=True)))
from django.db import connections
open_after_warming = [c.alias for c in connections.all() if c.connection is not None]
from django.contrib.auth import get_user_model
from django.test import Client
client = Client()
client.force_login(get_user_model().objects.get(username="lead"))
compiled = []
compile_ = jinja2.Environment.compile
def noting(self, source, name=None, *args, **kwargs):
    compiled.append(name)
    return compile_(self, source, name, *args, **kwargs)
jinja2.Environment.compile = noting
before = set(sys.modules)
response = client.get("/studies/warm/")
print(json.dumps({
    "status": response.status_code,
    "shown": b"60 responses" in response.content,
    "imported": sorted(set(sys.modules) - before),
    "compiled": compiled,
    "open_after_warming": open_after_warming,
}))
"""


def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("READINESS_")}
    env.pop("DATABASE_URL", None)  # a SQLite database of its own
    env.update(
        READINESS_DATA_DIR=str(tmp_path / "data"),
        READINESS_SECRET_KEY="warm-test-secret-key-" + "w" * 30,
        READINESS_SECURE="0",
        READINESS_ALLOWED_HOSTS="testserver",
        DJANGO_SETTINGS_MODULE="readiness.web.settings",
    )
    return env


def _python(script: str, env: dict) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def test_the_application_is_loaded_in_the_master():
    assert gunicorn_conf.preload_app is True


def test_without_preloading_each_worker_warms_itself(monkeypatch):
    warmed = []
    monkeypatch.setattr(gunicorn_conf, "warm", lambda: warmed.append(True))
    gunicorn_conf.on_starting(SimpleNamespace(cfg=SimpleNamespace(preload_app=False)))
    assert warmed == []  # the master has no application to warm
    gunicorn_conf.post_worker_init(SimpleNamespace(cfg=SimpleNamespace(preload_app=False)))
    assert warmed == [True]
    gunicorn_conf.post_worker_init(SimpleNamespace(cfg=SimpleNamespace(preload_app=True)))
    assert warmed == [True]  # preloaded workers were forked warm


@pytest.mark.slow
def test_a_first_dashboard_view_imports_and_compiles_nothing(tmp_path):
    env = _env(tmp_path)
    _python(PREPARE, env)
    seen = json.loads(_python(VIEW, env))
    assert seen["status"] == 200 and seen["shown"], seen
    assert seen["compiled"] == [], seen["compiled"]
    # Django's messages, imported by the first request's middleware: under a millisecond
    imported = [m for m in seen["imported"] if not m.startswith("django.contrib.messages.")]
    assert imported == [], imported
    # nothing the workers would share: each opens its own connection
    assert seen["open_after_warming"] == []
