"""How the jobs page names a job's kind and links to a job's own page (the kind's app gives
both when it registers the kind: laydown.jobs.kinds)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import pgettext

from laydown.jobs import exports, kinds
from laydown.jobs.models import EXPORT, ImportJob


def kind_label(name: str) -> str:
    if name == EXPORT:
        return pgettext("job", "Export")
    kind = kinds.find(name)
    return str(kind.label) if kind is not None and kind.label else name


def job_url(job: ImportJob, user_id: int | None) -> str:
    """The job's own page, for the job's own user only (it is 404 to anybody else)."""
    kind = kinds.find(job.kind)
    if kind is None or not kind.page or user_id is None or job.user_id != user_id:
        return ""
    return reverse(kind.page, kwargs={"job": str(job.id)})


def download_url(job: ImportJob, user_id: int | None) -> str:
    """A finished export's download, for the job's own user while its file is kept."""
    if job.kind != EXPORT or user_id is None or job.user_id != user_id:
        return ""
    if exports.file_path(job) is None:
        return ""
    return reverse("jobs:export_download", kwargs={"job": job.id})
