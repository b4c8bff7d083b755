"""``readiness interviews ...``: the interview study from the command line.

Every command takes the project folder first.  Commands that change the project write it back
atomically and add to its audit log; commands that produce results take ``--json``.  Outputs
that leave the project (exports, the framework matrix and tables written to files, the theme
report, segments) are refused while anything in the project has not been reviewed for
pseudonymisation, unless ``--reason`` is given, which is logged.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import click

from readiness.interviews import pseudonymise as ps
from readiness.interviews import store
from readiness.interviews.errors import InterviewError, Problem, fail
from readiness.stats.result import jsonable

PROJECT = click.argument(
    "project", type=click.Path(file_okay=False, path_type=Path), metavar="PROJECT"
)
JSON = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def _emit(as_json: bool, data, text: str) -> None:
    if as_json:
        click.echo(json.dumps(jsonable(data), indent=2, ensure_ascii=False))
    else:
        click.echo(text)


def _where(pairs: tuple[str, ...]) -> dict:
    out: dict[str, list[str]] = {}
    for pair in pairs:
        if "=" not in pair:
            raise fail(
                f"--where {pair!r} is not ATTRIBUTE=VALUE.",
                fix="write e.g. --where nation=Scotland (repeat for more).",
            )
        k, v = pair.split("=", 1)
        out.setdefault(k.strip(), []).append(v.strip())
    return out


def _table(header: list[str], rows: list[list]) -> str:
    cells = [[str(c) for c in header]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[j]) for r in cells) for j in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _pct(v) -> str:
    return "-" if v is None else f"{v:.3f}"


class _Ordered(click.Group):
    """Lists commands in the order of a study, not alphabetically."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@click.group(cls=_Ordered, context_settings={"help_option_names": ["-h", "--help"]})
def interviews() -> None:
    """The interview study: transcripts, pseudonymisation, codes, matrices, agreement, REFI-QDA.

    A project is a folder (project.json, sources/, audit.jsonl).  The pseudonymisation key
    is a separate CSV file (real,pseudonym) that never goes inside it.  Typical order:
    init, import, pseudonymise, code (or the browser), code-stats, matrix, framework,
    report, export.
    """


# ---------------------------------------------------------------------------------------------
# project set-up
# ---------------------------------------------------------------------------------------------


@interviews.command("init")
@PROJECT
@click.option("--name", help="Project name (default: the folder's name).")
@click.option(
    "--starter",
    "starter_project",
    is_flag=True,
    help="A starting point from the interview study of Williamson et al. (2020): the topic "
    "guide (identifying, referring, caring) and the codebook of its four themes, labelled as "
    "a starting point in the project's description.",
)
@click.option("--starter-codebook", is_flag=True, help="Load the starter codebook (four themes).")
@click.option("--topic-guide", "guide", is_flag=True, help="Load the starter topic guide.")
@click.option("--user", help="Your name, recorded as the project's creator.")
def init_cmd(project, name, starter_project, starter_codebook, guide, user):
    """Create a new project folder PROJECT."""
    from readiness.interviews.codebook import apply_codebook, apply_starter
    from readiness.interviews.codebook import starter_codebook as starter
    from readiness.interviews.ingest import load_topic_guide

    p = store.init(project, name, creator=user)
    extra = []
    if starter_project:
        s = apply_starter(p)
        extra.append(f"a STARTING POINT after {s.source}")
        extra.append(f"starter topic guide: {', '.join(s.sections)}")
        extra.append(f"starter codebook: {s.themes} themes, {s.codes} codes")
        extra.append("change both as your study and analysis develop")
        starter_codebook = guide = False
    if starter_codebook:
        added = apply_codebook(p, starter())
        extra.append(f"starter codebook: {added['themes']} themes, {added['codes']} codes")
    if guide:
        p.topic_guide = load_topic_guide()
        extra.append(f"starter topic guide: {len(p.topic_guide.sections)} sections")
    store.save(p, project)
    click.echo(f"Created project {p.name!r} in {project}" + "".join(f"\n  {e}" for e in extra))


