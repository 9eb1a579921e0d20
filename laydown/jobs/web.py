"""What the import pages of every app share: a job's own page and its progress answer, the
outcome of a finished job (its success message, or the refusal beside a fresh form), and the
download of an empty import file."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext

from laydown.jobs.models import ImportJob, JobState
from laydown.jobs.runner import job_refusal
from laydown.jobs.selectors import job_progress

Outcome = Callable[[HttpRequest, ImportJob], HttpResponse]
TEMPLATE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def job_page(
    request: HttpRequest,
    found: ImportJob | None,
    *,
    template: str,
    outcome: Outcome,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """A queued or running import, followed on `template` until it ends; then `outcome` (the
    app's own: a message and a redirect, or the refusal beside the form). A failed job stays
    on its page, which says why. 404 for a job that is not the caller's."""
    if found is None:
        raise Http404("no such import")
    if found.finished and found.state != JobState.FAILED:
        return outcome(request, found)
    shown = (context or {}) | {"job": found, "progress": job_progress(found)}
    return render(request, template, shown)


def progress_answer(found: ImportJob | None) -> JsonResponse:
    """How far the import is: {"state", "phase", "done", "total"} ("waiting" if unknown)."""
    return JsonResponse(job_progress(found), headers={"Cache-Control": "no-store"})


def skipped_note(request: HttpRequest, job: ImportJob) -> None:
    """Say how many rows a finished job left out: of an export, as received before; of a
    register's own export, as registered before."""
    skipped = int(job.result.get("skipped", 0))
    if skipped:
        messages.info(
            request,
            ngettext(
                "%(n)d row of the export was skipped: its submission was received before.",
                "%(n)d rows of the export were skipped: their submissions were received before.",
                skipped,
            )
            % {"n": skipped},
        )
    registered = int(job.result.get("registered", 0))
    if registered:
        messages.info(
            request,
            ngettext(
                "%(n)d row was left out: it is registered already, with the same values.",
                "%(n)d rows were left out: they are registered already, with the same values.",
                registered,
            )
            % {"n": registered},
        )


def import_outcome(
    request: HttpRequest,
    job: ImportJob,
    form: forms.Form | None,
    *,
    form_class: Callable[..., forms.Form],
    template: str,
    columns: Sequence[str],
    success: Callable[[dict[str, Any]], str],
    done_url: str,
    job_view: str,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """A job's outcome on an import page whose form carries the job's id: done, its `success`
    message (of the job's result) and a redirect to `done_url` (a URL or a view's name);
    refused, the page again with its problems (beside the form that sent the file, or above a
    fresh form on the job's own page); else its own page (`job_view`) to follow it. `context`
    is what the page shows beside (a title, its URLs)."""
    if job.state == JobState.DONE:
        messages.success(request, success(job.result))
        skipped_note(request, job)
        return redirect(done_url)
    if job.state == JobState.REFUSED:
        refusal, above = job_refusal(job), ""
        if form is None:  # the job's own page: a fresh form, the refusal above it
            form, above = form_class(initial={"job": uuid.uuid4().hex}), refusal.message
        else:
            form.add_error("file", refusal.message)
        shown = (context or {}) | {
            "form": form,
            "refusal": above,
            "problems": refusal.problems,
            "problem_count": job.problem_count,
            "columns": columns,
        }
        return render(request, template, shown, status=400)
    return redirect(job_view, job=str(job.id))


def template_download(fmt: str, *, name: str, write: Callable[[Path], None]) -> HttpResponse:
    """An empty import file `name`.`fmt` (csv or xlsx; else 404), written by `write(path)`."""
    if fmt not in TEMPLATE_TYPES:
        raise Http404(fmt)
    with TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.{fmt}"
        write(path)
        content = path.read_bytes()
    response = HttpResponse(content, content_type=TEMPLATE_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
