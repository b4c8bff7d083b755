"""The draft behind a resume code, with what a respondent's page needs, in one statement.

Every answer page starts by finding its draft with its session, site, study and instrument
version (without the instrument's text: parsed instruments are kept by their digest).  Built
with the ORM (``select_related`` of four joins) the query is compiled again on every request,
which cost more than running it (benchmarks/RESULTS.md, "Web application under load"); here the
SQL and each column's converters are made once per database connection's kind, and each row is
turned into model instances with ``Model.from_db``, the ORM's own way of making an instance
from a row, so that the objects behave exactly as the ORM's (deferred text loaded on access,
related objects cached).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Model

from readiness.web import prepared
from readiness.web.surveys.models import Draft, InstrumentVersion, Session, Site, Study


@dataclass(frozen=True)
class Part:
    """One joined table: its model, the fields read and each field's converters."""

    model: type[Model]
    alias: str
    attnames: tuple[str, ...]
    converters: tuple[tuple[int, list[Callable], object], ...]  # (column, converters, column)


@dataclass(frozen=True)
class Plan:
    sql: str
    parts: tuple[Part, ...]


# (model, alias, the field it is joined on from the part before it, fields left out)
JOINS = (
    (Draft, "d", None, ()),
    (Session, "s", ("d", "session"), ()),
    (Site, "t", ("s", "site"), ()),
    (Study, "y", ("t", "study"), ()),
    (InstrumentVersion, "i", ("d", "instrument"), ("yaml",)),
)

_plans: dict[str, Plan] = {}


def _part(model: type[Model], alias: str, fields: list, start: int) -> Part:
    converters = []
    for offset, field in enumerate(fields):
        column = field.get_col(alias)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((start + offset, found, column))
    return Part(model, alias, tuple(f.attname for f in fields), tuple(converters))


def plan() -> Plan:
    """The statement and how to read its row, made once per kind of database."""
    made = _plans.get(connection.vendor)
    if made is not None:
        return made
    q = connection.ops.quote_name
    parts, columns, tables, start = [], [], [], 0
    models = {alias: model for model, alias, _on, _skip in JOINS}
    for model, alias, on, skip in JOINS:
        fields = [f for f in model._meta.concrete_fields if f.name not in skip]
        parts.append(_part(model, alias, fields, start))
        columns += [f"{alias}.{q(f.column)}" for f in fields]
        start += len(fields)
        table = f"{q(model._meta.db_table)} {alias}"
        if on is None:
            tables.append(table)
        else:
            source, name = on
            fk = models[source]._meta.get_field(name)
            tables.append(
                f"INNER JOIN {table} ON {alias}.{q(model._meta.pk.column)} = "
                f"{source}.{q(fk.column)}"
            )
    sql = (
        f"SELECT {', '.join(columns)} FROM {' '.join(tables)} "
        f"WHERE d.{q(Draft._meta.get_field('code_digest').column)} = %s LIMIT 1"
    )
    made = Plan(sql, tuple(parts))
    _plans[connection.vendor] = made
    return made


def _instance(part: Part, row: list, start: int) -> Model:
    values = row[start : start + len(part.attnames)]
    return part.model.from_db(connection.alias, list(part.attnames), values)


def draft_by_digest(digest: str) -> Draft | None:
    """The draft with this resume code's digest, its session, site, study and instrument
    version attached (the version's text left to load on access), or None."""
    made = plan()
    with prepared.cursor() as cursor:  # planned once per connection on PostgreSQL
        cursor.execute(made.sql, [digest])
        found = cursor.fetchone()
    if found is None:
        return None
    row = list(found)
    for part in made.parts:
        for index, converters, column in part.converters:
            for convert in converters:
                row[index] = convert(row[index], column, connection)
    objects, start = {}, 0
    for part in made.parts:
        objects[part.alias] = _instance(part, row, start)
        start += len(part.attnames)
    draft, session, site = objects["d"], objects["s"], objects["t"]
    site.study = objects["y"]
    session.site = site
    draft.session = session
    draft.instrument = objects["i"]
    return draft
