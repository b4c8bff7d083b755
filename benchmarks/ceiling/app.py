"""A bare Django view that does what an answer page must and nothing more: the ceiling that
``benchmarks/bench_web.py`` measures Readiness's answer pages against.

``POST /r/<code>/<n>/`` takes the fields of the shipped survey's page ``n`` (the benchmark's own
answers, :data:`benchmarks.bench_web.PAGE_ANSWERS`) behind Django's CSRF check, validates them
with a Django form (every field required, choices and whole-number ranges checked), merges the
answers into the response's one row with one ``INSERT ... ON CONFLICT DO UPDATE`` whose commit
waits for the disk (PostgreSQL's ``synchronous_commit = on``, SQLite's ``synchronous = FULL``)
and redirects to the next page.  ``GET /resume/`` gives the CSRF cookie and form token.  No
sessions, accounts, templates, rate limits, draft lookup or survey logic.
"""

from __future__ import annotations

import json

from django import forms
from django.db import connection
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.urls import path

from benchmarks.bench_web import PAGE_ANSWERS

TABLE = "ceiling_answers"
CHOICES = [(str(i), str(i)) for i in range(10)]
NUMBERS = {"years_qualified": (0, 60), "training_when[year]": (1950, 2100)}


def _field(name: str, value) -> forms.Field:
    if isinstance(value, list):
        return forms.TypedMultipleChoiceField(choices=CHOICES, coerce=int)
    if name in NUMBERS:
        low, high = NUMBERS[name]
        return forms.IntegerField(min_value=low, max_value=high)
    return forms.TypedChoiceField(choices=CHOICES, coerce=int)


def page_form(answers: dict) -> type[forms.Form]:
    return type("PageForm", (forms.Form,), {k: _field(k, v) for k, v in answers.items()})


FORMS = [page_form(page) for page in PAGE_ANSWERS]


def create_table() -> None:
    kind = "jsonb" if connection.vendor == "postgresql" else "text"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {TABLE} (code varchar(40) PRIMARY KEY, answers {kind})")


def upsert(code: str, answers: dict) -> None:
    merge = (
        f"{TABLE}.answers || excluded.answers"
        if connection.vendor == "postgresql"
        else f"json_patch({TABLE}.answers, excluded.answers)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (code, answers) VALUES (%s, %s) "
            f"ON CONFLICT (code) DO UPDATE SET answers = {merge}",
            [code, json.dumps(answers)],
        )


def answer(request, code: str, number: int):
    if request.method != "POST" or not 1 <= number <= len(FORMS):
        return HttpResponseBadRequest("POST one of the pages")
    form = FORMS[number - 1](request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(form.errors.as_text())
    upsert(code, form.cleaned_data)  # autocommit: the commit waits for the disk
    following = "check" if number == len(FORMS) else str(number + 1)
    return HttpResponseRedirect(f"/r/{code}/{following}/")


def token(request):
    return HttpResponse(
        f'<form method="post"><input type="hidden" name="csrfmiddlewaretoken" '
        f'value="{get_token(request)}"></form>'
    )


urlpatterns = [
    path("resume/", token),
    path("r/<str:code>/<int:number>/", answer),
]
