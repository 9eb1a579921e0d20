"""The jobs app's own periodic work: the purge of finished jobs, and of export files."""

from __future__ import annotations

from datetime import time, timedelta

from django.conf import settings

from laydown.jobs import exports, schedule, services


def _purge() -> schedule.Outcome:
    days = settings.LAYDOWN_JOB_RETENTION_DAYS
    jobs, results = services.jobs_purge_finished(older_than=timedelta(days=days))
    return schedule.Outcome(True, f"purged {jobs} import jobs and {results} task results")


schedule.register(
    schedule.Periodic(name="jobs-purge", run=_purge, at=time(3, 30), retry=timedelta(hours=1))
)


def _exports_purge() -> schedule.Outcome:
    days = settings.LAYDOWN_EXPORT_RETENTION_DAYS
    removed = exports.exports_purge(older_than=timedelta(days=days))
    return schedule.Outcome(True, f"removed {removed} export files")


schedule.register(
    schedule.Periodic(
        name="exports-purge", run=_exports_purge, at=time(3, 40), retry=timedelta(hours=1)
    )
)