@interviews.command("import")
@PROJECT
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--participant", help="Participant of the transcript(s), e.g. P12.")
@click.option(
    "--no-guess",
    is_flag=True,
    help="Do not guess participants from file names (P12_interview.txt -> P12).",
)
@click.option("--name", help="Name of the transcript (one file only; default: file name).")
@click.option("--encoding", help="Text encoding of .txt/.vtt/.srt files if not UTF-8, e.g. cp1252.")
@click.option(
    "--participants",
    "attributes",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV of participants and attributes (participant,professional_group,profession,...).",
)
@click.option("--user", help="Your name, recorded with the import.")
@JSON
def import_cmd(project, files, participant, no_guess, name, encoding, attributes, user, as_json):
    """Import transcripts (.txt, .docx, .vtt, .srt) and/or participants' attributes.

    All files are read and checked first; if any has a problem nothing is imported.
    """
    from readiness.interviews.ingest import import_attributes, import_transcripts

    if not files and not attributes:
        raise click.UsageError("give transcript files, --participants CSV, or both.")
    p = store.load(project)
    rows = 0
    if attributes:
        rows = import_attributes(p, attributes, encoding=encoding)
    added = []
    if files:
        added = import_transcripts(
            p,
            list(files),
            encoding=encoding,
            participant=participant,
            guess_participants=not no_guess,
            creator=user,
            name=name,
        )
    store.save(p, project)
    data: dict[str, Any] = {
        "transcripts": [
            {
                "name": t.name,
                "format": t.format,
                "participant": p.participant_label(t.id),
                "characters": len(t.text),
                "turns": len(t.turns),
            }
            for t in added
        ],
        "participants_read": rows,
    }
    lines = []
    for t in data["transcripts"]:
        lines.append(
            f"Imported {t['name']} ({t['format']}, participant {t['participant']}): "
            f"{t['characters']:,} characters, {t['turns']} turns"
        )
    if attributes:
        lines.append(f"Read attributes of {rows} participants from {attributes.name}")
    if added:
        lines.append("Not yet pseudonymised: run `readiness interviews pseudonymise` next.")
    _emit(as_json, data, "\n".join(lines))


@interviews.command("participants")
@PROJECT
@click.option(
    "--rename",
    nargs=2,
    metavar="PARTICIPANT NEW",
    help="Give a participant (name or GUID) another identifier.",
)
@click.option(
    "--merge",
    nargs=2,
    metavar="PARTICIPANT INTO",
    help="Move every transcript of PARTICIPANT to INTO and remove PARTICIPANT.",
)
@click.option("--user", help="Your name, for the audit log.")
@JSON
def participants_cmd(project, rename, merge, user, as_json):
    """List the participants; rename one, or merge two (each change logged)."""
    p = store.load(project)
    if rename and merge:
        raise click.UsageError("give --rename or --merge, not both.")
    if rename:
        guid = p.participant(rename[0]).id
        before = p.participants[guid].name
        if p.rename_participant(guid, rename[1]).name != before:
            p.log("rename-participant", user, participant=guid)
            store.save(p, project)
    if merge:
        gone, kept = p.participant(merge[0]), p.participant(merge[1])
        moved = len(p.merge_participants(gone.id, kept.id).sources) - len(kept.sources)
        p.log("merge-participants", user, participant=gone.id, into=kept.id, transcripts=moved)
        store.save(p, project)
    rows: list[dict[str, Any]] = [
        {
            "participant": x.name,
            "transcripts": [p.sources[s].name for s in x.sources if s in p.sources],
            "attributes": x.attributes,
        }
        for x in sorted(p.participants.values(), key=lambda x: x.name)
    ]
    text = _table(
        ["participant", "transcripts", "attributes"],
        [
            [r["participant"], ", ".join(r["transcripts"]), _attributes_text(r["attributes"])]
            for r in rows
        ],
    )
    _emit(as_json, rows, text if rows else "No participants yet.")


def _attributes_text(attributes: dict) -> str:
    """The values only, in the order of the participants file (``--json`` has the names)."""
    return ", ".join(str(v) for v in attributes.values() if v not in (None, ""))


@interviews.command("codebook")
@PROJECT
@click.option("--starter", is_flag=True, help="Load the starter codebook.")
@click.option(
    "--load",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Load a codebook (.yaml or REFI .qdc).",
)
@click.option(
    "--export",
    "export_to",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the codebook (.yaml or REFI .qdc): refused while codes or themes are not "
    "reviewed for pseudonymisation, unless --reason.",
)
@click.option("--reason", help="Why codes not yet reviewed may be written (logged).")
@click.option("--user", help="Your name, for the audit log.")
@JSON
def codebook_cmd(project, starter, load, export_to, reason, user, as_json):
    """Show the codebook; load the starter or a file; export it."""
    import yaml

    from readiness.interviews import codebook as cb
    from readiness.interviews import refi

    p = store.load(project)
    changed = False
    if starter:
        cb.apply_codebook(p, cb.starter_codebook())
        changed = True
    if load:
        if load.suffix.lower() == ".qdc":
            book = refi.read_qdc_book(load)
            refi.apply_qdc(p, book.codes, book.themes)
        else:
            cb.apply_codebook(p, cb.load_codebook(load))
        changed = True
    if changed:
        store.save(p, project)
    if export_to:
        ps.check_export(
            p,
            reason=reason,
            user=user,
            export=f"codebook {export_to.name}",
            kinds=ps.CODEBOOK_KINDS,
        )
        _save_audit(p, project)
        if export_to.suffix.lower() == ".qdc":
            refi.write_qdc(p, export_to)
        else:
            from readiness.tabular import atomic_write

            text = yaml.safe_dump(cb.codebook_dict(p), sort_keys=False, allow_unicode=True)
            atomic_write(export_to, lambda t: t.write_text(text, encoding="utf-8"))
    data = cb.codebook_dict(p)
    lines = []
    for th in data.get("themes", []):
        lines.append(f"Theme: {th['name']}")
        lines += _code_lines(th["codes"], "  ")
    if data.get("codes"):
        lines.append("Codes in no theme:")
        lines += _code_lines(data["codes"], "  ")
    if not lines:
        lines = ["The codebook is empty: load one with --starter or --load FILE."]
    if export_to:
        lines.append(f"Wrote {export_to}")
    _emit(as_json, data, "\n".join(lines))


