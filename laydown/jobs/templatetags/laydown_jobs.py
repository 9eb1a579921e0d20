"""The jobs page's cells: a job's kind by its name, the link to a job's own page."""

from __future__ import annotations

from typing import Any

from django import template

from laydown.jobs import present
from laydown.jobs.models import ImportJob

register = template.Library()


@register.filter
def job_kind(name: str) -> str:
    return present.kind_label(name)


@register.simple_tag(takes_context=True)
def job_url(context: template.Context, job: ImportJob) -> str:
    user: Any = context.get("user")
    return present.job_url(job, getattr(user, "pk", None))


@register.simple_tag(takes_context=True)
def export_download_url(context: template.Context, job: ImportJob) -> str:
    user: Any = context.get("user")
    return present.download_url(job, getattr(user, "pk", None))
