"""Search, framework matrix, theme report, agreement and downloads: the core's, on the
project as the person may see it, plus the export gate and the resolution of disagreements
(the core's rule, :mod:`readiness.interviews.adjudicate`, with who may resolve for whom).

Every download goes through the core's gate
(:func:`~readiness.interviews.pseudonymise.check_export`): refused while anything in it (a
transcript, a participant, a memo, a code...) has not been reviewed for pseudonymisation as it
is now, unless a reason is given, and then logged in the project's audit log and, when the
application has one, the application's audit log (:mod:`readiness.web.audit`).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import transaction

from readiness.interviews import adjudicate, outputs
from readiness.interviews import pseudonymise as ps
from readiness.interviews.agreement import agreement as core_agreement
from readiness.interviews.errors import fail
from readiness.interviews.model import Project
from readiness.web.interviews import convert, services
from readiness.web.interviews import models as m
from readiness.web.interviews import permissions as perm


def search(project, access, query: str, *, whole_word=False, case_sensitive=False, regex=False):
    """The core's search on the transcripts this person may see: (rows, transcripts searched),
    each row the hit, its transcript's GUID and the words before, of and after it."""
    core = services.core_for(project, access, codings=False, memos=False)
    hits = outputs.search(
        core,
        query,
        whole_word=whole_word,
        case_sensitive=case_sensitive,
        regex=regex,
        limit=500,
    )
    guids = guid_by_name(core)
    rows = []
    for h in hits:
        text = core.sources[guids[h.source]].text
        rows.append(
            {
                "hit": h,
                "guid": guids[h.source],
                "before": _words(text, max(0, h.start - 60), h.start, cut_left=True),
                "match": text[h.start : h.end],
                "after": _words(text, h.end, h.end + 60, cut_left=False),
            }
        )
    return rows, len(core.sources)


def _words(text: str, a: int, b: int, *, cut_left: bool) -> str:
    """``text[a:b]`` on one line, without a word cut in two at the far end."""
    piece = text[a:b]
    if cut_left and a > 0 and not text[a - 1].isspace():
        piece = piece.split(None, 1)[1] if len(piece.split(None, 1)) == 2 else ""
    if not cut_left and b < len(text) and not text[b].isspace():
        piece = piece.rsplit(None, 1)[0] if len(piece.rsplit(None, 1)) == 2 else ""
    return piece.replace("\n", " ")


def guid_by_name(core: Project) -> dict[str, str]:
    return {t.name: t.id for t in core.sources.values()}


# ---------------------------------------------------------------------------------------------
# downloads
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    key: str
    title: str
    suffix: str
    content_type: str
    permission: str
    carries_text: bool  # transcript text: through the export gate
    description: str


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOWNLOADS = {
    d.key: d
    for d in [
        Download(
            "framework-xlsx",
            "Framework matrix (Excel)",
            "xlsx",
            XLSX,
            perm.EXPORT,
            True,
            "Participants by themes, each cell the memos and the coded passages, linked to a "
            "sheet of quotes.",
        ),
        Download(
            "framework-docx",
            "Framework matrix (Word)",
            "docx",
            DOCX,
            perm.EXPORT,
            True,
            "One table per theme.",
        ),
        Download(
            "report-html",
            "Theme report (web page)",
            "html",
            "text/html; charset=utf-8",
            perm.EXPORT,
            True,
            "Themes, codes, participants by professional group and attributed exemplar quotes; "
            "self-contained.",
        ),
        Download(
            "report-docx",
            "Theme report (Word)",
            "docx",
            DOCX,
            perm.EXPORT,
            True,
            "The same report.",
        ),
        Download(
            "codebook-qdc",
            "Codebook (REFI-QDA .qdc)",
            "qdc",
            "application/xml",
            perm.EXPORT,
            False,
            "Codes with their definitions, for NVivo, ATLAS.ti, MAXQDA or QualCoder.",
        ),
        Download(
            "project-qdpx",
            "Whole project (REFI-QDA .qdpx)",
            "qdpx",
            "application/zip",
            perm.EXPORT_PROJECT,
            True,
            "Transcripts, codes, codings, memos, participants and attributes, for another program.",
        ),
        Download(
            "project-zip",
            "Whole project (Readiness project folder, zipped)",
            "zip",
            "application/zip",
            perm.EXPORT_PROJECT,
            True,
            "For the readiness interviews commands, with the audit log.",
        ),
    ]
}