def _code_lines(codes, indent):
    out = []
    for c in codes:
        out.append(f"{indent}{c['name']}" + (f": {c['definition']}" if c.get("definition") else ""))
        out += _code_lines(c.get("children", []), indent + "  ")
    return out


@interviews.command("topic-guide")
@PROJECT
@click.option("--starter", is_flag=True, help="Load the starter topic guide.")
@click.option(
    "--load", type=click.Path(dir_okay=False, path_type=Path), help="Load a topic guide (YAML)."
)
@JSON
def topic_guide_cmd(project, starter, load, as_json):
    """Show the topic guide, or load the starter or your own (YAML)."""
    from readiness.interviews.ingest import load_topic_guide

    p = store.load(project)
    if starter or load:
        p.topic_guide = load_topic_guide(load)
        p.log("load-topic-guide", None, title=p.topic_guide.title)
        store.save(p, project)
    g = p.topic_guide
    if g is None:
        _emit(as_json, None, "No topic guide: load one with --starter or --load FILE.")
        return
    lines = [g.title]
    for k, s in enumerate(g.sections, 1):
        lines.append(f"{k}. {s.title}")
        lines += [f"   - {q}" for q in s.questions]
        lines += [f"     (prompts: {q})" for q in s.prompts]
    _emit(as_json, g, "\n".join(lines))


# ---------------------------------------------------------------------------------------------
# pseudonymisation
# ---------------------------------------------------------------------------------------------


@interviews.command("pseudonymise")
@PROJECT
@click.option(
    "--key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV file real,pseudonym kept OUTSIDE the project folder.",
)
@click.option("--source", "sources", multiple=True, help="Only this transcript (repeatable).")
@click.option(
    "--out",
    "proposals_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the proposals to this CSV file (outside the project) to mark accept/reject.",
)
@click.option(
    "--proposals",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Apply the decisions marked in this proposals file.",
)
@click.option("--accept-all", is_flag=True, help="Accept every proposal.")
@click.option(
    "--accept-preset",
    is_flag=True,
    help="Accept the proposals pre-set to be replaced (suggested: replace); keep the others.",
)
@click.option(
    "--accept",
    multiple=True,
    help="Accept the proposal with this id (repeatable); the others are rejected.",
)
@click.option("--reviewer", help="Your name, recorded as the reviewer.")
@JSON
def pseudonymise_cmd(
    project,
    key,
    sources,
    proposals_out,
    proposals,
    accept_all,
    accept_preset,
    accept,
    reviewer,
    as_json,
):
    """Propose replacements for names and identifiers, then apply the ones accepted.

    Without --accept-preset, --accept-all, --accept or --proposals, this only lists the
    proposals (and with --out writes them to a CSV file to review); nothing changes.  Each proposal says why it
    was made; those marked "check" (a key name that is also an ordinary word, a name or place
    found by the shipped lists) are suggestions that --accept-preset keeps.  Applying replaces
    the accepted text, moves every coding with it, and marks the transcripts as pseudonymised.
    """
    key_obj = ps.load_key(key, project_folder=project) if key else None
    p = store.load(project)
    fresh = ps.propose(p, key_obj, sources=list(sources) or None)
    deciding = accept_all or accept_preset or accept or proposals
    if proposals_out and deciding:
        raise click.UsageError(
            "--out writes proposals to review; do not combine it with decisions."
        )
    if not deciding:
        if proposals_out:
            ps.write_proposals(fresh, proposals_out, project_folder=project)
        rows = [
            [x.id, x.kind, x.target, x.line or "", x.original, x.replacement]
            + ["replace" if x.preset else "check", x.reason]
            for x in fresh
        ]
        head = ["id", "kind", "in", "line", "found", "replace with", "suggested", "why"]
        text = _table(head, rows) if rows else "No proposals: nothing found to replace."
        text += f"\n{len(fresh)} proposal(s). " + (
            f"Wrote {proposals_out}; mark each accept or reject, then run with --proposals."
            if proposals_out
            else "Apply with --accept-preset, --accept-all, --accept ID or --proposals FILE."
        )
        _emit(as_json, {"proposals": fresh, "applied": False}, text)
        return
    if proposals:
        decided = ps.read_proposals(proposals, fresh)
    else:
        decided = ps.decide(
            fresh, accept=list(accept), accept_all=accept_all, accept_preset=accept_preset
        )
    summary = ps.apply(p, decided, reviewer=reviewer, sources=list(sources) or None)
    store.save(p, project)
    acc = sum(summary["accepted"].values())
    rej = sum(summary["rejected"].values())
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(summary["accepted"].items())) or "none"
    _emit(
        as_json,
        {"applied": True, **summary},
        f"Replaced {acc} ({kinds}); kept {rej}. {summary['transcripts']} transcript(s) marked "
        "as pseudonymised.",
    )


