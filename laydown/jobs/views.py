"""The jobs page: one's background jobs (an administrator's: everyone's), how far each is and
how it ended, with a link to the job's own page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from laydown.access.permissions import is_allowed
from laydown.access.web import principal_of, requires
from laydown.core import listing
from laydown.jobs import selectors
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
