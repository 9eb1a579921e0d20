"""What the import pages of every app share: a job's own page and its progress answer."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from laydown.jobs.models import ImportJob, JobState
from laydown.jobs.selectors import job_progress

Outcome = Callable[[HttpRequest, ImportJob], HttpResponse]


def job_page(
    request: HttpRequest, found: ImportJob | None, *, template: str, outcome: Outcome
) -> HttpResponse:
    """A queued or running import, followed on `template` until it ends; then `outcome` (the
    app's own: a message and a redirect, or the refusal beside the form). A failed job stays
    on its page, which says why. 404 for a job that is not the caller's."""
    if found is None:
        raise Http404("no such import")
    if found.finished and found.state != JobState.FAILED:
        return outcome(request, found)
    return render(request, template, {"job": found, "progress": job_progress(found)})


def progress_answer(found: ImportJob | None) -> JsonResponse:
    """How far the import is: {"state", "phase", "done", "total"} ("waiting" if unknown)."""
    return JsonResponse(job_progress(found), headers={"Cache-Control": "no-store"})


def skipped_note(request: HttpRequest, job: ImportJob) -> None:
    """Say how many rows of an export a finished job left out as received before."""
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
