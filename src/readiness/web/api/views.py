"""The API's endpoints (:data:`.spec.ROUTES`): plain Django views, JSON or streamed files.

Every call goes through :func:`endpoint`: the bearer token is checked (401, with the fix, when
it is missing, unknown or revoked), the call is counted against the token's rate limit (429),
the study is found among those the token may read (404 otherwise: a study the token may not
read is not told apart from one that does not exist), the permission is checked (403, as on
the web), and the call is written to the audit log with its status.  Calls without a known
token are not audited: anyone could make them, and the audit log can never be emptied.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from readiness.errors import ProblemsError
from readiness.instrument import instrument_to_data, instrument_to_yaml
from readiness.instrument.describe import codebook_rows
from readiness.web import audit
from readiness.web.accounts import permissions as perm
from readiness.web.api import spec, tokens
from readiness.web.security import ratelimit
from readiness.web.surveys import exports, responseframe, services

RATE = "api"  # the rate limit's name: READINESS_RATE_API calls per token ("COUNT/SECONDS")


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def error(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"status": status, "error": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="readiness"'
    return response


def _token(request):
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if not header:
        raise ApiError(401, "No token. Fix: send 'Authorization: Bearer <token>', with a token "
                            "made on the 'API tokens' page.")  # fmt: skip
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "The Authorization header is not 'Bearer <token>'. Fix: send "
                            "'Authorization: Bearer <token>'.")  # fmt: skip
    token = tokens.find(secret.strip())
    if token is None:
        raise ApiError(401, "Unknown token. Fix: copy the whole token shown when it was made, "
                            "or make a new one on the 'API tokens' page.")  # fmt: skip
    return token


def _refused(token) -> ApiError | None:
    if token.revoked is not None:
        return ApiError(401, "This token was revoked. Fix: make a new one on the 'API tokens' "
                             "page.")  # fmt: skip
    if not token.user.is_active:
        return ApiError(401, "This token's account is no longer active. Fix: ask a system "
                             "administrator.")  # fmt: skip
    count, seconds = ratelimit.parse(settings.READINESS_RATE_API)
    if count and ratelimit.hit(ratelimit.counter_key(RATE, [token.digest]), seconds) > count:
        return ApiError(429, f"More than {count} calls in {seconds} seconds with this token. "
                             f"Fix: wait {ratelimit.wait_text(seconds)}.")  # fmt: skip
    return None


def _study_access(token, slug: str):
    """The study and its owner's access, if the token may read it (one look-up, however many
    studies the owner has a role in)."""
    from readiness.web.surveys.models import Study

    study = Study.objects.select_related("instrument").filter(slug=slug).first()
    if study is not None and token.study_id in (None, study.pk):
        access = perm.access_for(token.user, study)
        if access is not None and access.has(perm.VIEW):
            return study, access
    raise ApiError(404, f"No study '{slug}' that this token may read. Fix: GET {spec.BASE}/"
                        "studies lists the ones it may.")  # fmt: skip


def endpoint(permission: str | None):
    """Decorate ``view(request, token, study, access)`` (study and access None without a slug)."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapped(request, slug: str | None = None):
            token, study = None, None
            try:
                if request.method not in ("GET", "HEAD"):
                    raise ApiError(405, "The API only reads. Fix: use GET.")
                token = _token(request)
                refused = _refused(token)
                if refused is not None:
                    raise refused
                access = None
                if slug is not None:
                    study, access = _study_access(token, slug)
                    if permission and not access.has(permission):
                        raise ApiError(403, f"Your role in this study ({access.role_label}) "
                                            "may not read its responses, as on the web. Fix: "
                                            "ask the study lead.")  # fmt: skip
                response = view(request, token, study, access)
            except ApiError as err:
                response = error(err.status, err.message)
                if err.status == 405:
                    response["Allow"] = "GET, HEAD"
            if token is not None:
                _audit(request, token, study, response)
            return response

        return wrapped

    return decorate


def _audit(request, token, study, response) -> None:
    detail = {"token": token.name, "token_id": token.pk, "path": request.get_full_path()[:500],
              "status": response.status_code}  # fmt: skip
    with transaction.atomic():
        audit.record(token.user, tokens.ACTION_CALL, study=study, detail=detail)
        if response.status_code < 400:
            type(token).objects.filter(pk=token.pk).update(last_used=timezone.now())


def _choice(request, name: str, allowed: tuple[str, ...]) -> str:
    value = request.GET.get(name, allowed[0])
    if value not in allowed:
        raise ApiError(400, f"{name}={value!r} is not known. Fix: use {' or '.join(allowed)}.")
    return value


def _integer(request, name: str, default: int, low: int, high: int | None = None) -> int:
    text = request.GET.get(name)
    if text is None:
        return default
    top = "" if high is None else f" and at most {high}"
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low or (high is not None and value > high) or not text.strip().isdigit():
        raise ApiError(400, f"{name}={text!r} is not valid. Fix: give a whole number, at "
                            f"least {low}{top}.")  # fmt: skip
    return value


def _url(request, path: str) -> str:
    return request.build_absolute_uri(f"{spec.BASE}{path}")


