"""Reading import jobs: a user sees their own; an administrator (`jobs.all`) everyone's on the
jobs page."""

from __future__ import annotations

import uuid

from django.db.models import OuterRef, QuerySet, Subquery

from laydown.access.permissions import Principal, is_allowed
from laydown.accounts.models import User
from laydown.jobs.models import ImportJob


def job_of(actor: Principal, job_id: str, kind: str) -> ImportJob | None:
    """The actor's job of this kind with this id, or None (unknown, malformed or another's)."""
    try:
        wanted = uuid.UUID(job_id)
    except ValueError:
        return None
    return ImportJob.objects.filter(pk=wanted, kind=kind, user_id=actor.user_id).first()


def job_progress(job: ImportJob | None) -> dict[str, object]:
    """What a progress bar needs: {"state", "phase", "done", "total"}."""
    if job is None:
        return {"state": "waiting", "phase": "waiting", "done": 0, "total": 0}
    return {"state": job.state, "phase": job.phase, "done": job.done, "total": job.total}


def jobs_visible(actor: Principal) -> QuerySet[ImportJob]:
    """The jobs the actor may list: everyone's for `jobs.all`, else their own; each with its
    user's `username` (None for the operator's, run from the command line). The files and the
    problems are not read."""
    jobs = ImportJob.objects.defer("content", "problems").annotate(
        username=Subquery(User.objects.filter(pk=OuterRef("user_id")).values("username")[:1])
    )
    if is_allowed(actor, "jobs.all"):
        return jobs
    return jobs.filter(user_id=actor.user_id) if actor.user_id is not None else jobs.none()