def _web_audit(user, detail: dict) -> None:
    """Record an export in the application's audit log, when the application has one."""
    if not apps.is_installed("readiness.web.audit"):
        return
    from readiness.web import audit

    audit.record(user, getattr(audit, "EXPORT", "export"), detail=detail)


def unpseudonymised(project, access) -> list[str]:
    """What this person's downloads would carry that has not been reviewed for
    pseudonymisation as it is now (transcripts, participants, memos, codes...)."""
    return [f"{u.kind} {u.name}" for u in ps.unreviewed(services.core_for(project, access))]


def download(
    project: m.InterviewProject,
    access: perm.Access,
    key: str,
    *,
    reason: str | None = None,
    by: str = "theme",
) -> tuple[str, bytes, str]:
    """Make a download: (file name, content, content type).

    Raises the core's :class:`~readiness.interviews.errors.InterviewError` when the gate
    refuses (anything the download carries has not been reviewed, and no reason is given).
    """
    from readiness.interviews import refi, store
    from readiness.interviews.documents import (
        write_framework_docx,
        write_framework_xlsx,
        write_theme_report_docx,
        write_theme_report_html,
    )

    d = DOWNLOADS.get(key)
    if d is None:
        raise fail(f"there is no download {key!r}.")
    access.require(d.permission)
    user = access.user.get_username()
    reason = (reason or "").strip() or None
    if reason and not access.has(perm.EXPORT_PROJECT):
        raise PermissionDenied
    name = f"{project.slug}-{key.rsplit('-', 1)[0]}.{d.suffix}"
    with transaction.atomic(), services.private_folder() as folder:
        locked = services._locked(project)
        core = services.core_for(locked, access)
        path = folder / name
        raw: list[str] = []
        if key.startswith("framework"):
            raw = ps.check_export(core, reason=reason, user=user, export=f"framework {name}")
            fm = outputs.framework_matrix(core, by=by)
            (write_framework_xlsx if d.suffix == "xlsx" else write_framework_docx)(fm, path)
            core.log("write-framework", user, file=name)
        elif key.startswith("report"):
            raw = ps.check_export(core, reason=reason, user=user, export=f"report {name}")
            rep = outputs.theme_report(core)
            (write_theme_report_html if d.suffix == "html" else write_theme_report_docx)(rep, path)
            core.log("write-report", user, file=name)
        elif key == "codebook-qdc":
            raw = ps.check_export(
                core, reason=reason, user=user, export=name, kinds=ps.CODEBOOK_KINDS
            )
            refi.write_qdc(core, path)
        elif key == "project-qdpx":
            raw = [u.name for u in ps.unreviewed(core)]
            refi.write_qdpx(core, path, reason=reason, user=user)
        elif key == "project-zip":
            raw = ps.check_export(core, reason=reason, user=user, export=f"project folder {name}")
            core.log("export-folder", user, file=name)
            convert.save_audit(core, locked)
            # The audit log stays behind: it names uploaded files and holds free-text reasons,
            # which no review pseudonymises (and an imported log is not trusted anyway).
            store.save(core, folder / project.slug)
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
                for f in sorted((folder / project.slug).rglob("*")):
                    if f.is_file():
                        z.write(f, str(Path(project.slug) / f.relative_to(folder / project.slug)))
            path.write_bytes(buffer.getvalue())
        data = path.read_bytes()
        convert.save_audit(core, locked)
        detail = {"interview_project": project.slug, "download": key, "file": name}
        if raw:
            detail.update({"override": True, "reason": reason, "not_pseudonymised": len(raw)})
        _web_audit(access.user, detail)
    return name, data, d.content_type


