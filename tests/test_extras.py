"""The core stands without its optional extras: 'web' (Django and the server) and 'pdf'
(WeasyPrint).  Each test runs a fresh interpreter in which the extra's packages cannot be
imported, as on a machine where only ``pip install readiness`` was run."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# import names of the 'web' extra's packages (pyproject.toml)
WEB_MODULES = (
    "django",
    "whitenoise",
    "gunicorn",
    "argon2",
    "psycopg",
    "dj_database_url",
    "django_otp",
    "django_tasks",
    "django_tasks_db",
    "nhsuk_frontend_jinja",
)

BLOCK = "import sys\nfor name in {names!r}:\n    sys.modules[name] = None  # import fails\n"


def run_without(names: tuple[str, ...], code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", BLOCK.format(names=names) + code],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


# every module of the package but readiness.web, imported (pkgutil.walk_packages would import
# the web package itself to look inside it, so the walk is done here)
CORE_IMPORTS = """
import importlib, json, pkgutil
import readiness
names, packages = [], [readiness]
while packages:
    package = packages.pop()
    for m in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        if m.name == "readiness.web" or m.name.endswith("__main__"):
            continue
        module = importlib.import_module(m.name)
        names.append(m.name)
        if m.ispkg:
            packages.append(module)
from readiness.cli import main
status = main(["--help"])
loaded = sorted(m for m in sys.modules if m.startswith("readiness.web"))
print(json.dumps({"modules": len(names), "status": status, "web": loaded}))
"""


def test_every_core_module_imports_without_the_web_extra(tmp_path):
    done = run_without(WEB_MODULES, CORE_IMPORTS, tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["modules"] > 50
    assert report["status"] == 0
    assert report["web"] == []  # the core never imports the web application


PDF = """
from pathlib import Path
from readiness.errors import ReadinessError
from readiness.report import write_pdf
try:
    write_pdf("<p>hello</p>", Path("out.pdf"))
except ReadinessError as err:
    print("refused:", err)
print("written" if Path("out.pdf").exists() else "nothing written")
"""


def test_a_pdf_without_weasyprint_names_the_pdf_extra(tmp_path):
    done = run_without(("weasyprint",), PDF, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "refused: writing a PDF needs WeasyPrint" in done.stdout
    assert "pip install 'readiness[pdf]'" in done.stdout
    assert done.stdout.strip().endswith("nothing written")


def test_the_core_dependencies_leave_the_extras_out():
    with (ROOT / "pyproject.toml").open("rb") as f:
        project = tomllib.load(f)["project"]
    core = " ".join(project["dependencies"])
    extras = project["optional-dependencies"]
    assert "django" not in core and "weasyprint" not in core
    assert any(d.startswith("django>") for d in extras["web"])
    assert any(d.startswith("weasyprint") for d in extras["pdf"])


WEB_COMMAND = """
from readiness.cli import main
print("status", main(["migrate"]))
"""


def test_a_web_command_without_django_names_the_web_extra(tmp_path):
    done = run_without(WEB_MODULES, WEB_COMMAND, tmp_path)
    assert "pip install 'readiness[web]'" in done.stderr + done.stdout, done.stderr
    assert "status 1" in done.stdout or done.returncode == 1
    assert "Traceback" not in done.stderr