# ---------------------------------------------------------------------------------------------
# coding and memos
# ---------------------------------------------------------------------------------------------


def _read_codings_file(path: Path) -> list[dict]:
    from readiness.interviews.transcripts import decode

    rows = list(csv.DictReader(io.StringIO(decode(path.read_bytes(), file=str(path)))))
    if not rows:
        raise fail(
            "has no codings.",
            fix="columns: source,start,end,code[,coder][,memo] or source,text,code",
            file=str(path),
        )
    return rows


# long: one command: codings from a file or options, all checked, then added
@interviews.command("code")
@PROJECT
@click.option("--coder", required=True, help="Who is coding (recorded with every coding).")
@click.option(
    "--file",
    "codings_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV of codings: source,start,end,code (or source,text,code), optional coder, memo.",
)
@click.option("--source", help="Transcript to code.")
@click.option("--start", type=int, help="First character (0-based).")
@click.option("--end", type=int, help="Character after the last.")
@click.option("--text", "words", help="Code these exact words (instead of --start/--end).")
@click.option(
    "--occurrence", type=int, default=1, show_default=True, help="Which occurrence of --text."
)
@click.option(
    "--code", "codes", multiple=True, help="Code(s) to apply (name or Parent/Child path)."
)
@click.option("--new-code", is_flag=True, help="Create the code if it does not exist (in-vivo).")
@click.option("--memo", help="A memo on the new coding(s).")
@click.option("--remove", multiple=True, help="Delete the coding with this id (repeatable).")
@JSON
def code_cmd(  # noqa: C901 - one command's options checked before any coding is added
    project,
    coder,
    codings_file,
    source,
    start,
    end,
    words,
    occurrence,
    codes,
    new_code,
    memo,
    remove,
    as_json,
):
    """Apply codes to spans of transcripts (or delete codings), without the browser.

    All codings are checked first; if any is wrong none is added.
    """
    p = store.load(project)
    todo: list[tuple[int | None, dict]] = []
    if codings_file:
        for number, line in enumerate(_read_codings_file(codings_file), start=2):
            todo.append((number, line))
    if source:
        for c in codes or ():
            todo.append(
                (
                    None,
                    {
                        "source": source,
                        "start": start,
                        "end": end,
                        "text": words,
                        "code": c,
                        "memo": memo,
                    },
                )
            )
        if not codes:
            raise click.UsageError("give --code with --source.")
    if not todo and not remove:
        raise click.UsageError("give --file, or --source with --code, or --remove.")
    problems: list[Problem] = []
    planned = []
    file = str(codings_file) if codings_file else None
    for n, row in todo:
        try:
            t = p.source((row.get("source") or "").strip())
            text = (row.get("text") or "") if row.get("text") not in (None, "") else None
            if text is not None:
                k = int(row.get("occurrence") or occurrence)
                pos = -1
                for _ in range(k):
                    pos = t.text.find(text, pos + 1)
                    if pos < 0:
                        break
                if pos < 0:
                    raise fail(
                        f"{text!r} (occurrence {k}) is not in transcript {t.name!r}.",
                        fix="copy the words exactly as they are in the transcript.",
                    )
                s, e = pos, pos + len(text)
            else:
                if row.get("start") in (None, "") or row.get("end") in (None, ""):
                    raise fail(
                        "needs start and end, or text.", fix="give --start and --end, or --text."
                    )
                s, e = int(row["start"]), int(row["end"])
            code_ref = (row.get("code") or "").strip()
            if p.find_code(code_ref) is None:
                if not new_code:
                    p.code(code_ref)  # raises the clear error
                p.add_code(
                    code_ref.split("/")[-1], parent="/".join(code_ref.split("/")[:-1]) or None
                )
            planned.append(
                (t.id, s, e, code_ref, (row.get("coder") or coder).strip(), row.get("memo"))
            )
        except InterviewError as err:
            for pr in err.problems:
                problems.append(
                    Problem(pr.message, fix=pr.fix, file=file, line=n, column=pr.column)
                )
        except ValueError as err:
            problems.append(
                Problem(f"start and end must be whole numbers ({err}).", file=file, line=n)
            )
    if problems:
        raise InterviewError(problems, file=file)
    added = []
    backup = dict(p.codings)
    try:
        for sid, s, e, code_ref, who, m in planned:
            c = p.add_coding(sid, s, e, code_ref, who)
            added.append(c)
            if m:
                p.add_memo(m, target="coding", target_id=c.id, author=who)
        for rid in remove:
            p.remove_coding(rid)
    except InterviewError:
        p.codings = backup
        raise
    p.log("code", coder, added=len(added), removed=len(remove))
    store.save(p, project)
    data: list[dict[str, Any]] = [
        {
            "id": c.id,
            "source": p.sources[c.source].name,
            "start": c.start,
            "end": c.end,
            "code": p.code_path(c.code),
            "text": p.sources[c.source].text[c.start : c.end],
        }
        for c in added
    ]
    lines = [
        f"{d['id']}  {d['code']}  {d['source']} {d['start']}-{d['end']}: {d['text'][:60]!r}"
        for d in data
    ]
    if remove:
        lines.append(f"Deleted {len(remove)} coding(s).")
    _emit(as_json, {"added": data, "removed": list(remove)}, "\n".join(lines) or "Nothing to do.")


