"""The jobs app's own periodic work: the purge of finished import jobs."""

from __future__ import annotations

from datetime import time, timedelta

from django.conf import settings

from laydown.jobs import schedule, services


def _purge() -> schedule.Outcome:
    days = settings.LAYDOWN_JOB_RETENTION_DAYS
    jobs, results = services.jobs_purge_finished(older_than=timedelta(days=days))
    return schedule.Outcome(True, f"purged {jobs} import jobs and {results} task results")


schedule.register(
    schedule.Periodic(name="jobs-purge", run=_purge, at=time(3, 30), retry=timedelta(hours=1))
)
