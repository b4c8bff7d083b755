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
from importlib import resources
from pathlib import Path

from readiness.interviews.errors import InterviewError, Problem, fail
from readiness.interviews.model import Project

__all__ = ["apply_codebook", "codebook_dict", "data_path", "load_codebook", "starter_codebook"]

_FIELDS = ("definition", "inclusion", "exclusion", "example", "color")
_COLOR = re.compile(r"^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")


def data_path(name: str) -> Path:
    """A data file shipped in ``readiness/interviews/data``."""
    return Path(str(resources.files("readiness.interviews").joinpath("data", name)))


def load_codebook(path: str | Path | None = None) -> dict:
    """Read and check a codebook YAML file (the starter codebook without a path)."""
    import yaml

    path = Path(path) if path else data_path("starter_codebook.yaml")
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
    problems: list[Problem] = []

    def check_codes(codes, where: str) -> None:
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
            if "/" in name:
                problems.append(
                    Problem(
                        f"code name {name!r} contains '/'.",
                        fix="remove the '/', which separates the parts of a code's path.",
                        file=file,
                        column=at,
                    )
                )
            if name in names:
                problems.append(
                    Problem(
                        f"code {name!r} appears twice at the same level.",
                        fix="merge or rename them.",
                        file=file,
                        column=at,
                    )
                )
            names.add(name)
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
            check_codes(c.get("children"), at + ".children")

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
        check_codes(th.get("codes"), f"themes[{i}].codes")
    check_codes(data.get("codes"), "codes")
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
    dups = sorted({n for n in top if top.count(n) > 1})
    for n in dups:
        problems.append(
            Problem(
                f"top-level code {n!r} is defined more than once.",
                fix="define it once; list it under one theme.",
                file=file,
            )
        )
    if problems:
        raise InterviewError(problems, file=file)
    data.setdefault("title", path.stem)
    return data


def starter_codebook() -> dict:
    """The starter codebook: the four themes of Williamson et al. (2020), in our words."""
    return load_codebook(None)


def apply_codebook(project: Project, book: dict) -> dict:
    """Add a codebook's codes and themes to a project; codes already there (same path) are
    kept, and their empty fields filled in.  Returns counts of what was added."""
    from dataclasses import replace

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
                fill = {k: v for k, v in fields.items() if not getattr(existing, k)}
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
        d = {"name": c.name}
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
