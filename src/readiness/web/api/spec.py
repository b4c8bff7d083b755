"""The API's routes and its OpenAPI 3.1 description, from one table (:data:`ROUTES`): the URL
patterns (:mod:`.urls`) and the description served at ``/api/v1/openapi.json`` are both made
from it, so that a route cannot exist without being described."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from readiness.instrument.describe import CODEBOOK_COLUMNS

BASE = "/api/v1"
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100


@dataclass(frozen=True)
class Route:
    name: str  # the view's name in views.py and the URL's name
    path: str  # OpenAPI path under BASE, {slug} for the study
    summary: str
    body: dict  # content type -> schema of the 200 body
    parameters: list[dict] = field(default_factory=list)
    errors: tuple[int, ...] = (401, 404)  # besides 200

    @property
    def django_path(self) -> str:
        return self.path.lstrip("/").replace("{slug}", "<str:slug>")  # JSON 404 for any name


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}  # fmt: skip


JSON = "application/json"
SLUG = {"name": "slug", "in": "path", "required": True,
        "schema": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
        "description": "The study's short name (its slug)."}  # fmt: skip
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_NUMBER = {"type": ["number", "null"]}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["status", "error"],
        "properties": {
            "status": {"type": "integer"},
            "error": {"type": "string", "description": "What is wrong, and the fix."},
        },
    },
    "StudySummary": {
        "type": "object",
        "required": ["slug", "name", "role", "url"],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "role": {"type": "string", "description": "The token owner's role in the study."},
            "url": {"type": "string"},
        },
    },
    "StudyList": {
        "type": "object",
        "required": ["studies"],
        "properties": {"studies": {"type": "array", "items": _ref("StudySummary")}},
    },
    "Session": {
        "type": "object",
        "required": ["code", "date", "attended", "responded", "is_open"],
        "properties": {
            "code": {"type": "string"},
            "date": {"type": "string", "format": "date"},
            "attended": {"type": "integer"},
            "responded": {"type": "integer"},
            "rate": NULLABLE_NUMBER,
            "is_open": {"type": "boolean"},
        },
    },
    "Site": {
        "type": "object",
        "required": ["code", "name", "attended", "responded", "sessions"],
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "attended": {"type": "integer"},
            "responded": {"type": "integer"},
            "rate": NULLABLE_NUMBER,
            "sessions": {"type": "array", "items": _ref("Session")},
        },
    },
    "Study": {
        "type": "object",
        "required": ["slug", "name", "role", "instrument", "sites", "counts"],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "role": {"type": "string"},
            "created_on": {"type": "string", "format": "date"},
            "is_open": {"type": "boolean"},
            "synthetic": {"type": "boolean"},
            "evaluation": {"type": "boolean"},
            "instrument": {
                "type": "object",
                "required": ["id", "version", "title"],
                "properties": {
                    "id": {"type": "string"},
                    "version": {"type": "string"},
                    "title": {"type": "string"},
                },
            },
            "counts": {
                "type": "object",
                "required": ["responded", "attended"],
                "properties": {
                    "responded": {"type": "integer"},
                    "attended": {"type": "integer"},
                    "rate": NULLABLE_NUMBER,
                },
            },
            "sites": {"type": "array", "items": _ref("Site")},
        },
    },
    "Instrument": {
        "type": "object",
        "description": "The instrument as its YAML file holds it (readiness instrument format).",
        "required": ["id", "version"],
    },
    "CodebookEntry": {
        "type": "object",
        "required": ["variable", "type", "label", "values"],
        "properties": {
            key: {"type": "string"}
            for key in CODEBOOK_COLUMNS  # the codebook's own columns
        },
    },
    "Codebook": {
        "type": "object",
        "required": ["study", "variables"],
        "properties": {
            "study": {"type": "string"},
            "variables": {"type": "array", "items": _ref("CodebookEntry")},
        },
    },
    "ResponsePage": {
        "type": "object",
        "required": ["study", "count", "responses", "next"],
        "properties": {
            "study": {"type": "string"},
            "count": {"type": "integer", "description": "Responses on this page."},
            "responses": {
                "type": "array",
                "description": "One object per response: response_id, session, completed_on, "
                "..., then every item's stored code (null: not answered), as in the CSV.",
                "items": {
                    "type": "object",
                    "required": ["response_id"],
                    "properties": {"response_id": {"type": "integer"}},
                    "additionalProperties": {"type": ["string", "number", "null"]},
                },
            },
            "next": {**NULLABLE_STRING, "description": "The next page's URL; null at the end."},
        },
    },
}

PAGE_SIZE = _query(
    "page_size",
    {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE},
    "Responses per page (JSON only).",
)
AFTER = _query(
    "after",
    {"type": "integer", "minimum": 0, "default": 0},
    "Only responses whose response_id is greater than this (the last one you have).",
)
ROUTES = (
    Route(
        "studies",
        "/studies",
        "The studies this token may read",
        {JSON: _ref("StudyList")},
        errors=(401,),
    ),  # fmt: skip
    Route(
        "study",
        "/studies/{slug}",
        "A study: its instrument, sites, sessions and counts",
        {JSON: _ref("Study")},
        [SLUG],
    ),  # fmt: skip
    Route(
        "instrument",
        "/studies/{slug}/instrument",
        "The study's instrument, as JSON or (format=yaml) its YAML file",
        {JSON: _ref("Instrument"), "application/yaml": _ref("Instrument")},
        [SLUG, _query("format", {"type": "string", "enum": ["json", "yaml"]}, "json or yaml")],
        errors=(400, 401, 404),
    ),
    Route(
        "responses",
        "/studies/{slug}/responses",
        "The study's responses: JSON pages (follow next), or every one as CSV (format=csv)",
        {JSON: _ref("ResponsePage"), "text/csv": {"type": "string"}},
        [
            SLUG,
            PAGE_SIZE,
            AFTER,
            _query("format", {"type": "string", "enum": ["json", "csv"]}, "json or csv"),
        ],  # fmt: skip
        errors=(400, 401, 403, 404, 409),
    ),
    Route(
        "codebook",
        "/studies/{slug}/codebook",
        "Every variable of the responses: its label, type and codes",
        {JSON: _ref("Codebook"), "text/csv": {"type": "string"}},
        [SLUG, _query("format", {"type": "string", "enum": ["json", "csv"]}, "json or csv")],
        errors=(400, 401, 404),
    ),
)
ERRORS = {
    400: "A parameter is not valid (the message names it and the fix).",
    401: "No token, or one that is unknown or revoked.",
    403: "The token owner's role may not read responses (as on the web: no export).",
    404: "No such study, or none this token may read.",
    409: "A stored response no longer fits the instrument (the message says which).",
    429: "Too many calls with this token: wait the Retry-After seconds.",
}


def _operation(route: Route) -> dict:
    responses: dict[str, Any] = {
        "200": {
            "description": route.summary,
            "content": {kind: {"schema": schema} for kind, schema in route.body.items()},
        }
    }
    for status in (*route.errors, 429):
        responses[str(status)] = {
            "description": ERRORS[status],
            "content": {JSON: {"schema": _ref("Error")}},
        }
    return {
        "operationId": route.name,
        "summary": route.summary,
        "parameters": route.parameters,
        "responses": responses,
    }


def openapi() -> dict:
    """The OpenAPI 3.1 description of every route."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Readiness API",
            "version": "1",
            "description": "Read-only access to studies, instruments, responses and codebooks. "
            "Make a token on the 'API tokens' page and send it as 'Authorization: Bearer "
            "<token>'.",
        },
        "servers": [{"url": BASE}],
        "security": [{"token": []}],
        "paths": {route.path: {"get": _operation(route)} for route in ROUTES},
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
    }