@interviews.command("memo")
@PROJECT
@click.argument("text")
@click.option(
    "--on",
    "target",
    type=click.Choice(["project", "source", "code", "coding"]),
    default="project",
    show_default=True,
    help="What the memo is about.",
)
@click.option("--target", "target_id", help="The transcript, code or coding id it is about.")
@click.option("--title", default="", help="A title.")
@click.option("--author", help="Who wrote it.")
def memo_cmd(project, text, target, target_id, title, author):
    """Add a memo on the project, a transcript, a code or a coding."""
    p = store.load(project)
    if target != "project" and not target_id:
        raise click.UsageError(f"give --target with --on {target}.")
    m = p.add_memo(text, target=target, target_id=target_id, title=title, author=author)
    store.save(p, project)
    click.echo(f"Added memo {m.id} on the {target}.")


# ---------------------------------------------------------------------------------------------
# outputs
# ---------------------------------------------------------------------------------------------


@interviews.command("code-stats")
@PROJECT
@click.option("--include-children", is_flag=True, help="Count codes below each code with it.")
@JSON
def code_stats_cmd(project, include_children, as_json):
    """Codings, participants, transcripts and coders for each code."""
    from readiness.interviews.outputs import code_stats

    st = code_stats(store.load(project), include_children=include_children)
    rows = [[c.code, c.codings, c.participants, c.transcripts, c.coders] for c in st.codes]
    text = _table(["code", "codings", "participants", "transcripts", "coders"], rows)
    text += f"\n{st.n_codings} codings; {st.n_participants} participants; {st.n_transcripts} transcripts."
    _emit(as_json, st, text)


@interviews.command("segments")
@PROJECT
@click.argument("code", required=False)
@click.option("--theme", help="All codes of this theme.")
@click.option("--where", multiple=True, help="Only participants with ATTRIBUTE=VALUE (repeatable).")
@click.option("--coder", "coders", multiple=True, help="Only this coder's codings (repeatable).")
@click.option("--no-children", is_flag=True, help="Leave out codes below CODE.")
@click.option("--reason", help="Why what is not yet reviewed may be shown (logged).")
@click.option("--user", help="Your name, for the audit log.")
@JSON
def segments_cmd(project, code, theme, where, coders, no_children, reason, user, as_json):
    """Every passage coded with CODE (or a --theme), with who said it.

    The passages leave the project (printed, or piped to a file), so, like the exports, they
    are refused while anything has not been reviewed for pseudonymisation, unless --reason."""
    from readiness.interviews.model import format_time
    from readiness.interviews.outputs import segments

    if not code and not theme:
        raise click.UsageError("give a CODE or --theme.")
    p = store.load(project)
    ps.check_export(p, reason=reason, user=user, export="segments")
    _save_audit(p, project)
    segs = segments(
        p,
        code,
        theme=theme,
        include_children=not no_children,
        where=_where(where),
        coders=list(coders) or None,
    )
    lines = []
    for s in segs:
        attrs = ", ".join(str(v) for v in s.attributes.values())
        at = f" at {format_time(s.time)}" if s.time is not None else ""
        lines.append(
            f"{s.participant} ({attrs}) {s.source}, line {s.line}{at} [{s.code}; {s.coder}]"
        )
        lines.append(f"  “{s.text}”")
        for m in s.memos:
            lines.append(f"  memo: {m}")
    lines.append(f"{len(segs)} segment(s).")
    _emit(as_json, segs, "\n".join(lines))


@interviews.command("search")
@PROJECT
@click.argument("query")
@click.option("--regex", is_flag=True, help="QUERY is a regular expression.")
@click.option("--case-sensitive", is_flag=True, help="Match upper and lower case exactly.")
@click.option("--whole-word", is_flag=True, help="Match whole words only.")
@click.option("--limit", type=int, default=200, show_default=True, help="At most this many hits.")
@JSON
def search_cmd(project, query, regex, case_sensitive, whole_word, limit, as_json):
    """Search every transcript; offsets can be given to `code`."""
    from readiness.interviews.outputs import search

    hits = search(
        store.load(project),
        query,
        regex=regex,
        case_sensitive=case_sensitive,
        whole_word=whole_word,
        limit=limit,
    )
    lines = [
        f"{h.source} line {h.line} ({h.speaker or '-'}) {h.start}-{h.end}: {h.context}"
        for h in hits
    ]
    lines.append(f"{len(hits)} hit(s).")
    _emit(as_json, hits, "\n".join(lines))