@endpoint(None)
def studies(request, token, _study, _access) -> JsonResponse:
    return JsonResponse(
        {
            "studies": [
                {
                    "slug": s.slug,
                    "name": s.name,
                    "role": a.role_label,
                    "url": _url(request, f"/studies/{s.slug}"),
                }  # fmt: skip
                for s, a in tokens.readable_studies(token)
            ]
        }
    )


@endpoint(perm.VIEW)
def study(request, token, study, access) -> JsonResponse:
    # The counts a person sees on the study's sites page: a coordinator's own sites only.
    sites = None if access.site_ids is None else set(access.site_ids)
    counts = services.counts(study, sites) if access.has(perm.VIEW_COUNTS) else None
    version = study.instrument
    return JsonResponse(
        {
            "slug": study.slug,
            "name": study.name,
            "role": access.role_label,
            "created_on": study.created_on.isoformat(),
            "is_open": study.is_open,
            "synthetic": study.synthetic,
            "evaluation": study.evaluation,
            "instrument": {
                "id": version.instrument_id,
                "version": version.version,
                "title": version.title,
            },  # fmt: skip
            "counts": {k: (counts or {}).get(k, 0) for k in ("responded", "attended")}
            | {"rate": (counts or {}).get("rate")},
            "sites": [_site(entry) for entry in (counts or {}).get("sites", [])],
        }
    )


def _site(entry: dict) -> dict:
    site = entry["site"]
    return {
        "code": site.code,
        "name": site.name,
        "attended": entry["attended"],
        "responded": entry["responded"],
        "rate": entry["rate"],
        "sessions": [
            {
                "code": s["session"].code,
                "date": s["session"].date.isoformat(),
                "attended": s["attended"],
                "responded": s["responded"],
                "rate": s["rate"],
                "is_open": s["session"].is_open,
            }  # fmt: skip
            for s in entry["sessions"]
        ],
    }


@endpoint(perm.VIEW)
def instrument(request, token, study, access) -> HttpResponse:
    fmt = _choice(request, "format", ("json", "yaml"))
    model = study.instrument.instrument
    if fmt == "yaml":
        return HttpResponse(instrument_to_yaml(model), content_type="application/yaml")
    return JsonResponse(instrument_to_data(model))


@endpoint(perm.VIEW)
def codebook(request, token, study, access) -> HttpResponse:
    fmt = _choice(request, "format", ("json", "csv"))
    model = study.instrument.instrument
    if fmt == "csv":  # the codebook of the web's CSV export, as it is in its ZIP file
        return HttpResponse(exports.export_codebook(model), content_type="text/csv")
    return JsonResponse({"study": study.slug, "variables": codebook_rows(model)})


@endpoint(perm.EXPORT)
def responses(request, token, study, access) -> HttpResponse:
    fmt = _choice(request, "format", ("json", "csv"))
    after = _integer(request, "after", 0, 0)
    size = _integer(request, "page_size", spec.DEFAULT_PAGE_SIZE, 1, spec.MAX_PAGE_SIZE)
    rows = responseframe._responses(study).filter(pk__gt=after)
    try:
        if fmt == "csv":
            return _csv(study, rows)
        return _page(request, study, rows, after, size)
    except ProblemsError as err:
        raise ApiError(409, exports.failure_message(err)) from err


def _csv(study, rows) -> FileResponse:
    """The web export's CSV of these responses, written to a temporary file (a chunk at a
    time: flat memory) and streamed from it."""
    folder = tempfile.mkdtemp(prefix="readiness-api-")
    path = Path(folder) / exports.default_name(study, "csv")
    try:
        exports.write_csv_chunks(
            exports.export_chunks(study, rows), exports.export_instrument(study), path
        )
        handle = path.open("rb")
    finally:
        path.unlink(missing_ok=True)  # the open handle still reads it (POSIX)
        Path(folder).rmdir()
    response = FileResponse(handle, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{path.name}"'
    return response


def _page(request, study, rows, after: int, size: int) -> JsonResponse:
    ids = list(rows.order_by("pk").values_list("pk", flat=True)[: size + 1])
    page_ids = ids[:size]
    records: list[dict] = []
    if page_ids:
        for chunk in exports.export_chunks(study, rows.filter(pk__in=page_ids)):
            for row in chunk.to_dict("records"):
                record = {k: _value(v) for k, v in row.items()}
                record["response_id"] = int(record["response_id"])  # text in the frame
                records.append(record)
    following = None
    if len(ids) > size:
        following = _url(request, f"/studies/{study.slug}/responses?page_size={size}"
                                  f"&after={page_ids[-1]}")  # fmt: skip
    return JsonResponse(
        {"study": study.slug, "count": len(records), "responses": records, "next": following}
    )


def _value(value):
    """A cell as JSON: a number, a text, or null (not answered)."""
    if value is None:
        return None
    if hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else value
    if isinstance(value, int | str):
        return value
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def openapi(request) -> JsonResponse:
    """The description of the API; public, as it holds no data."""
    return JsonResponse(spec.openapi())
