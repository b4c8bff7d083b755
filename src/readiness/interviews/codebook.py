"""Codebooks as YAML: the starter codebook, loading one into a project, writing one out.

A codebook file has ``themes`` (each with a ``description`` and its ``codes``) and, optionally,
``codes`` that belong to no theme.  A code has a ``name`` and may have a ``definition``,
``inclusion``, ``exclusion``, ``example``, ``color`` (``#RRGGBB``) and ``children`` (codes
under it)::

    themes:
      - name: Availability of resources
        description: Whether interpreters, support services ... are there.
        codes:
          - name: Interpreters
            definition: Getting, using or lacking interpreting ...
            children:
              - name: Family member interpreting
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from types import EllipsisType
from typing import Any

from readiness.interviews.errors import InterviewError, Problem, fail
from readiness.interviews.model import Project

__all__ = [
    "apply_codebook",
    "change_code",
    "check_colour",
    "codebook_dict",
    "data_path",
    "load_codebook",
    "merge_codes",
    "palette_colour",
    "starter_codebook",
]

_FIELDS = ("definition", "inclusion", "exclusion", "example", "color")
_COLOR = re.compile(r"^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")


def data_path(name: str) -> Path:
    """A data file shipped in ``readiness/interviews/data``."""
    return Path(str(resources.files("readiness.interviews").joinpath("data", name)))


def load_codebook(path: str | Path | None = None) -> dict:
    """Read and check a codebook YAML file (the starter codebook without a path)."""
    path = Path(path) if path else data_path("starter_codebook.yaml")
    file = str(path)
    data = _codebook_yaml(path)
    problems: list[Problem] = []
    themes = data.get("themes") or []
    if not isinstance(themes, list):
        problems.append(Problem("themes must be a list.", file=file, column="themes"))
        themes = []
    seen = set()
    for i, th in enumerate(themes, 1):
        if not isinstance(th, dict) or not str(th.get("name", "")).strip():
            problems.append(Problem("a theme needs a name.", file=file, column=f"themes[{i}]"))
            continue
        if th["name"] in seen:
            problems.append(
                Problem(f"theme {th['name']!r} appears twice.", file=file, column=f"themes[{i}]")
            )
        seen.add(th["name"])
        _check_codes(th.get("codes"), f"themes[{i}].codes", file, problems)
    _check_codes(data.get("codes"), "codes", file, problems)
    problems += _repeated_top_codes(themes, data, file)
    if problems:
        raise InterviewError(problems, file=file)
    data.setdefault("title", path.stem)
    return data


def _codebook_yaml(path: Path) -> dict:
    """The codebook file's YAML, which must be a mapping."""
    import yaml

    file = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise fail(
            f"cannot be read ({err.strerror or err}).", fix="check the path.", file=file
        ) from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise fail(
            f"is not valid YAML ({getattr(err, 'problem', err)}).",
            fix="check the indentation and quoting at that line.",
            file=file,
            line=mark.line + 1 if mark else None,
        ) from err
    if not isinstance(data, dict):
        raise fail(
            "a codebook needs 'themes' and/or 'codes' at its top level.",
            fix="see the starter codebook: readiness interviews codebook --starter",
            file=file,
        )
    return data


def _check_codes(codes, where: str, file: str, problems: list[Problem]) -> None:
    """Problems with a list of codes (at ``where``) and, recursively, their children."""
    if codes is None:
        return
    if not isinstance(codes, list):
        problems.append(Problem(f"{where} must be a list of codes.", file=file, column=where))
        return
    names = set()
    for i, c in enumerate(codes, 1):
        at = f"{where}[{i}]"
        if not isinstance(c, dict) or not str(c.get("name", "")).strip():
            problems.append(
                Problem("a code needs a name.", fix="add name: ...", file=file, column=at)
            )
            continue
        name = str(c["name"]).strip()
        problems += _code_problems(c, name, at, file, repeated=name in names)
        names.add(name)
        _check_codes(c.get("children"), at + ".children", file, problems)


