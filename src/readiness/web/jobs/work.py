"""What the jobs do, given the :class:`~readiness.web.jobs.models.Job` and its
:class:`~readiness.web.jobs.runner.Progress`; each returns the job's summary (JSON)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from django.core.files.base import ContentFile

from readiness.errors import ProblemsError, ReadinessError
from readiness.web.jobs.models import Job
from readiness.web.jobs.runner import Progress

MAX_WARNINGS = 50


def import_responses(job: Job, progress: Progress) -> dict:
    """Import the uploaded response file (:func:`readiness.web.surveys.imports.import_file`:
    all or nothing).  The upload is deleted afterwards, imported or not: it holds answers."""
    from readiness.web.surveys import imports
    from readiness.web.surveys.models import Session

    params = job.params
    session = None
    if params.get("session"):
        session = Session.objects.select_related("site").get(pk=params["session"])
    try:
        result = imports.import_file(
            job.study,
            job.input_file.path,
            session=session,
            actor=job.started_by,
            file_name=params["file_name"],
            zip_limits=imports.xlsx_limits(),
            progress=progress,
        )
    finally:
        job.input_file.delete(save=False)
        Job.objects.filter(pk=job.pk).update(input_file="")
    return {
        "rows": result.rows,
        "file_name": params["file_name"],
        "session": session.code if session else None,
        "warnings": [
            {"message": p.message, "fix": p.fix, "column": p.column}
            for p in result.warnings[:MAX_WARNINGS]
        ],
    }


def evaluation_pdf(job: Job, progress: Progress) -> dict:
    """The board-ready PDF of the study's training evaluation (small cells suppressed), kept
    as the job's file for its starter to download."""
    from readiness.evaluation.report import render_evaluation_html
    from readiness.report.pdf import write_pdf
    from readiness.web.surveys import auditing, waves

    study = job.study
    progress("Computing the evaluation", 0, 3)
    result, error = waves.evaluation_for(study, None, None)
    if result is None:
        raise ReadinessError(error)
    progress("Writing the report", 1, 3)
    html = render_evaluation_html(
        result,
        study.instrument.instrument,
        source={
            "title": f"{study.name}: training evaluation",
            "produced": date.today().isoformat(),
        },
    )
    progress("Making the PDF", 2, 3)
    with tempfile.TemporaryDirectory(prefix="readiness-evaluation-") as folder:
        path = Path(folder) / "evaluation.pdf"
        write_pdf(html, path)
        content = path.read_bytes()
    mark = "-SYNTHETIC" if study.synthetic or result.synthetic else ""
    job.result_name = f"{study.slug}{mark}-evaluation.pdf"
    job.result_file.save(f"{job.pk}.pdf", ContentFile(content), save=False)
    Job.objects.filter(pk=job.pk).update(
        result_file=job.result_file.name, result_name=job.result_name
    )
    auditing.record(
        job.started_by,
        auditing.EXPORT,
        study,
        {"format": "evaluation-pdf", "pairs": result.n, "synthetic": result.synthetic},
    )
    progress("Done", 3, 3)
    return {"pairs": result.n}


STUDY_REPORT_STAGES = ("Reading the responses", "Analysing them", "Writing the report")


def study_report_pdf(job: Job, progress: Progress) -> dict:
    """The study's full report as a PDF (small cells suppressed, as in the HTML), kept as the
    job's file for its starter to download; each stage shown as it begins."""
    from readiness.report.pdf import write_pdf
    from readiness.web.surveys import auditing, studyreport

    study = job.study
    total = len(STUDY_REPORT_STAGES) + 1

    def stage(name: str) -> None:
        progress(name, STUDY_REPORT_STAGES.index(name), total)

    html = studyreport.report_html(study, stage)
    if html is None:
        raise ReadinessError("The study has no responses yet, so there is nothing to report.")
    progress("Making the PDF", total - 1, total)
    with tempfile.TemporaryDirectory(prefix="readiness-report-") as folder:
        path = Path(folder) / "report.pdf"
        write_pdf(html, path)
        content = path.read_bytes()
    mark = "-SYNTHETIC" if study.synthetic else ""
    job.result_name = f"{study.slug}{mark}-report.pdf"
    job.result_file.save(f"{job.pk}.pdf", ContentFile(content), save=False)
    Job.objects.filter(pk=job.pk).update(
        result_file=job.result_file.name, result_name=job.result_name
    )
    auditing.record(job.started_by, auditing.EXPORT, study, {"format": "report-pdf"})
    progress("Done", total, total)
    return {"bytes": len(content)}


def export_responses(job: Job, progress: Progress) -> dict:
    """A study's responses as a file (:func:`readiness.web.surveys.exports.download`), kept
    as the job's file for its starter to download; recorded in the audit log as made."""
    from readiness.web.surveys import exports

    fmt = job.params["format"]
    progress("Writing the export")
    try:
        made = exports.download(job.study, fmt, actor=job.started_by)
    except ProblemsError as err:
        # In words that name no file: the problems name the worker's temporary file.
        raise ReadinessError(exports.failure_message(err)) from None
    job.result_name = made.name
    job.result_file.save(f"{job.pk}-{made.name}", ContentFile(made.content), save=False)
    Job.objects.filter(pk=job.pk).update(result_file=job.result_file.name, result_name=made.name)
    progress("Done", made.rows, made.rows)
    return {"rows": made.rows, "content_type": made.content_type}


def import_interview_project(job: Job, progress: Progress) -> dict:
    """Import the uploaded interview project, led by its starter, who must still be allowed to
    create projects (:func:`readiness.web.interviews.services.import_upload`: all or nothing).
    The upload is deleted afterwards, imported or not: it holds transcripts."""
    from readiness.web.interviews import permissions, services

    params = job.params
    try:
        if not permissions.can_create_projects(job.started_by):
            raise ReadinessError(
                "You may no longer create interview projects, so this one was not imported."
            )
        project, warnings = services.import_upload(
            Path(job.input_file.path),
            params["file_name"],
            job.started_by,
            line_endings=params.get("line_endings") or "auto",
            progress=progress,
        )
    finally:
        job.input_file.delete(save=False)
        Job.objects.filter(pk=job.pk).update(input_file="")
    return {
        "file_name": params["file_name"],
        "project": project.slug,
        "project_name": project.name,
        "transcripts": project.transcripts.count(),
        "warnings": warnings[:MAX_WARNINGS],
        "more_warnings": max(0, len(warnings) - MAX_WARNINGS),
    }