@interviews.command("matrix")
@PROJECT
@click.option("--attribute", help="Code by this participant attribute (number of participants).")
@click.option(
    "--cooccurrence", is_flag=True, help="Code by code: participants where codings overlap."
)
@click.option("--code", "codes", multiple=True, help="Only these codes (repeatable).")
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Also write .csv or .xlsx."
)
@click.option(
    "--suppress-below",
    type=int,
    default=None,
    help="Hide counts from 1 to K-1 (default 5 when writing --output, else 0).",
)
@click.option("--reason", help="Why what is not yet reviewed may be written (logged).")
@click.option("--user", help="Your name, for the audit log.")
@JSON
def matrix_cmd(
    project, attribute, cooccurrence, codes, output, suppress_below, reason, user, as_json
):
    """A code by attribute matrix, or code co-occurrence, counting participants."""
    from readiness.interviews.documents import write_table
    from readiness.interviews.outputs import AttributeMatrix, Cooccurrence, attribute_matrix
    from readiness.interviews.outputs import cooccurrence as co

    if bool(attribute) == bool(cooccurrence):
        raise click.UsageError("give either --attribute NAME or --cooccurrence.")
    p = store.load(project)
    k = suppress_below if suppress_below is not None else (5 if output else 0)
    m: AttributeMatrix | Cooccurrence
    if attribute:
        m = attribute_matrix(p, attribute, codes=list(codes) or None, suppress_below=k)
        rows = [
            [c, *[f"<{k}" if v is None else v for v in vals]]
            for c, vals in zip(m.codes, m.counts, strict=True)
        ]
        rows.append(["(participants)", *m.totals])
        text = _table(["code", *m.values], rows)
        text += f"\nNumber of participants with each code, by {attribute} (n = {m.n})."
    else:
        m = co(p, codes=list(codes) or None)
        short = [str(j + 1) for j in range(len(m.codes))]
        rows = [
            [f"{j + 1} {c}", *r]
            for j, (c, r) in enumerate(zip(m.codes, m.participants, strict=True))
        ]
        text = _table(["code", *short], rows)
        text += (
            "\nParticipants in whose transcripts the two codes overlap (diagonal: with the code)."
        )
    if output:
        ps.check_export(p, reason=reason, user=user, export=f"matrix {output.name}")
        write_table(m, output)
        _save_audit(p, project)
        text += f"\nWrote {output}" + (f" (counts below {k} suppressed)" if k and attribute else "")
    _emit(as_json, m, text)


def _save_audit(p, project):
    if p.audit:
        store.save(p, project)


@interviews.command("framework")
@PROJECT
@click.option("--by", type=click.Choice(["theme", "code"]), default="theme", show_default=True)
@click.option("--column", "columns", multiple=True, help="Only these themes or codes (repeatable).")
@click.option("--where", multiple=True, help="Only participants with ATTRIBUTE=VALUE (repeatable).")
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write .xlsx or .docx."
)
@click.option("--reason", help="Why transcripts not yet pseudonymised may be written (logged).")
@click.option("--user", help="Your name, for the audit log.")
@JSON
def framework_cmd(project, by, columns, where, output, reason, user, as_json):
    """The framework matrix: participants by themes (or codes); memos as summaries, quotes."""
    from readiness.interviews.documents import write_framework_docx, write_framework_xlsx
    from readiness.interviews.outputs import framework_matrix

    p = store.load(project)
    fm = framework_matrix(p, by=by, columns=list(columns) or None, where=_where(where))
    if output:
        suffix = output.suffix.lower()
        if suffix not in (".xlsx", ".docx"):
            raise fail(
                f"cannot write a framework matrix as {suffix!r}.",
                fix="use .xlsx or .docx.",
                file=str(output),
            )
        ps.check_export(p, reason=reason, user=user, export=f"framework {output.name}")
        (write_framework_xlsx if suffix == ".xlsx" else write_framework_docx)(fm, output)
        p.log("write-framework", user, file=output.name)
        _save_audit(p, project)
    rows = [
        [n, *[c.n_codings or "" for c in row]]
        for n, row in zip(fm.participants, fm.cells, strict=True)
    ]
    text = _table(["participant", *fm.columns], rows)
    text += f"\nCoded passages per participant and {by}."
    if output:
        text += f"\nWrote {output}"
    _emit(as_json, fm, text)