def _code_problems(c: dict, name: str, at: str, file: str, *, repeated: bool) -> list[Problem]:
    """Problems with one code's own fields (``repeated``: its name is used at its level)."""
    problems = []
    if "/" in name:
        problems.append(
            Problem(
                f"code name {name!r} contains '/'.",
                fix="remove the '/', which separates the parts of a code's path.",
                file=file,
                column=at,
            )
        )
    if repeated:
        problems.append(
            Problem(
                f"code {name!r} appears twice at the same level.",
                fix="merge or rename them.",
                file=file,
                column=at,
            )
        )
    color = c.get("color")
    if color is not None and not _COLOR.match(str(color)):
        problems.append(
            Problem(
                f"colour {color!r} of code {name!r} is not #RRGGBB.",
                fix="write e.g. '#1d70b8' in quotes.",
                file=file,
                column=at + ".color",
            )
        )
    unknown = set(c) - {"name", "children", *_FIELDS}
    if unknown:
        problems.append(
            Problem(
                f"code {name!r} has unknown fields {sorted(unknown)}.",
                fix="use name, definition, inclusion, exclusion, example, color, children.",
                file=file,
                column=at,
            )
        )
    return problems


def _repeated_top_codes(themes: list, data: dict, file: str) -> list[Problem]:
    """A top-level code (under a theme or under no theme) may be defined only once."""
    top = [
        str(c["name"]).strip()
        for th in themes
        for c in th.get("codes") or []
        if isinstance(c, dict) and "name" in c
    ]
    top += [
        str(c["name"]).strip()
        for c in data.get("codes") or []
        if isinstance(c, dict) and "name" in c
    ]
    return [
        Problem(
            f"top-level code {n!r} is defined more than once.",
            fix="define it once; list it under one theme.",
            file=file,
        )
        for n in sorted({n for n in top if top.count(n) > 1})
    ]


def starter_codebook() -> dict:
    """The starter codebook: the four themes of Williamson et al. (2020), in our words."""
    return load_codebook(None)


@dataclass(frozen=True)
class StarterProject:
    """What :func:`apply_starter` put into a project."""

    themes: int
    codes: int
    sections: tuple[str, ...]  # the topic guide's section titles
    source: str


def apply_starter(project: Project) -> StarterProject:
    """Make ``project`` a starting point from the interview study of Williamson et al. (2020):
    the starter topic guide (identifying, referring, caring), the starter codebook (its four
    themes) and a description that labels both as a starting point, not a finished analysis
    (a description already given is kept, after the label)."""
    import yaml

    from readiness.interviews.ingest import load_topic_guide

    label = yaml.safe_load(data_path("starter_project.yaml").read_text(encoding="utf-8"))
    added = apply_codebook(project, starter_codebook())
    project.topic_guide = load_topic_guide()
    text = str(label["description"]).strip()
    if text not in project.description:
        project.description = f"{text}\n\n{project.description}".strip()
    project.log("load-starter", None, source=label["source"], **added)
    return StarterProject(
        added["themes"],
        added["codes"],
        tuple(s.title for s in project.topic_guide.sections),
        str(label["source"]),
    )


def apply_codebook(project: Project, book: dict) -> dict:
    """Add a codebook's codes and themes to a project; codes already there (same path) are
    kept, and their empty fields filled in.  Returns counts of what was added."""
    added = {"codes": 0, "themes": 0}

    def add(codes, parent_id):
        ids = []
        for c in codes or []:
            name = str(c["name"]).strip()
            existing = next(
                (x for x in project.codes.values() if x.name == name and x.parent == parent_id),
                None,
            )
            fields = {k: str(c[k]).strip() for k in _FIELDS if c.get(k) not in (None, "")}
            if existing is None:
                code = project.add_code(
                    name,
                    parent=parent_id,
                    definition=fields.get("definition", ""),
                    inclusion=fields.get("inclusion", ""),
                    exclusion=fields.get("exclusion", ""),
                    example=fields.get("example", ""),
                    color=fields.get("color"),
                )
                added["codes"] += 1
            else:
                fill: dict[str, Any] = {k: v for k, v in fields.items() if not getattr(existing, k)}
                code = replace(existing, **fill)
                project.codes[code.id] = code
            ids.append(code.id)
            add(c.get("children"), code.id)
        return ids

    for th in book.get("themes") or []:
        ids = add(th.get("codes"), None)
        existing = next((t for t in project.themes.values() if t.name == th["name"]), None)
        if existing is None:
            project.add_theme(
                th["name"], description=str(th.get("description") or "").strip(), codes=ids
            )
            added["themes"] += 1
        else:
            merged = tuple(dict.fromkeys([*existing.codes, *ids]))
            project.themes[existing.id] = replace(existing, codes=merged)
    add(book.get("codes"), None)
    project.log("load-codebook", None, title=book.get("title"), **added)
    return added


