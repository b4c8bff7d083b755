"""The data folder (database, secret key, results cache, response frames) is private to the
account that runs Readiness: the folder 0700, the SQLite database and its -wal and -shm files
0600, made so from the start on a fresh data folder (with the usual umask of 022)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

# A fresh process: the settings create the data folder when they are loaded, then migrate runs
# and the database is written while its -wal and -shm files are open.
CHILD = r"""
import json, os, stat, sys
os.umask(0o022)
os.environ["DJANGO_SETTINGS_MODULE"] = "readiness.web.settings"
from readiness.web.cli import _django, _migrate
_django()
_migrate(0)
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from readiness.web.surveys import responseframe
caches["results"].set("probe", {"answers": 1})
responseframe._set("probe", {"rows": 0})
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE probe (x)")
    cursor.execute("INSERT INTO probe VALUES (1)")
    data = settings.DATA_DIR
    modes = {}
    for path in [data, *sorted(data.rglob("*"))]:
        if path.name != ".gitignore":
            modes[str(path.relative_to(data))] = stat.S_IMODE(path.stat().st_mode)
print(json.dumps(modes))
"""


def test_a_fresh_data_folder_and_its_database_are_private(tmp_path):
    data = tmp_path / "deploy" / "readiness-data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("READINESS_", "DATABASE_"))}
    env["READINESS_DATA_DIR"] = str(data)
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    modes = json.loads(done.stdout.strip().splitlines()[-1])
    assert {".", "readiness.sqlite3", "readiness.sqlite3-wal", "secret_key"} <= set(modes)
    assert "readiness.sqlite3-shm" in modes and any(m.startswith("cache/") for m in modes)
    loose = {
        name: oct(mode) for name, mode in modes.items() if mode & (stat.S_IRWXG | stat.S_IRWXO)
    }
    assert loose == {}, f"readable by others: {loose}"
    assert modes["."] == 0o700 and modes["readiness.sqlite3"] == 0o600
    assert Path(data).stat().st_uid == os.getuid()