@interviews.command("agreement")
@PROJECT
@click.option(
    "--coder", "coders", multiple=True, help="Compare these coders (repeatable; default all)."
)
@click.option(
    "--unit",
    type=click.Choice(["turn", "character"]),
    default="turn",
    show_default=True,
    help="The unit each coder judges coded or not.",
)
@click.option("--code", "codes", multiple=True, help="Only these codes (repeatable).")
@click.option(
    "--skip-speaker", multiple=True, help="Also leave out turns of this speaker (repeatable)."
)
@click.option(
    "--include-interviewer",
    is_flag=True,
    help="Keep the interviewer's turns (Interviewer, Int, I, Q, Researcher...), which are "
    "left out by default.",
)
@click.option(
    "--disagreements",
    "show",
    type=int,
    default=10,
    show_default=True,
    help="List this many disagreements (0 for none).",
)
@JSON
def agreement_cmd(project, coders, unit, codes, skip_speaker, include_interviewer, show, as_json):
    """Agreement between coders: percent, Cohen's kappa (two coders), Krippendorff's alpha.

    For designs that call for it; reflexive thematic analysis does not use agreement.
    """
    from readiness.interviews.agreement import agreement

    res = agreement(
        store.load(project),
        list(coders) or None,
        unit=unit,
        codes=list(codes) or None,
        skip_speakers=list(skip_speaker) or None,
        include_interviewer=include_interviewer,
    )
    rows = [
        [c.code, c.n, _pct(c.percent_agreement), _pct(c.kappa), _pct(c.alpha)] for c in res.codes
    ]
    o = res.overall
    rows.append([o.code, o.n, _pct(o.percent_agreement), _pct(o.kappa), _pct(o.alpha)])
    text = f"Coders: {', '.join(res.coders)}. {res.note}\n"
    text += _table(["code", f"{unit}s", "agreement", "kappa", "alpha"], rows)
    if show and res.disagreements:
        text += f"\n\nDisagreements ({len(res.disagreements)}; first {min(show, len(res.disagreements))}):"
        for d in res.disagreements[:show]:
            excerpt = d.text.replace("\n", " ")[:80]
            text += (
                f"\n  {d.source} line {d.line} [{d.code}] coded by {', '.join(d.coded_by)}, "
                f"not by {', '.join(d.not_coded_by)}: {excerpt!r}"
            )
    _emit(as_json, res, text)


@interviews.command("resolve")
@PROJECT
@click.option("--source", required=True, help="The disagreement's transcript (name or GUID).")
@click.option("--code", required=True, help="Its code (Parent/Child path, name or GUID).")
@click.option("--start", type=int, required=True, help="Its first character, as listed.")
@click.option("--end", type=int, required=True, help="The character after its last, as listed.")
@click.option(
    "--action",
    type=click.Choice(["add", "remove"]),
    required=True,
    help="add: those who did not code the passage get a copy of the others' codings, clipped "
    "to it; remove: the passage is taken out of the codings of those who coded it.",
)
@click.option("--coder", "coders", multiple=True, help="The coders compared (as in agreement).")
@click.option("--unit", type=click.Choice(["turn", "character"]), default="turn", show_default=True)
@click.option("--skip-speaker", multiple=True, help="Turns left out (as in agreement).")
@click.option("--include-interviewer", is_flag=True, help="As in agreement.")
@click.option(
    "--for", "only", multiple=True, help="Change only these coders' codings (repeatable)."
)
@click.option("--user", help="Your name, for the audit log.")
@JSON
def resolve_cmd(project, source, code, start, end, action, coders, unit, skip_speaker,
                include_interviewer, only, user, as_json):  # fmt: skip
    """Resolve one disagreement that agreement lists (its --json gives start and end).

    Compare the same coders, unit and speakers as the agreement that listed it, so that the
    same disagreement is found.  The resolution is logged in the project's audit log.
    """
    from readiness.interviews.adjudicate import resolve

    p = store.load(project)
    done = resolve(p, source=source, code=code, start=start, end=end, action=action,
                   coders=list(coders) or None, unit=unit,
                   skip_speakers=list(skip_speaker) or None,
                   include_interviewer=include_interviewer, only=list(only) or None,
                   user=user)  # fmt: skip
    store.save(p, project)
    d = done.disagreement
    verb = "coded by" if action == "add" else "taken out of the codings of"
    text = (
        f"{d.source} line {d.line} [{d.code}]: now {verb} {', '.join(done.coders)} "
        f"({done.changed} coding(s) changed)."
    )
    _emit(as_json, done, text)


@interviews.command("report")
@PROJECT
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--group-by",
    default="professional_group",
    show_default=True,
    help="Count participants per theme by this attribute.",
)
@click.option(
    "--attribute",
    "attribution",
    multiple=True,
    help="Attributes after the participant in quote attributions (default: profession, nation).",
)
@click.option("--quotes", type=int, default=3, show_default=True, help="Exemplar quotes per theme.")
@click.option(
    "--suppress-below",
    type=int,
    default=0,
    show_default=True,
    help="Hide group counts from 1 to K-1.",
)
@click.option("--title", help="Report title.")
@click.option("--reason", help="Why transcripts not yet pseudonymised may be quoted (logged).")
@click.option("--user", help="Your name, for the audit log.")
def report_cmd(project, output, group_by, attribution, quotes, suppress_below, title, reason, user):
    """Theme report (.html or .docx): themes, codes, participants by group, attributed quotes."""
    from readiness.interviews.documents import write_theme_report_docx, write_theme_report_html
    from readiness.interviews.outputs import theme_report

    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".docx"):
        raise fail(
            f"cannot write a report as {suffix!r}.", fix="use .html or .docx.", file=str(output)
        )
    p = store.load(project)
    ps.check_export(p, reason=reason, user=user, export=f"report {output.name}")
    rep = theme_report(
        p,
        group_by=group_by,
        attribution_keys=tuple(attribution) or ("profession", "nation"),
        quotes_per_theme=quotes,
        suppress_below=suppress_below,
        title=title,
    )
    (write_theme_report_docx if suffix == ".docx" else write_theme_report_html)(rep, output)
    p.log("write-report", user, file=output.name)
    _save_audit(p, project)
    click.echo(f"Wrote {output}: {len(rep.themes)} themes, {rep.n} participants.")