def codebook_dict(project: Project) -> dict:
    """The project's codebook in the YAML layout that :func:`load_codebook` reads."""

    def code_dict(cid: str, children: dict) -> dict:
        c = project.codes[cid]
        d: dict[str, Any] = {"name": c.name}
        for k in _FIELDS:
            v = getattr(c, k)
            if v:
                d[k] = v
        kids = [code_dict(k, children) for k in children.get(cid, [])]
        if kids:
            d["children"] = kids
        return d

    children: dict[str | None, list[str]] = {}
    for c in project.codes.values():
        children.setdefault(c.parent, []).append(c.id)
    in_theme = set()
    themes = []
    for th in project.themes.values():
        top = [
            cid for cid in th.codes if cid in project.codes and project.codes[cid].parent is None
        ]
        # a code listed under a theme is written there once, as a top-level entry
        themes.append(
            {
                "name": th.name,
                "description": th.description,
                "codes": [code_dict(cid, children) for cid in top if cid not in in_theme],
            }
        )
        in_theme.update(top)
    rest = [code_dict(cid, children) for cid in children.get(None, []) if cid not in in_theme]
    out: dict = {"title": f"Codebook of {project.name}"}
    if themes:
        out["themes"] = themes
    if rest:
        out["codes"] = rest
    return out


# ---------------------------------------------------------------------------------------------
# Changing the code tree: colours, names, parents and merges
# ---------------------------------------------------------------------------------------------

# Colours given to new codes in turn: distinct, and dark enough to read on white as a stripe.
PALETTE = (
    "#005EB8",
    "#DA291C",
    "#007F3B",
    "#AE2573",
    "#ED8B00",
    "#330072",
    "#00A499",
    "#8A1538",
    "#7C2855",
    "#425563",
    "#006747",
    "#B45F06",
)


def palette_colour(n: int) -> str:
    """The colour of the ``n``-th new code (from 0), repeating the palette."""
    return PALETTE[n % len(PALETTE)]


def check_colour(value: str | None) -> str | None:
    """``#RRGGBB`` (upper case) from ``#RGB`` or ``#rrggbb``; None for none."""
    if value is None or not str(value).strip():
        return None
    v = str(value).strip()
    if not _COLOR.match(v):
        raise fail(f"colour {v!r} is not #RRGGBB.", fix="give a colour such as #005EB8.")
    if len(v) == 4:
        v = "#" + "".join(ch * 2 for ch in v[1:])
    return v.upper()


@dataclass(frozen=True)
class CodeChange:
    """What :func:`change_code` changed: field -> (before, after)."""

    code: str
    changes: dict


def change_code(
    project: Project,
    ref: str,
    *,
    name: str | None = None,
    color: str | None | EllipsisType = ...,
    parent: str | None | EllipsisType = ...,
    user: str | None = None,
) -> CodeChange:
    """Rename a code, give it a colour and/or move it under another parent (None: the top).

    ``color`` and ``parent`` left out (``...``) stay as they are.  A code cannot move under
    itself or a code below it, and no two codes under one parent share a name.  Nothing
    changes when anything is wrong.  Logged as ``change-code`` by ``user``.
    """
    code = project.code(ref)
    new: dict[str, Any] = {}
    if name is not None and name.strip() != code.name:
        new["name"] = name.strip()
        if not new["name"] or "/" in new["name"]:
            raise fail(
                f"code name {new['name']!r} is empty or contains '/'.",
                fix="give a name without '/', which separates a code's path.",
            )
    if not isinstance(color, EllipsisType) and check_colour(color) != code.color:
        new["color"] = check_colour(color)
    if not isinstance(parent, EllipsisType):
        parent_id = project.code(parent).id if parent else None
        if parent_id != code.parent:
            if parent_id in project.descendants(code.id):
                raise fail(
                    f"the code {project.code_path(code.id)!r} cannot go under "
                    f"{project.code_path(parent_id)!r}, which is itself or below it.",
                    fix="choose a parent outside this code's branch.",
                )
            new["parent"] = parent_id
    target_name = new.get("name", code.name)
    target_parent = new.get("parent", code.parent)
    for c in project.codes.values():
        if c.id != code.id and c.name == target_name and c.parent == target_parent:
            raise fail(
                f"the code {project.code_path(c.id)!r} already exists there.",
                fix="choose another name, or merge the two codes.",
            )
    if not new:
        return CodeChange(code.id, {})
    before = {k: getattr(code, k) for k in new}
    project.codes[code.id] = replace(code, **new)
    changes = {k: (before[k], v) for k, v in new.items()}
    project.log("change-code", user, code=code.id, fields=sorted(changes))
    return CodeChange(code.id, changes)


