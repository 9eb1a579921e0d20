"""The background task that runs an import job (queued by `services.import_submit`, run by
`laydown worker`)."""

from __future__ import annotations

import uuid

from django_tasks import task

from laydown.jobs import runner
from laydown.jobs.actors import job_actor


@task()
def import_job_run(job_id: str) -> str:
    return str(runner.job_run(uuid.UUID(job_id), job_actor).state)


@task()
def export_job_run(job_id: str) -> str:
    from laydown.jobs import exports

    return str(exports.export_run(uuid.UUID(job_id)).state)
