"""The administrator's checklist, and the set-up workbook's pages."""

from __future__ import annotations

import uuid
from pathlib import Path
from tempfile import TemporaryDirectory

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from laydown.access.web import may_open, principal_of, requires
from laydown.core.imports import ImportRefused
from laydown.core.imports.uploads import upload_content
from laydown.jobs import services as jobs
from laydown.jobs.models import ImportJob, JobState
from laydown.jobs.runner import job_problems, job_refusal
from laydown.jobs.selectors import job_of
from laydown.jobs.web import job_page, progress_answer
from laydown.setup import selectors, workbook, workbook_job

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class WorkbookForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("The filled-in workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    job = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)


@requires("setup.checklist")
def checklist(request: HttpRequest) -> HttpResponse:
    steps = selectors.checklist()
    principal = principal_of(request)
    context = {
        "steps": steps,
        "left": [s for s in steps if s.required and not s.done],
        # A step names its page as a link only for who may open it (places are imported by
        # assistance's roles, not by an administrator): the checklist leads to no 403.
        "linked": {s.key for s in steps if may_open(principal, s.url)},
    }
    return render(request, "setup/checklist.html", context)


# The workbook's columns whose help lists the codes they take (typed as they are, in any language).
CODE_COLUMNS = ("kind", "level", "role")


@requires("setup.workbook")
def workbook_page(request: HttpRequest) -> HttpResponse:
    """Take the workbook and queue it as a job; show its outcome at once if it is over."""
    form = WorkbookForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = jobs.import_submit(
                actor=principal_of(request),
                kind=workbook_job.KIND,
                name=upload.name,
                content=upload_content(upload, workbook.LAYOUTS["sites"]),
                job_id=form.cleaned_data["job"],
            )
        except ImportRefused as exc:
            form.add_error("file", exc.message)
        else:
            return _outcome(request, job, form)
    if not form.is_bound:
        form = WorkbookForm(initial={"job": uuid.uuid4().hex})
    context = {"form": form, "problems": [], "help": workbook.HELP, "code_columns": CODE_COLUMNS}
    return render(request, "setup/workbook.html", context, status=400 if form.errors else 200)


def _outcome(
    request: HttpRequest, job: ImportJob, form: WorkbookForm | None = None
) -> HttpResponse:
    if job.state == JobState.DONE:
        counts = ", ".join(f"{sheet}: {n}" for sheet, n in sorted(job.result.items()) if n)
        messages.success(request, _("The workbook is imported (%(counts)s).") % {"counts": counts})
        return redirect("setup:checklist")
    if job.state == JobState.REFUSED:
        refusal = job_refusal(job)
        form = form or WorkbookForm(initial={"job": uuid.uuid4().hex})
        form.add_error("file", refusal.message)
        context = {"form": form, "problems": job_problems(job), "help": workbook.HELP}
        context["code_columns"] = CODE_COLUMNS
        return render(request, "setup/workbook.html", context, status=400)
    return redirect("setup:workbook_job", job=job.id)


@requires("setup.workbook")
def workbook_job_page(request: HttpRequest, job: str) -> HttpResponse:
    found = job_of(principal_of(request), job, workbook_job.KIND)
    return job_page(request, found, template="setup/workbook_job.html", outcome=_outcome)


@requires("setup.workbook")
def workbook_progress(request: HttpRequest, job: str) -> JsonResponse:
    return progress_answer(job_of(principal_of(request), job, workbook_job.KIND))


@requires("setup.workbook")
def workbook_template(request: HttpRequest) -> HttpResponse:
    with TemporaryDirectory() as folder:
        path = Path(folder) / "laydown-setup.xlsx"
        workbook.workbook_template(path)
        content = path.read_bytes()
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="laydown-setup.xlsx"'
    return response
