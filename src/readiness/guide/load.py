"""Read the guide's YAML files into :class:`~readiness.guide.model.Content`.

The reader checks the shape of every entry (required fields, types, vocabularies, dates) and
collects every problem, each naming its file, line and field, before raising one
:class:`~readiness.errors.GuideError`.  Whether the entries fit together (cited facts exist,
every path is safe) is :mod:`readiness.guide.check`'s job, so that a test can load a graph that
breaks a rule and see the check name it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from readiness.errors import GuideError, Problem
from readiness.guide.model import (
    ACTION_TAGS,
    ALL,
    NATIONS,
    NODE_TYPES,
    REVIEW_MONTHS,
    SOURCE_KINDS,
    STATE_VALUES,
    STATUSES,
    Action,
    ActionRef,
    ActionVariant,
    Condition,
    Content,
    Fact,
    Feedback,
    FeedbackEntry,
    Guide,
    Node,
    Option,
    Slot,
    Source,
    SourceRef,
    add_months,
)
from readiness.instrument.yamlio import LineMap, load_yaml

FILES = ("sources.yaml", "facts.yaml", "guide.yaml", "local-slots.yaml", "feedback.yaml")
OPTIONAL_FILES = ("feedback.yaml",)


def default_folder() -> Path:
    """The content shipped with the package."""
    return Path(str(resources.files("readiness.guide") / "data"))


class _Reader:
    """Reads one YAML file, remembering every problem with its line."""

    def __init__(self, path: Path):
        self.path = path
        self.file = path.name
        self.problems: list[Problem] = []
        self.data: Any = None
        self.lines = LineMap()

    def read(self) -> Any:
        try:
            self.data, self.lines = load_yaml(self.path.read_text(encoding="utf-8"))
        except OSError as err:
            self.fail((), f"cannot be read ({err.strerror}).", "Restore the file.")
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            self.problems.append(
                Problem(
                    f"is not valid YAML: {getattr(err, 'problem', err)}.",
                    "Correct the YAML syntax at that line.",
                    file=self.file,
                    line=mark.line + 1 if mark else None,
                )
            )
        return self.data

    def fail(self, path: tuple, message: str, fix: str) -> None:
        field = ".".join(str(p) for p in path) or None
        self.problems.append(
            Problem(message, fix, file=self.file, line=self.lines.line(path), column=field)
        )

    def mapping(self, raw: Any, path: tuple, what: str) -> dict:
        if isinstance(raw, dict):
            return raw
        self.fail(path, f"{what} must be a mapping (key: value lines).", f"Write {what} as one.")
        return {}

    def text(self, raw: dict, key: str, path: tuple, required: bool = True) -> str:
        value = raw.get(key)
        if value is None or value == "":
            if required:
                self.fail(path + (key,), f"'{key}' is missing.", f"Give '{key}' a value.")
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.fail(path + (key,), f"'{key}' must be text.", f"Write '{key}' as text.")
            return ""
        return str(value).strip()

    def choice(self, raw: dict, key: str, path: tuple, allowed: tuple[str, ...]) -> str:
        value = self.text(raw, key, path)
        if value and value not in allowed:
            self.fail(
                path + (key,),
                f"'{key}' is '{value}', which is not one of {', '.join(allowed)}.",
                f"Use one of {', '.join(allowed)}.",
            )
        return value

    def date(self, raw: dict, key: str, path: tuple, required: bool = True) -> dt.date | None:
        value = raw.get(key)
        if value is None:
            if required:
                self.fail(path + (key,), f"'{key}' is missing.", "Give a date as YYYY-MM-DD.")
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(path + (key,), f"'{key}' is '{value}', not a date.", "Write YYYY-MM-DD.")
            return None

    def ids(self, raw: Any, path: tuple, what: str) -> tuple[str, ...]:
        if raw is None:
            return ()
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            self.fail(path, f"{what} must be a list of ids.", f"Write {what} as [id, id].")
            return ()
        return tuple(raw)

    def nations(self, raw: Any, path: tuple) -> tuple[str, ...]:
        values = self.ids(raw, path, "'nations'")
        if values == ("all",):
            return NATIONS
        for bad in [v for v in values if v not in NATIONS]:
            self.fail(path, f"'{bad}' is not a nation.", f"Use {', '.join(NATIONS)} or all.")
        if not values:
            self.fail(path, "'nations' is missing or empty.", "List the nations it holds for.")
        return tuple(v for v in values if v in NATIONS)

    def entries(self, key: str, parse: Callable[[str, dict, tuple], Any]) -> dict[str, Any]:
        root = self.mapping(self.data, (), "the file")
        table = self.mapping(root.get(key), (key,), f"'{key}'")
        out = {}
        for ident, raw in table.items():
            path = (key, ident)
            if not isinstance(ident, str) or not ident.replace("_", "").isalnum():
                self.fail(path, f"'{ident}' is not a usable id.", "Use a-z, 0-9 and _ only.")
                continue
            out[ident] = parse(ident, self.mapping(raw, path, f"'{ident}'"), path)
        return out


# -- sources, facts, slots --------------------------------------------------------------------


def _source(r: _Reader, ident: str, raw: dict, path: tuple) -> Source:
    url = r.text(raw, "url", path)
    if url and not url.startswith(("https://", "http://")):
        r.fail(path + ("url",), f"'url' is '{url}'.", "Give the address as https://...")
    return Source(
        id=ident,
        title=r.text(raw, "title", path),
        publisher=r.text(raw, "publisher", path),
        url=url,
        version=r.text(raw, "version", path),
        kind=r.choice(raw, "kind", path, SOURCE_KINDS),
        licence=r.text(raw, "licence", path, required=False),
    )


def _source_refs(r: _Reader, raw: Any, path: tuple) -> tuple[SourceRef, ...]:
    if not isinstance(raw, list) or not raw:
        r.fail(path, "'sources' must list at least one source.", "Write [{id: SOURCE}].")
        return ()
    refs = []
    for i, entry in enumerate(raw):
        if isinstance(entry, str):
            refs.append(SourceRef(entry))
        elif isinstance(entry, dict) and isinstance(entry.get("id"), str):
            refs.append(SourceRef(entry["id"], str(entry.get("locator") or "")))
        else:
            r.fail(path + (i,), "a source must be an id or {id, locator}.", "Name the source id.")
    return tuple(refs)


def _fact(r: _Reader, ident: str, raw: dict, path: tuple) -> Fact:
    volatility = r.choice(raw, "volatility", path, tuple(REVIEW_MONTHS))
    checked = r.date(raw, "last_checked", path) or dt.date.min
    review = r.date(raw, "review_by", path, required=False)
    if review is None and volatility in REVIEW_MONTHS and checked != dt.date.min:
        review = add_months(checked, REVIEW_MONTHS[volatility])
    if review is not None and checked != dt.date.min and review < checked:
        r.fail(path + ("review_by",), "'review_by' is before 'last_checked'.", "Correct a date.")
    return Fact(
        id=ident,
        statement=r.text(raw, "statement", path),
        nations=r.nations(raw.get("nations"), path + ("nations",)),
        sources=_source_refs(r, raw.get("sources"), path + ("sources",)),
        status=r.choice(raw, "status", path, STATUSES),
        volatility=volatility,
        last_checked=checked,
        checked_by=r.text(raw, "checked_by", path),
        review_by=review or dt.date.min,
        value=r.text(raw, "value", path, required=False),
        supersedes=r.text(raw, "supersedes", path, required=False),
        notes=r.text(raw, "notes", path, required=False),
        line=r.lines.line(path),
    )


def _slot(r: _Reader, ident: str, raw: dict, path: tuple) -> Slot:
    return Slot(
        id=ident,
        label=r.text(raw, "label", path),
        nations=r.nations(raw.get("nations"), path + ("nations",)),
        required=bool(raw.get("required", True)),
        help=r.text(raw, "help", path, required=False),
    )


# -- the graph ----------------------------------------------------------------------------------


def _condition(r: _Reader, raw: Any, path: tuple) -> Condition:
    if raw is None:
        return Condition()
    terms = []
    for var, value in r.mapping(raw, path, "'when'").items():
        values = tuple(str(v) for v in (value if isinstance(value, list) else [value]))
        allowed = STATE_VALUES.get(var)
        if allowed is None:
            r.fail(path + (var,), f"'{var}' is not a state variable.", _state_fix())
        for bad in [v for v in values if allowed and v not in allowed]:
            r.fail(path + (var,), f"'{bad}' is not a value of '{var}'.", f"Use {allowed}.")
        terms.append((var, values))
    return Condition(tuple(terms))


def _state_fix() -> str:
    return "Use one of " + ", ".join(STATE_VALUES) + "."


def _option(r: _Reader, raw: Any, path: tuple) -> Option:
    raw = r.mapping(raw, path, "an option")
    assignments = []
    for var, value in r.mapping(raw.get("set") or {}, path + ("set",), "'set'").items():
        if str(value) not in STATE_VALUES.get(var, ()):
            r.fail(path + ("set", var), f"'{var}: {value}' is not a state value.", _state_fix())
        assignments.append((var, str(value)))
    return Option(
        label=r.text(raw, "label", path, required=False),
        next=r.text(raw, "next", path),
        set=tuple(assignments),
        when=_condition(r, raw.get("when"), path + ("when",)),
        facts=r.ids(raw.get("facts"), path + ("facts",), "'facts'"),
    )


def _action_refs(r: _Reader, raw: Any, path: tuple) -> tuple[ActionRef, ...]:
    if not isinstance(raw, list) or not raw:
        r.fail(path, "'actions' must list at least one action.", "List action ids.")
        return ()
    refs = []
    for i, entry in enumerate(raw):
        if isinstance(entry, str):
            refs.append(ActionRef(entry))
        elif isinstance(entry, dict) and isinstance(entry.get("id"), str):
            refs.append(ActionRef(entry["id"], _condition(r, entry.get("when"), path + (i,))))
        else:
            r.fail(path + (i,), "an action must be an id or {id, when}.", "Name the action.")
    return tuple(refs)


def _variants(r: _Reader, raw: Any, path: tuple) -> dict[str, dict[str, str]]:
    out = {}
    for nation, fields in r.mapping(raw or {}, path, "'variants'").items():
        if nation not in NATIONS:
            r.fail(path + (nation,), f"'{nation}' is not a nation.", f"Use {NATIONS}.")
            continue
        fields = r.mapping(fields, path + (nation,), f"'{nation}'")
        out[nation] = {
            k: str(v).strip() for k, v in fields.items() if k in ("text", "help", "summary")
        }
    return out


def _node(r: _Reader, ident: str, raw: dict, path: tuple) -> Node:
    kind = r.choice(raw, "type", path, NODE_TYPES)
    options: tuple[Option, ...] = ()
    if kind == "question":
        opts = raw.get("options")
        if not isinstance(opts, list) or not opts:
            r.fail(path + ("options",), "a question needs options.", "List its options.")
            opts = []
        options = tuple(_option(r, o, path + ("options", i)) for i, o in enumerate(opts))
    actions = _action_refs(r, raw.get("actions"), path + ("actions",)) if kind != "question" else ()
    return Node(
        id=ident,
        type=kind,
        text=r.text(raw, "text", path, required=kind == "question" and _has_labels(options)),
        help=r.text(raw, "help", path, required=False),
        summary=r.text(raw, "summary", path, required=kind == "outcome"),
        options=options,
        actions=actions,
        next=r.text(raw, "next", path, required=kind == "action"),
        card=r.choice(raw, "card", path, ("adult", "child")) if kind == "outcome" else "",
        variants=_variants(r, raw.get("variants"), path + ("variants",)),
        line=r.lines.line(path),
    )


def _has_labels(options: tuple[Option, ...]) -> bool:
    return any(not o.router for o in options)


def _action(r: _Reader, ident: str, raw: dict, path: tuple) -> Action:
    tags = r.ids(raw.get("tags"), path + ("tags",), "'tags'")
    for bad in [t for t in tags if t not in ACTION_TAGS]:
        r.fail(path + ("tags",), f"'{bad}' is not a tag.", f"Use {', '.join(ACTION_TAGS)}.")
    variants = {}
    for key, value in r.mapping(raw.get("variants"), path + ("variants",), "'variants'").items():
        vpath = path + ("variants", key)
        if key != ALL and key not in NATIONS:
            r.fail(vpath, f"'{key}' is not a nation.", f"Use all or {', '.join(NATIONS)}.")
            continue
        value = r.mapping(value, vpath, f"'{key}'")
        variants[key] = ActionVariant(
            text=r.text(value, "text", vpath),
            facts=r.ids(value.get("facts"), vpath + ("facts",), "'facts'"),
            local=r.ids(value.get("local"), vpath + ("local",), "'local'"),
            shows_uncertainty=bool(value.get("shows_uncertainty", False)),
        )
    if not variants:
        r.fail(path + ("variants",), "an action needs a variant.", "Give it 'all' or nations.")
    return Action(ident, r.text(raw, "title", path), tags, variants, r.lines.line(path))


def _guide(r: _Reader) -> Guide:
    root = r.mapping(r.data, (), "the file")
    acronyms = r.mapping(root.get("acronyms") or {}, ("acronyms",), "'acronyms'")
    return Guide(
        id=r.text(root, "id", ()),
        version=r.text(root, "version", ()),
        title=r.text(root, "title", ()),
        start=r.text(root, "start", ()),
        disclaimer=r.text(root, "disclaimer", ()),
        acronyms={str(k): str(v) for k, v in acronyms.items()},
        nodes=r.entries("nodes", lambda i, raw, p: _node(r, i, raw, p)),
        actions=r.entries("actions", lambda i, raw, p: _action(r, i, raw, p)),
    )


# -- feedback -----------------------------------------------------------------------------------


def _feedback_one(r: _Reader, item: str, raw: dict, path: tuple, base: Feedback | None) -> Feedback:
    key = raw.get("key", base.key if base else None)
    if not isinstance(key, bool):
        r.fail(path + ("key",), "'key' must be true or false.", "Write key: true or key: false.")
        key = False
    bench = raw.get("benchmark") or {}
    bench = r.mapping(bench, path + ("benchmark",), "'benchmark'")
    inherit = base is not None
    return Feedback(
        item=item,
        key=key,
        explanation=r.text(raw, "explanation", path, required=not inherit)
        or (base.explanation if base else ""),
        facts=r.ids(raw.get("facts"), path + ("facts",), "'facts'") or (base.facts if base else ()),
        benchmark=str(bench.get("text", "")) if bench else (base.benchmark if base else ""),
        benchmark_figure=str(bench.get("figure", ""))
        if bench
        else (base.benchmark_figure if base else ""),
        guide_link=r.text(raw, "guide_link", path, required=False)
        or (base.guide_link if base else ""),
    )


def _feedback(r: _Reader, item: str, raw: dict, path: tuple) -> FeedbackEntry:
    default = _feedback_one(r, item, raw, path, None)
    by_nation = {}
    for nation, over in r.mapping(
        raw.get("nations") or {}, path + ("nations",), "'nations'"
    ).items():
        if nation not in NATIONS:
            r.fail(path + ("nations", nation), f"'{nation}' is not a nation.", f"Use {NATIONS}.")
            continue
        npath = path + ("nations", nation)
        by_nation[nation] = _feedback_one(r, item, r.mapping(over, npath, nation), npath, default)
    return FeedbackEntry(item, default, by_nation)


# -- the whole ----------------------------------------------------------------------------------


def load_content(folder: str | Path | None = None) -> Content:
    """Read and shape-check the guide content in ``folder`` (default: the shipped content)."""
    folder = Path(folder) if folder is not None else default_folder()
    readers = {name: _Reader(folder / name) for name in FILES}
    for name, reader in readers.items():
        if name in OPTIONAL_FILES and not reader.path.exists():
            reader.data = {"feedback": {}}
        else:
            reader.read()
    problems = [p for r in readers.values() for p in r.problems]
    if problems:
        raise GuideError(problems, file=str(folder.name))
    src, fct, gd, slt, fb = (readers[n] for n in FILES)
    content = Content(
        guide=_guide(gd),
        facts=fct.entries("facts", lambda i, raw, p: _fact(fct, i, raw, p)),
        sources=src.entries("sources", lambda i, raw, p: _source(src, i, raw, p)),
        slots=slt.entries("slots", lambda i, raw, p: _slot(slt, i, raw, p)),
        feedback=fb.entries("feedback", lambda i, raw, p: _feedback(fb, i, raw, p)),
        folder=str(folder),
    )
    problems = [p for r in readers.values() for p in r.problems]
    if problems:
        raise GuideError(problems, file=str(folder.name))
    return content
