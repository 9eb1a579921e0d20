"""How the jobs page names a job's kind and links to a job's own page (the kind's app gives
both when it registers the kind: laydown.jobs.kinds)."""

from __future__ import annotations

from django.urls import reverse

from laydown.jobs import kinds
from laydown.jobs.models import ImportJob


def kind_label(name: str) -> str:
    kind = kinds.find(name)
    return str(kind.label) if kind is not None and kind.label else name


def job_url(job: ImportJob, user_id: int | None) -> str:
    """The job's own page, for the job's own user only (it is 404 to anybody else)."""
    kind = kinds.find(job.kind)
    if kind is None or not kind.page or user_id is None or job.user_id != user_id:
        return ""
    return reverse(kind.page, kwargs={"job": str(job.id)})