@interviews.command("export")
@PROJECT
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--reason", help="Why transcripts not yet pseudonymised may be exported (logged).")
@click.option("--user", help="Your name, for the audit log.")
def export_cmd(project, output, reason, user):
    """Export to REFI-QDA: a project (.qdpx) or the codebook alone (.qdc)."""
    from readiness.interviews import refi

    p = store.load(project)
    suffix = output.suffix.lower()
    if suffix == ".qdc":
        ps.check_export(
            p,
            reason=reason,
            user=user,
            export=f"codebook {output.name}",
            kinds=ps.CODEBOOK_KINDS,
        )
        refi.write_qdc(p, output)
        _save_audit(p, project)
        click.echo(f"Wrote codebook {output}: {len(p.codes)} codes.")
        return
    if suffix != ".qdpx":
        raise fail(
            f"cannot export as {suffix!r}.",
            fix="use .qdpx (project) or .qdc (codebook).",
            file=str(output),
        )
    refi.write_qdpx(p, output, reason=reason, user=user)
    store.save(p, project)
    click.echo(
        f"Wrote {output}: {len(p.sources)} transcripts, {len(p.codes)} codes, "
        f"{len(p.codings)} codings, {len(p.memos)} memos, {len(p.participants)} cases."
    )
    for loss in refi.qdpx_losses(p):
        click.echo(f"Not written: {loss}")


@interviews.command("import-qdpx")
@click.argument("qdpx", type=click.Path(dir_okay=False, path_type=Path))
@PROJECT
@click.option(
    "--positions",
    type=click.Choice(["auto", "code-points", "utf-16"]),
    default="auto",
    show_default=True,
    help="What the other tool counted positions in: Unicode code points, or UTF-16 code units "
    "(NVivo; an emoji counts two).  auto: worked out for each transcript and reported with "
    "how sure it is.",
)
@click.option(
    "--line-endings",
    type=click.Choice(["auto", "as-is", "lf", "utf16", "utf16-lf"]),
    default="auto",
    show_default=True,
    help="How the other tool counted a Windows line ending: as-is (CR LF as two), lf (as one); "
    "utf16 and utf16-lf also set --positions utf-16.  auto: worked out for each transcript.",
)
@click.option("--encoding", help="Encoding of the sources if not UTF-8.")
@click.option("--name", help="Project name (default: the one in the file).")
@click.option(
    "--allow-external-sources",
    "external",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Also read sources that the file points to outside itself (file://, relative:// or a "
    "path), but only from inside this folder: a relative path from the folder, an absolute "
    "one (file:///C:/..., /home/...) looked up by file name inside the folder.  Without it only "
    "sources inside the .qdpx file are read; the others are left out with a warning.",
)
@JSON
def import_qdpx_cmd(qdpx, project, positions, line_endings, encoding, name, external, as_json):
    """Import a REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA, QualCoder or Readiness
    into a new project folder PROJECT.  Transcripts come in not marked as pseudonymised.

    Only sources stored inside the .qdpx file are read, unless --allow-external-sources
    names the folder that holds the others."""
    from readiness.interviews import refi

    if store.is_project(project) or (project.exists() and any(project.iterdir())):
        raise fail(
            "the folder exists and is not empty.",
            fix="give a new folder for the imported project.",
            file=str(project),
        )
    p, report = refi.read_qdpx(
        qdpx,
        line_endings=line_endings,
        positions=positions,
        encoding=encoding,
        name=name,
        external_sources=external,
    )
    store.save(p, project)
    text = f"Imported {qdpx.name} into {project}: " + ", ".join(
        f"{v} {k}" for k, v in report.counts.items()
    )
    for w in report.warnings:
        text += f"\n  warning: {w}"
    for source, choice in report.positions.items():
        if choice.depends or choice.given or choice.convention != "as-is":
            text += f"\n  positions in {source}: {choice.describe()}"
    _emit(
        as_json,
        {
            "counts": report.counts,
            "warnings": report.warnings,
            "conventions": report.conventions,
            "positions": report.positions,
            "origin": report.origin,
        },
        text,
    )


@interviews.command("audit")
@PROJECT
@JSON
def audit_cmd(project, as_json):
    """Show the project's audit log (imports, pseudonymisation, export overrides)."""
    entries = store.read_audit(project)
    lines = [
        f"{e.time}  {e.action:<20} {e.user or '-':<12} {json.dumps(e.details, ensure_ascii=False)}"
        for e in entries
    ]
    _emit(as_json, entries, "\n".join(lines) or "The audit log is empty.")
