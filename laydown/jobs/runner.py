"""Run an import job: check the whole file, stage the checked rows, write them in batches.

1. **Check** (state `checking`): the file is read and every row checked exactly as the
   importer does in one go. Any problem refuses the file whole (state `refused`, the problems
   kept for the page); nothing is written.
2. **Stage**: the checked rows are kept as JSON (`StagedRow`), numbered, and the file is
   dropped. From here the outcome is decided: every row will be written.
3. **Write** (state `writing`): batches of `kind.batch` rows, each in its own transaction,
   which first moves `rows_written` forward with a conditional UPDATE (taking the write lock
   at once, so a second runner of the same job finds the count moved and stops) and then
   writes the rows through the importer's own write step. Other writers wait at most one
   batch for the log, never for the whole file (issue: a 200,000-row import held one write
   transaction for minutes). A runner killed mid-way loses only the batch it was in; run
   again (`laydown worker` resumes jobs whose heartbeat stopped), it goes on from
   `rows_written`: no row is written twice and none is skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from laydown.access.permissions import Principal
from laydown.core.errors import ValidationError
from laydown.core.imports import ImportRefused, Problem
from laydown.jobs import kinds
from laydown.jobs.models import ImportJob, JobState, StagedRow

MAX_PROBLEMS_KEPT = 1000
STAGE_BATCH = 5000
ActorOf = Callable[[ImportJob], Principal]
Progress = Callable[[str, int, int], None]


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


def _update(job: ImportJob, **fields: Any) -> None:
    """Save `fields` of the job (and its heartbeat) at once, in their own small write."""
    fields["heartbeat_at"] = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def job_run(job_id: uuid.UUID, actor_of: ActorOf, progress: Progress = _no_progress) -> ImportJob:
    """Run (or go on with) the job to its end; return it in its final state."""
    job = ImportJob.objects.get(pk=job_id)
    if job.finished:
        return job
    kind = kinds.get(job.kind)
    _update(job, attempts=job.attempts + 1)
    actor = actor_of(job)
    try:
        if job.state in (JobState.QUEUED, JobState.CHECKING):
            _check_and_stage(job, kind, actor, progress)
        if job.state == JobState.WRITING:
            _write(job, kind, actor, progress)
    except ImportRefused as exc:
        _refuse(job, exc.problems, exc.message)
    except (ValidationError, PermissionDenied) as exc:
        reason = exc.message if isinstance(exc, ValidationError) else str(exc)
        _refuse(job, [Problem(0, "", "", reason)], reason)
    return job


def _check_and_stage(
    job: ImportJob, kind: kinds.ImportKind, actor: Principal, progress: Progress
) -> None:
    StagedRow.objects.filter(job=job).delete()  # a check cut short starts again
    _update(job, state=JobState.CHECKING, phase="check", done=0, total=0)

    def report(phase: str, done: int, total: int) -> None:
        _update(job, phase=phase, done=done, total=total)
        progress(phase, done, total)

    checked = kind.check(actor, job.name, bytes(job.content), report)
    if checked.problems:
        raise ImportRefused(checked.problems)
    entries = [entry for _number, entry in checked.entries]
    for start in range(0, len(entries), STAGE_BATCH):
        StagedRow.objects.bulk_create(
            StagedRow(job=job, number=start + n, payload=kind.dump(entry))
            for n, entry in enumerate(entries[start : start + STAGE_BATCH])
        )
    _update(
        job,
        state=JobState.WRITING,
        phase="import",
        content=b"",
        rows_staged=len(entries),
        done=0,
        total=len(entries),
    )


def _write(job: ImportJob, kind: kinds.ImportKind, actor: Principal, progress: Progress) -> None:
    while job.rows_written < job.rows_staged:
        start = job.rows_written
        rows = StagedRow.objects.filter(job=job, number__gte=start).order_by("number")
        payloads = list(rows.values_list("payload", flat=True)[: kind.batch])
        end = start + len(payloads)
        with transaction.atomic():
            moved = ImportJob.objects.filter(pk=job.pk, rows_written=start).update(
                rows_written=end, done=end, heartbeat_at=timezone.now()
            )
            if not moved:  # another runner of this job went on meanwhile
                job.refresh_from_db()
                return
            part = kind.write(actor, [kind.load(p) for p in payloads])
            job.result = kind.merge(job.result, part) if job.result else part
            ImportJob.objects.filter(pk=job.pk).update(result=job.result)
        job.rows_written = job.done = end
        progress("import", end, job.rows_staged)
    StagedRow.objects.filter(job=job).delete()
    _update(job, state=JobState.DONE, phase="done", done=job.rows_staged)


def _refuse(job: ImportJob, problems: list[Problem], message: str) -> None:
    StagedRow.objects.filter(job=job).delete()
    _update(
        job,
        state=JobState.REFUSED,
        phase="refused",
        content=b"",
        problems=[p.as_dict() for p in problems[:MAX_PROBLEMS_KEPT]],
        problem_count=len(problems),
        message=message,
    )


def job_problems(job: ImportJob) -> list[Problem]:
    """The problems kept for a refused job (the first MAX_PROBLEMS_KEPT)."""
    return [Problem(**p) for p in job.problems]


def job_refusal(job: ImportJob) -> ImportRefused:
    """A refused job as the refusal the importer would have raised."""
    problems = job_problems(job) or [Problem(0, "", "", job.message)]
    return ImportRefused(problems, job.message or None)


def jobs_stalled(after: timedelta) -> list[ImportJob]:
    """Jobs started but silent for longer than `after`: their runner died."""
    cutoff = timezone.now() - after
    started = ImportJob.objects.filter(state__in=[JobState.CHECKING, JobState.WRITING])
    return list(started.filter(heartbeat_at__lt=cutoff))


def job_fail(job: ImportJob, reason: str) -> None:
    """Give up on a job (e.g. after too many attempts); what it wrote stays written."""
    _update(job, state=JobState.FAILED, phase="failed", message=reason)
