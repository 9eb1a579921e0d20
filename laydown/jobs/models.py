"""Background imports: the uploaded file, how far the job is, and the checked rows staged
between checking and writing (see laydown.jobs.runner)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class JobState(models.TextChoices):
    QUEUED = "queued", "queued"
    CHECKING = "checking", "checking"
    WRITING = "writing", "writing"
    DONE = "done", "done"
    REFUSED = "refused", "refused"
    FAILED = "failed", "failed"


FINISHED = (JobState.DONE, JobState.REFUSED, JobState.FAILED)
LANGUAGE = "language"  # in a job's params: the language it was asked in (ImportJob.language)


class ImportJob(models.Model):
    """One import of one file, run by `laydown worker` (or in-process by the CLI).

    The state and the progress live here, so any web process sees them and they survive a
    restart; `rows_written` is updated in the same transaction as each batch it counts.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    kind = models.CharField(max_length=40)
    # The submitting user's id, or null for the operator (the CLI without --as). Not a foreign
    # key: replay empties and rebuilds the users' table under running jobs.
    user_id = models.IntegerField(null=True, blank=True)
    name = models.CharField(max_length=255)
    content = models.BinaryField(default=b"")  # emptied once the rows are staged or refused
    params = models.JSONField(default=dict)  # what the kind needs beside the file (no secret)
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    phase = models.CharField(max_length=10, default="waiting")
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    rows_staged = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict)
    problems = models.JSONField(default=list)  # the first MAX_PROBLEMS_KEPT, as dicts
    problem_count = models.PositiveIntegerField(default=0)
    message = models.TextField(default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="jobs_state_beat")]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def language(self) -> str:
        """The language the job was asked in (kept in its params by the page or command that
        made it): what the job says to its user (its problems, why it failed) is in it."""
        return str(self.params.get(LANGUAGE) or settings.LANGUAGE_CODE)


class StagedRow(models.Model):
    """A checked row waiting to be written: what the importer's write step takes, as JSON."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="staged")
    number = models.PositiveIntegerField()  # 0, 1, 2 ... in the file's order
    payload = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="jobs_staged_row_once")
        ]

    def __str__(self) -> str:
        return f"{self.job_id} #{self.number}"


class ScheduleRun(models.Model):
    """The last run of one piece of periodic work (laydown.jobs.schedule): several workers
    claim a run by moving `started_at` with a conditional update, so only one of them does it."""

    name = models.CharField(max_length=40, primary_key=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(default=True)
    outcome = models.TextField(default="")
    failures = models.PositiveIntegerField(default=0)  # in a row; spaces the next tries out

    def __str__(self) -> str:
        return f"{self.name} ({self.started_at})"


EXPORT = "export"  # the kind of an export job (laydown.jobs.exports): a file made to download
