"""Reading import jobs: a user sees their own."""

from __future__ import annotations

import uuid

from laydown.access.permissions import Principal
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
