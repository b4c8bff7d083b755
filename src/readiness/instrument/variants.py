"""Nation variants of a shipped instrument: the base instrument with a few items replaced.

A variant is a small data file, ``readiness/instruments/variants/<id>.yaml``, naming its base
instrument, its nation and, for each item whose right answer differs in that nation, the item
that takes its place.  The new item always has a NEW id: an existing id never changes its key,
or an analysis that pools studies would count two different questions as one.

The variant is assembled from the base each time it is loaded (:func:`assemble_variant`), and
every reference to a replaced id (sections, scales, indicators, conditions) is renamed, so the
two versions cannot drift apart.  The assembled version is ``<base version>.<revision>``.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from readiness.errors import InstrumentError, Problem
from readiness.instrument.load import build_instrument
from readiness.instrument.model import Instrument
from readiness.instrument.yamlio import LineMap, dump_yaml, load_yaml

# The fields of a base item that a replacement may give; its type and place stay the base's.
REPLACEABLE = ("id", "text", "key", "explanation", "source", "help")
NATIONS = ("england", "wales", "scotland", "northern_ireland")


@dataclass(frozen=True)
class Variant:
    """A variant as its data file declares it."""

    id: str
    base: str
    revision: int
    nation: str
    title: str
    replace: dict[str, dict[str, Any]]  # base item id -> the replacement's fields
    sources: dict[str, dict[str, Any]]
    description: str = ""
    file: str = ""

    @property
    def renamed(self) -> dict[str, str]:
        """Base item id -> the id of the item that replaces it."""
        return {old: new["id"] for old, new in self.replace.items()}


def _folder() -> Path:
    return Path(str(resources.files("readiness.instruments") / "variants"))


def variant_names() -> tuple[str, ...]:
    """The ids of the variants shipped with the package."""
    return tuple(sorted(p.stem for p in _folder().glob("*.yaml")))


def _problem(file: str, lines: LineMap, path: tuple, message: str, fix: str) -> Problem:
    return Problem(
        message,
        fix,
        file=file,
        line=lines.line(path),
        column=".".join(str(p) for p in path) or None,
    )


@cache
def load_variant(name: str) -> Variant:  # noqa: C901 - each field of the variant file checked with its message
    """Read and check a shipped variant's data file."""
    path = _folder() / f"{name}.yaml"
    file = f"variants/{path.name}"
    if not path.exists():
        raise InstrumentError(
            [Problem(f"there is no variant '{name}'.", f"use one of {', '.join(variant_names())}.")]
        )
    try:
        data, lines = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise InstrumentError(
            [
                Problem(
                    "is not valid YAML.",
                    "correct the YAML at that line.",
                    file=file,
                    line=mark.line + 1 if mark else None,
                )
            ]
        ) from None
    problems: list[Problem] = []

    def fail(where: tuple, message: str, fix: str) -> None:
        problems.append(_problem(file, lines, where, message, fix))

    data = data if isinstance(data, dict) else {}
    for key in ("id", "base", "nation", "title"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            fail((key,), f"'{key}' is missing.", f"give the variant's {key}.")
    if data.get("id") != name:
        fail(("id",), f"'id' is '{data.get('id')}', not the file's name.", f"write id: {name}.")
    if data.get("nation") not in NATIONS:
        fail(("nation",), f"'nation' is '{data.get('nation')}'.", f"use one of {NATIONS}.")
    revision = data.get("revision")
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
        fail(("revision",), "'revision' must be a whole number from 1.", "write revision: 1.")
        revision = 1
    replace = data.get("replace")
    if not isinstance(replace, dict) or not replace:
        fail(("replace",), "'replace' lists no items.", "map a base item id to its replacement.")
        replace = {}
    new_ids: set[str] = set()
    for old, new in replace.items():
        where = ("replace", old)
        if not isinstance(new, dict) or not isinstance(new.get("id"), str):
            fail(where, f"the replacement of '{old}' has no 'id'.", "give it a new item id.")
            continue
        for bad in sorted(set(new) - set(REPLACEABLE)):
            fail(where + (bad,), f"'{bad}' cannot be replaced.", f"give only {REPLACEABLE}.")
        if new["id"] == old:
            fail(
                where + ("id",),
                f"'{old}' keeps its id.",
                "give the replacement a new id: an id never changes its meaning.",
            )
        if new["id"] in new_ids:
            fail(where + ("id",), f"'{new['id']}' replaces two items.", "give each its own id.")
        new_ids.add(new["id"])
    sources = data.get("sources") or {}
    if not isinstance(sources, dict):
        fail(("sources",), "'sources' must be a mapping.", "write sources as key: {citation}.")
        sources = {}
    if problems:
        raise InstrumentError(problems, file=file)
    return Variant(
        id=name,
        base=data["base"],
        revision=revision,
        nation=data["nation"],
        title=data["title"].strip(),
        replace={str(k): dict(v) for k, v in replace.items()},
        sources=dict(sources),
        description=str(data.get("description") or "").strip(),
        file=file,
    )


def _base_data(base: str) -> dict:
    path = Path(str(resources.files("readiness.instruments").joinpath(f"{base}.yaml")))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _rename(value: Any, renamed: dict[str, str]) -> Any:
    """Every string that is exactly a replaced id, renamed, anywhere in the data."""
    if isinstance(value, str):
        return renamed.get(value, value)
    if isinstance(value, list):
        return [_rename(v, renamed) for v in value]
    if isinstance(value, dict):
        return {k: _rename(v, renamed) for k, v in value.items()}
    return value


def variant_data(name: str) -> dict:
    """The variant as plain instrument data (what its YAML would hold)."""
    variant = load_variant(name)
    base = _base_data(variant.base)
    found = {
        item.get("id")
        for section in base.get("sections") or []
        for item in section.get("items") or []
    }
    missing = [old for old in variant.replace if old not in found]
    if missing:
        raise InstrumentError(
            [
                Problem(
                    f"replaces '{old}', which is not an item of {variant.base}.",
                    "correct the id, or remove the replacement.",
                    file=variant.file,
                    column=f"replace.{old}",
                )
                for old in missing
            ]
        )
    data = _rename(copy.deepcopy(base), variant.renamed)
    # The base's translations are not the variant's: its title and replaced items are worded
    # for its nation (the Northern Ireland variant is not offered in Welsh).
    data.pop("translations", None)
    by_new = {new["id"]: new for new in variant.replace.values()}
    for section in data.get("sections") or []:
        for item in section.get("items") or []:
            if item.get("id") in by_new:
                item.update(by_new[item["id"]])
    data["id"] = variant.id
    data["version"] = f"{base.get('version')}.{variant.revision}"
    data["title"] = variant.title
    if variant.description:
        data["description"] = variant.description
    data["sources"] = {**(data.get("sources") or {}), **variant.sources}
    return data


@cache
def assemble_variant(name: str) -> Instrument:
    """The variant, built from its base and checked as any instrument is (it has no file of
    its own: ``path`` is None, and its text is :func:`variant_yaml`)."""
    built = build_instrument(variant_data(name), file=load_variant(name).file)
    return dataclasses.replace(built, path=None)


def variant_yaml(name: str) -> str:
    """The assembled variant as instrument YAML (what ``readiness instrument export`` writes)."""
    return dump_yaml(variant_data(name))


def base_item_ids() -> dict[str, str]:
    """Every replacement item's id -> the base item id it stands for, over all variants."""
    out: dict[str, str] = {}
    for name in variant_names():
        for old, new in load_variant(name).renamed.items():
            out[new] = old
    return out


def instrument_for_nation(base: str, nation: str) -> str:
    """The name of the shipped instrument a study in ``nation`` uses: the base's variant for
    that nation if there is one, else the base."""
    for name in variant_names():
        variant = load_variant(name)
        if variant.base == base and variant.nation == nation:
            return name
    return base


def variant_nation(instrument_id: str) -> str | None:
    """The nation a shipped variant is for, or None for any other instrument."""
    if instrument_id in variant_names():
        return load_variant(instrument_id).nation
    return None
