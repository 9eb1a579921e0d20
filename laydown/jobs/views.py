"""The jobs page: one's background jobs (an administrator's: everyone's), how far each is and
how it ended, with a link to the job's own page."""

from __future__ import annotations

import uuid

from django.http import FileResponse, Http404, HttpRequest, HttpResponse

from laydown.access.permissions import is_allowed
from laydown.access.web import principal_of, requires
from laydown.core import listing
from laydown.jobs import exports, selectors
from laydown.jobs.models import ImportJob
from laydown.jobs.present import kind_label

COLUMNS = (
    "id", "kind", "file", "user", "started", "state", "done", "total", "rows_written",
    "problems", "message",
)  # fmt: skip


def _row(job: ImportJob) -> list[object]:
    return [
        str(job.id),
        kind_label(job.kind),
        job.name,
        getattr(job, "username", None) or "",
        job.created_at.isoformat(),
        job.state,
        job.done,
        job.total,
        job.rows_written,
        job.problem_count,
        job.message,
    ]


@requires("jobs.own")
def job_list(request: HttpRequest) -> HttpResponse:
    actor = principal_of(request)
    return listing.table(
        request,
        "jobs/job_list.html",
        selectors.jobs_visible(actor),
        name="jobs",
        sorts={"started": "created_at", "kind": "kind", "file": "name", "state": "state"},
        default="-started",
        columns=COLUMNS,
        row=_row,
        context={"everyone": is_allowed(actor, "jobs.all")},
    )


@requires("jobs.own")
def export_download(request: HttpRequest, job: uuid.UUID) -> FileResponse:
    """A finished export's file, for the job's own user only (404 to anybody else): it holds
    what that user could see. The export was recorded in the ledger when it was made."""
    found = exports.export_file_of(principal_of(request).user_id, job)
    if found is None:
        raise Http404("no such export")
    done, path = found
    answer = FileResponse(path.open("rb"), as_attachment=True, filename=done.name)
    answer["Cache-Control"] = "private, no-store"
    return answer