# ---------------------------------------------------------------------------------------------
# agreement
# ---------------------------------------------------------------------------------------------


def agreement(project, access, *, coders=None, unit="turn", skip=None, interviewer=False):
    """The core's agreement on the transcripts this person may see, or None with the reason
    when it cannot be computed (fewer than two coders on the same transcripts).  The
    interviewer's turns are left out unless ``interviewer`` (as the core does)."""
    from readiness.interviews.errors import InterviewError

    core = services.core_for(project, access, memos=False)
    try:
        res = core_agreement(
            core,
            coders or None,
            unit=unit,
            skip_speakers=skip or None,
            include_interviewer=interviewer,
        )
    except InterviewError as err:
        return None, services.problem_texts(err), core
    return res, [], core


def speakers(core: Project) -> list[str]:
    seen: dict[str, None] = {}
    for t in core.sources.values():
        for turn in t.turns:
            if turn.speaker:
                seen[turn.speaker] = None
    return sorted(seen)


def resolve(
    project: m.InterviewProject,
    access: perm.Access,
    *,
    source: str,
    code: str,
    start: int,
    end: int,
    action: str,
    coders=None,
    unit: str = "turn",
    skip=None,
    interviewer: bool = False,
) -> int:
    """Resolve one disagreement that the core lists (same coders, unit and speakers left out),
    by the core's rule (:mod:`readiness.interviews.adjudicate`), on the transcripts this person
    may see.  A lead resolves for anyone; a coder only for themselves.  Returns the number of
    codings added, changed or deleted.
    """
    access.require(perm.CODE)
    with transaction.atomic():
        locked = services._locked(project)
        core = services.core_for(locked, access, memos=False)
        plan = adjudicate.find(core, source=source, code=code, start=start, end=end,
                               action=action, coders=coders, unit=unit, skip_speakers=skip,
                               include_interviewer=interviewer)  # fmt: skip
        targets = plan.coders
        if not access.has(perm.EDIT_ANY):
            me = services.coder_for(locked, access.user)
            targets = [n for n in targets if n == me.name]
            if not targets:
                raise PermissionDenied
        t = core.source(source)
        before = {g: x for g, x in core.codings.items() if x.source == t.id}
        adjudicate.apply(core, plan, targets, user=access.user.get_username())
        n = _write_codings(locked, core, t.id, before)
        convert.save_audit(core, locked)
    return n


def _write_codings(project, core: Project, source_id: str, before: dict) -> int:
    """Write the codings of one transcript that changed in ``core`` since ``before``."""
    after = {g: x for g, x in core.codings.items() if x.source == source_id}
    t = m.Transcript.objects.get(project=project, guid=source_id)
    code_pk = dict(m.Code.objects.filter(project=project).values_list("guid", "pk"))
    coder_pk = dict(m.Coder.objects.filter(project=project).values_list("guid", "pk"))
    gone = [g for g in before if g not in after]
    if gone:
        m.Memo.objects.filter(project=project, target="coding", target_id__in=gone).delete()
        m.Coding.objects.filter(project=project, guid__in=gone).delete()
    pos = services._next_position(m.Coding, project)
    new = [x for g, x in after.items() if g not in before]
    m.Coding.objects.bulk_create(
        [
            m.Coding(
                project=project,
                guid=x.id,
                transcript=t,
                start=x.start,
                end=x.end,
                code_id=code_pk[x.code],
                coder_id=coder_pk.get(x.coder),
                created=x.created,
                selection=x.selection,
                position=pos + k,
            )
            for k, x in enumerate(new)
        ]
    )
    changed = 0
    for g, x in after.items():
        if g in before and (before[g].start, before[g].end) != (x.start, x.end):
            m.Coding.objects.filter(project=project, guid=g).update(start=x.start, end=x.end)
            changed += 1
    return len(gone) + len(new) + changed
