"""The API against its own OpenAPI description, with schemathesis: requests made from the
description (served by the running app) to a live server, with a valid token; every response
must conform to the description (status, content type, body schema) and none may be a 5xx.

The study's slug is mostly the test study's or one that does not exist, so that the
generated calls reach real data as well as the 404s."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings

from readiness.web.api import spec, tokens
from readiness.web.surveys import paper

pytestmark = pytest.mark.slow
SECRET: dict[str, str] = {}


@pytest.fixture
def api_schema(live_server, transactional_db, study, session_a, django_user_model):
    lead = django_user_model.objects.get(username="lead")
    for n in range(3):
        answers = {"site": "A", "discipline": 1, "profession": 8, "contact_ever": 1,
                   "contact_count": n + 1, "contact_actions": "1 2", "training_prior": 0,
                   "profession_other": f"=HYPERLINK({n})"}  # fmt: skip
        paper.enter_first(study, session_a, lead, answers, f"S{n}")
    _token, SECRET["value"] = tokens.issue(django_user_model.objects.get(username="analyst"), "st")
    raw = requests.get(f"{live_server.url}{spec.BASE}/openapi.json", timeout=10).json()
    raw = copy.deepcopy(raw)
    for operation in (path["get"] for path in raw["paths"].values()):
        for parameter in operation["parameters"]:
            if parameter["name"] == "slug":
                # The test study, one that does not exist, or any the description allows.
                anything = parameter["schema"]
                known = {"enum": [study.slug, "no-such-study"]}
                parameter["schema"] = {"anyOf": [known, known, anything]}
    SECRET["base"] = f"{live_server.url}{spec.BASE}"
    return schemathesis.openapi.from_dict(raw)


def test_the_api_conforms_to_its_description(api_schema):
    # Each operation's cases drawn by hypothesis here, rather than by schemathesis's pytest
    # plugin: its from_fixture() reads a private attribute that pytest 9 no longer has.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} == {route.path for route in spec.ROUTES}
    for operation in operations:
        _check(operation)


def _check(operation) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def calls(case):
        case.call_and_validate(
            base_url=SECRET["base"], headers={"Authorization": f"Bearer {SECRET['value']}"}
        )

    calls()


def test_the_documented_python_example_runs(api_schema, live_server, tmp_path):
    """docs/web.md's Python block, run as it is against the test server."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text(encoding="utf-8")
    section = page.split("## The API\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    script = tmp_path / "example.py"
    script.write_text(block, encoding="utf-8")
    env = {**os.environ, "READINESS_URL": live_server.url, "READINESS_TOKEN": SECRET["value"]}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "3 responses, 0 new\n"
