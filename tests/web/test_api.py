"""The analysts' API (readiness.web.api): tokens made, listed and revoked, the endpoints with
their 401/403/404, keyset paging, the CSV equal to the web export's, and the audit log."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from readiness.web.api import spec, tokens
from readiness.web.api.models import ApiToken
from readiness.web.audit.models import Event
from readiness.web.surveys import paper, services

pytestmark = pytest.mark.django_db
API = spec.BASE


def answers(site: str, n: int) -> dict:
    return {
        "site": site,
        "discipline": 1 + n % 5,
        "profession": 8,
        "profession_other": f'Nurse "{n}", =1+1 école',
        "contact_ever": 1,
        "contact_count": n + 1,
        "contact_actions": "1 2",
        "training_prior": 0,
    }


@pytest.fixture
def responses(study, session_a, session_b, django_user_model):
    """Seven paper responses: four at site A, three at site B."""
    lead = django_user_model.objects.get(username="lead")
    for n in range(7):
        session, site = (session_a, "A") if n % 2 == 0 else (session_b, "B")
        paper.enter_first(study, session, lead, answers(site, n), f"P{n}")
    return study


def user(django_user_model, name):
    return django_user_model.objects.get(username=name)


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def get(client, path: str, secret: str | None):
    return client.get(f"{API}{path}", **(bearer(secret) if secret else {}))


def test_a_token_is_kept_only_as_its_digest(study, django_user_model):
    token, secret = tokens.issue(user(django_user_model, "analyst"), "R")
    assert len(secret) == len("rdy_") + 40
    assert token.digest == tokens.digest(secret) and secret not in token.digest
    stored = ApiToken.objects.filter(pk=token.pk).values_list(flat=True)
    assert all(secret not in str(v) for v in stored.values()[0].values())
    assert Event.objects.filter(action=tokens.ACTION_CREATED, user=token.user).exists()


def test_no_token_an_unknown_or_a_revoked_one_is_401_naming_the_fix(client, study, make_user):
    body = get(client, "/studies", None)
    assert body.status_code == 401 and "Bearer" in body.json()["error"]
    assert body["WWW-Authenticate"].startswith("Bearer")
    assert get(client, "/studies", "rdy_" + "x" * 40).status_code == 401
    owner = study.memberships.get(role="analyst").user
    token, secret = tokens.issue(owner, "R")
    assert get(client, "/studies", secret).status_code == 200
    tokens.revoke(token, owner)
    refused = get(client, "/studies", secret)
    assert refused.status_code == 401 and "revoked" in refused.json()["error"]
    assert "sessionid" not in refused.cookies and "csrftoken" not in refused.cookies


def test_another_study_is_404_and_a_coordinator_gets_403_for_responses(
    client, responses, django_user_model
):
    other = services.create_study(name="Other", lead=user(django_user_model, "outsider"))
    _t, secret = tokens.issue(user(django_user_model, "analyst"), "R")
    assert [s["slug"] for s in get(client, "/studies", secret).json()["studies"]] == [
        responses.slug
    ]
    assert get(client, f"/studies/{other.slug}", secret).status_code == 404
    assert get(client, "/studies/no-such-study", secret).status_code == 404
    odd = get(client, "/studies/no%20such.study", secret)  # not even a slug: JSON too
    assert odd.status_code == 404 and "Fix" in odd.json()["error"]
    # A token scoped to one study reads no other, even one its owner has a role in.
    _t, scoped = tokens.issue(user(django_user_model, "outsider"), "one", study=other)
    services.add_site(other, "X", "X")
    from readiness.web.accounts.models import Membership, Role

    Membership.objects.create(user=user(django_user_model, "outsider"), study=responses,
                              role=Role.ANALYST)  # fmt: skip
    assert get(client, f"/studies/{responses.slug}", scoped).status_code == 404
    # A coordinator: the study's counts of their own site, no responses (no export on the web).
    _t, coord = tokens.issue(user(django_user_model, "coordinator"), "R")
    meta = get(client, f"/studies/{responses.slug}", coord).json()
    assert [s["code"] for s in meta["sites"]] == ["A"] and meta["counts"]["responded"] == 4
    refused = get(client, f"/studies/{responses.slug}/responses", coord)
    assert refused.status_code == 403 and "role" in refused.json()["error"]
    assert get(client, f"/studies/{responses.slug}/codebook", coord).status_code == 200


def test_paging_with_after_returns_every_response_once(client, responses, django_user_model):
    _t, secret = tokens.issue(user(django_user_model, "analyst"), "R")
    seen, url, pages = [], f"{API}/studies/{responses.slug}/responses?page_size=3", 0
    while url:
        page = client.get(url, **bearer(secret)).json()
        seen += [r["response_id"] for r in page["responses"]]
        url, pages = page["next"], pages + 1
    assert pages == 3 and len(seen) == 7 and seen == sorted(set(seen))
    since = get(client, f"/studies/{responses.slug}/responses?after={seen[4]}", secret).json()
    assert [r["response_id"] for r in since["responses"]] == seen[5:]
    first = get(client, f"/studies/{responses.slug}/responses", secret).json()["responses"][0]
    assert first["contact_count"] == 1 and first["profession_other"].startswith("Nurse")
    for bad in ("page_size=0", "page_size=abc", "after=-1", f"page_size={spec.MAX_PAGE_SIZE + 1}",
                "format=xml"):  # fmt: skip
        bad_call = get(client, f"/studies/{responses.slug}/responses?{bad}", secret)
        assert bad_call.status_code == 400 and "Fix" in bad_call.json()["error"]


def test_csv_equals_the_web_exports_csv(client, responses, django_user_model):
    _t, secret = tokens.issue(user(django_user_model, "analyst"), "R")
    api = get(client, f"/studies/{responses.slug}/responses?format=csv", secret)
    assert api.status_code == 200 and api["Content-Type"].startswith("text/csv")
    client.force_login(user(django_user_model, "analyst"))
    web = client.get(f"/studies/{responses.slug}/export/csv/")
    archive = zipfile.ZipFile(io.BytesIO(web.content))
    names = archive.namelist()
    assert b"".join(api.streaming_content) == archive.read(names[0])
    client.logout()
    codebook = get(client, f"/studies/{responses.slug}/codebook?format=csv", secret)
    assert codebook.content == archive.read(names[1])


def test_metadata_instrument_and_codebook(client, responses, django_user_model):
    _t, secret = tokens.issue(user(django_user_model, "lead"), "R")
    meta = get(client, f"/studies/{responses.slug}", secret).json()
    assert meta["counts"]["responded"] == 7 and len(meta["sites"]) == 2
    assert meta["instrument"]["id"] == responses.instrument.instrument_id
    instrument = get(client, f"/studies/{responses.slug}/instrument", secret).json()
    assert instrument["id"] == responses.instrument.instrument_id
    as_yaml = get(client, f"/studies/{responses.slug}/instrument?format=yaml", secret)
    assert as_yaml["Content-Type"] == "application/yaml"
    assert responses.instrument.instrument_id in as_yaml.content.decode()
    book = get(client, f"/studies/{responses.slug}/codebook", secret).json()
    assert "contact_count" in [v["variable"] for v in book["variables"]]


def test_every_call_is_audited_with_token_path_and_status(client, responses, django_user_model):
    _t, secret = tokens.issue(user(django_user_model, "analyst"), "laptop")
    get(client, f"/studies/{responses.slug}/responses?page_size=2", secret)
    get(client, "/studies/no-such-study", secret)
    calls = Event.objects.filter(action=tokens.ACTION_CALL).order_by("id")
    got = [(e.username, e.detail["token"], e.detail["path"], e.detail["status"]) for e in calls]
    assert got == [
        ("analyst", "laptop", f"{API}/studies/{responses.slug}/responses?page_size=2", 200),
        ("analyst", "laptop", f"{API}/studies/no-such-study", 404),
    ]
    assert calls[0].study_id == responses.pk
    assert ApiToken.objects.get(name="laptop").last_used is not None


def test_post_is_refused_and_the_description_lists_every_route(client, study):
    assert client.post(f"{API}/studies").status_code == 405
    described = client.get(f"{API}/openapi.json").json()
    assert described["openapi"].startswith("3.1")
    assert set(described["paths"]) == {r.path for r in spec.ROUTES}
    json.dumps(described)


def test_token_page_makes_lists_and_revokes(client, study, django_user_model):
    analyst = user(django_user_model, "analyst")
    client.force_login(analyst)
    page = client.post("/api/tokens/", {"name": "R laptop", "study": study.slug})
    html = page.content.decode()
    token = ApiToken.objects.get(user=analyst)
    secret = html.split('id="token-secret" type="text" readonly value="')[1].split('"')[0]
    assert tokens.digest(secret) == token.digest and token.study == study
    assert secret not in client.get("/api/tokens/").content.decode()  # shown once
    # Another member cannot revoke it; the study lead sees it and can.
    client.force_login(user(django_user_model, "coordinator"))
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    client.force_login(user(django_user_model, "lead"))
    assert "R laptop" in client.get("/api/tokens/").content.decode()
    client.post(f"/api/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked is not None and token.revoked_by.username == "lead"
    assert Event.objects.filter(action=tokens.ACTION_REVOKED, username="lead").exists()
    assert get(client, "/studies", secret).status_code == 401


def test_a_token_over_its_rate_limit_gets_429(client, study, django_user_model, settings):
    settings.READINESS_RATE_API = "2/60"
    _t, secret = tokens.issue(user(django_user_model, "analyst"), "R")
    assert [get(client, "/studies", secret).status_code for _ in range(3)] == [200, 200, 429]
    assert "wait" in get(client, "/studies", secret).json()["error"]


# endpoint -> {role: status}: as the web's pages (responses: the export permission).
ROLE_STATUS = {
    "": dict(outsider=404, lead=200, coordinator=200, analyst=200, admin=200),
    "/instrument": dict(outsider=404, lead=200, coordinator=200, analyst=200, admin=200),
    "/codebook": dict(outsider=404, lead=200, coordinator=200, analyst=200, admin=200),
    "/responses": dict(outsider=404, lead=200, coordinator=403, analyst=200, admin=200),
    "/responses?format=csv": dict(outsider=404, lead=200, coordinator=403, analyst=200, admin=200),
}


@pytest.mark.parametrize("role", ["outsider", "lead", "coordinator", "analyst", "admin"])
def test_each_role_reads_what_it_may(client, responses, django_user_model, role):
    _t, secret = tokens.issue(user(django_user_model, role), "R")
    got = {tail: get(client, f"/studies/{responses.slug}{tail}", secret).status_code
           for tail in ROLE_STATUS}  # fmt: skip
    assert got == {tail: expected[role] for tail, expected in ROLE_STATUS.items()}
    listed = [s["slug"] for s in get(client, "/studies", secret).json()["studies"]]
    assert listed == ([] if role == "outsider" else [responses.slug])