@dataclass(frozen=True)
class Merge:
    """What :func:`merge_codes` did."""

    source: str  # the code merged away
    into: str
    recoded: tuple[str, ...]  # codings that now have ``into``
    dropped: tuple[str, ...]  # codings removed: the same passage, coder and code already there
    children: tuple[str, ...]  # codes moved under ``into``


def merge_codes(
    project: Project, source_ref: str, into_ref: str, *, user: str | None = None
) -> Merge:
    """Merge a code into another: its codings, children, themes and memos go to ``into`` and
    the code is removed.  A coding that would repeat one already there (same passage, coder
    and code) is dropped, with its memos moved to the one kept.  ``into`` may not be the code
    itself or below it.  Logged as ``merge-codes``."""
    src = project.code(source_ref)
    dst = project.code(into_ref)
    if dst.id in project.descendants(src.id):
        raise fail(
            f"the code {project.code_path(src.id)!r} cannot be merged into "
            f"{project.code_path(dst.id)!r}, which is itself or below it.",
            fix="merge the codes below it first, or choose another code.",
        )
    if not dst.codable and any(c.code == src.id for c in project.codings.values()):
        raise fail(f"code {project.code_path(dst.id)!r} is a heading that cannot be applied.")
    kids = [c.id for c in project.codes.values() if c.parent == src.id]
    for kid in kids:
        k = project.codes[kid]
        if any(c.name == k.name and c.parent == dst.id for c in project.codes.values()):
            raise fail(
                f"{project.code_path(dst.id)!r} already has a code {k.name!r}.",
                fix=f"merge or rename {project.code_path(kid)!r} first.",
            )
    have = {
        (c.source, c.start, c.end, c.coder): c.id
        for c in project.codings.values()
        if c.code == dst.id
    }
    recoded, dropped, retarget = [], [], {}
    for c in list(project.codings.values()):
        if c.code != src.id:
            continue
        same = have.get((c.source, c.start, c.end, c.coder))
        if same is not None:
            dropped.append(c.id)
            retarget[c.id] = same
            del project.codings[c.id]
        else:
            project.codings[c.id] = replace(c, code=dst.id)
            recoded.append(c.id)
    retarget[src.id] = dst.id
    for mm in list(project.memos.values()):
        if mm.target in ("code", "coding") and mm.target_id in retarget:
            project.memos[mm.id] = replace(mm, target_id=retarget[mm.target_id])
    for kid in kids:
        project.codes[kid] = replace(project.codes[kid], parent=dst.id)
    for th in list(project.themes.values()):
        if src.id in th.codes:
            codes = tuple(dict.fromkeys(dst.id if c == src.id else c for c in th.codes))
            project.themes[th.id] = replace(th, codes=codes)
    for p in list(project.participants.values()):
        if src.id in p.code_refs:
            refs = tuple(dict.fromkeys(dst.id if c == src.id else c for c in p.code_refs))
            project.participants[p.id] = replace(p, code_refs=refs)
    del project.codes[src.id]
    project.log(
        "merge-codes", user, code=src.id, into=dst.id, recoded=len(recoded), dropped=len(dropped)
    )
    return Merge(src.id, dst.id, tuple(recoded), tuple(dropped), tuple(kids))
