"""Run an import job: check the whole file, stage the checked rows, write them in batches.

1. **Check** (state `checking`): the file is read and every row checked exactly as the
   importer does in one go. Any problem refuses the file whole (state `refused`, the problems
   kept for the page); nothing is written.
2. **Stage**: the checked rows are kept as JSON (`StagedRow`), numbered, and the file is
   dropped. From here the outcome is decided: every row will be written. A `sealed` kind
   keeps the file and each row encrypted (laydown.jobs.sealing); the file and the staged
   rows are deleted when the job ends, whatever the end (done, refused, failed).
3. **Write** (state `writing`): batches of `kind.batch` rows, each in its own transaction,
   which first moves `rows_written` forward with a conditional UPDATE (taking the write lock
   at once, so a second runner of the same job finds the count moved and stops) and then
   writes the rows through the importer's own write step. Other writers wait at most one
   batch for the log, never for the whole file (issue: a 200,000-row import held one write
   transaction for minutes). A runner killed mid-way loses only the batch it was in; run
   again (`laydown worker` resumes jobs whose heartbeat stopped), it goes on from
   `rows_written`: no row is written twice and none is skipped.

A job runs in the language it was asked in (`ImportJob.language`): its problems, its refusal
and why it failed are for its user. A job that raises (a bug, the database gone) is left to the
resume step as a killed one is: it goes on from its last written batch (a lock or a lost
connection passes), and after its attempts it fails saying so.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation

from laydown.access.permissions import Principal
from laydown.core.errors import ValidationError
from laydown.core.imports import ImportRefused, Problem
from laydown.field import services as field
from laydown.jobs import kinds, sealing
from laydown.jobs.models import LANGUAGE, ImportJob, JobState, StagedRow

MAX_PROBLEMS_KEPT = 1000
REFUSAL_ROW = -1  # the sealed refusal's place among the job's sealed values (rows are 0..n)
STAGE_BATCH = 5000
SUBMISSION = "__submission__"  # an export's row: its submission, beside its own payload
SKIPPED = "skipped"  # an export's rows received before, in the job's result
REGISTERED = "registered"  # rows registered before with the same values (a register's export)
KEPT = (SKIPPED, REGISTERED)  # counts of the check, kept in the result as batches are written
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
    with translation.override(job.language):
        _run(job, actor_of, progress)
    return job


def _run(job: ImportJob, actor_of: ActorOf, progress: Progress) -> None:
    kind = kinds.get(job.kind)
    _update(job, attempts=job.attempts + 1)
    try:
        actor = actor_of(job)
    except PermissionDenied as exc:  # its user is gone or inactive: no run would go further
        job_fail(job, str(exc))
        return
    try:
        if job.state in (JobState.QUEUED, JobState.CHECKING):
            _check_and_stage(job, kind, actor, progress)
        if job.state == JobState.WRITING:
            _write(job, kind, actor, progress)
    except ImportRefused as exc:
        _refuse(job, exc.problems, exc.message, exc.fields)
    except ValidationError as exc:
        _refuse(job, [Problem(0, "", "", exc.message)], exc.message, exc.fields)
    except PermissionDenied as exc:
        _refuse(job, [Problem(0, "", "", str(exc))], str(exc), {})


def _check_and_stage(
    job: ImportJob, kind: kinds.ImportKind, actor: Principal, progress: Progress
) -> None:
    StagedRow.objects.filter(job=job).delete()  # a check cut short starts again
    _update(job, state=JobState.CHECKING, phase="check", done=0, total=0)

    def report(phase: str, done: int, total: int) -> None:
        _update(job, phase=phase, done=done, total=total)
        progress(phase, done, total)

    content = sealing.content_open(kind, job.id, bytes(job.content))
    params = {k: v for k, v in job.params.items() if k != LANGUAGE}  # the kind's own
    checked = kind.check(actor, job.name, content, report, params)
    del content
    if checked.problems:
        raise ImportRefused(checked.problems)
    entries = checked.entries
    for start in range(0, len(entries), STAGE_BATCH):
        StagedRow.objects.bulk_create(
            StagedRow(
                job=job,
                number=start + n,
                payload=sealing.payload_seal(
                    kind, job.id, start + n, _staged(kind, entry, checked.submissions.get(row))
                ),
            )
            for n, (row, entry) in enumerate(entries[start : start + STAGE_BATCH])
        )
    _update(
        job,
        state=JobState.WRITING,
        phase="import",
        content=b"",
        rows_staged=len(entries),
        done=0,
        total=len(entries),
        result={
            k: v for k, v in ((SKIPPED, checked.skipped), (REGISTERED, checked.registered)) if v
        },
    )


def _staged(kind: kinds.ImportKind, entry: Any, received: Any) -> dict[str, Any]:
    """A checked row as kept: the kind's payload and, for an export's row of a kind that
    imports a field form's exports, its submission."""
    payload = dict(kind.dump(entry))
    if received is not None and kind.form:
        payload[SUBMISSION] = dataclasses.asdict(received)
    return payload


def _write(job: ImportJob, kind: kinds.ImportKind, actor: Principal, progress: Progress) -> None:
    while job.rows_written < job.rows_staged:
        start = job.rows_written
        rows = StagedRow.objects.filter(job=job, number__gte=start).order_by("number")
        kept = list(rows.values_list("number", "payload")[: kind.batch])
        payloads = [sealing.payload_open(kind, job.id, n, p) for n, p in kept]
        received = [p.pop(SUBMISSION) for p in payloads if SUBMISSION in p]
        end = start + len(payloads)
        with transaction.atomic():
            moved = ImportJob.objects.filter(pk=job.pk, rows_written=start).update(
                rows_written=end, done=end, heartbeat_at=timezone.now()
            )
            if not moved:  # another runner of this job went on meanwhile
                job.refresh_from_db()
                return
            part = kind.write(actor, [kind.load(p) for p in payloads])
            if received:
                field.submissions_imported(
                    actor=actor, form=kind.form, received=received, job=str(job.id)
                )
            skipped = {k: v for k, v in job.result.items() if k in KEPT}
            before = {k: v for k, v in job.result.items() if k not in KEPT}
            job.result = {**(kind.merge(before, part) if before else part), **skipped}
            ImportJob.objects.filter(pk=job.pk).update(result=job.result)
        job.rows_written = job.done = end
        progress("import", end, job.rows_staged)
    StagedRow.objects.filter(job=job).delete()
    _update(job, state=JobState.DONE, phase="done", done=job.rows_staged)


def _refuse(job: ImportJob, problems: list[Problem], message: str, fields: dict[str, str]) -> None:
    """Keep the refusal for the page; a sealed kind's problems quote cells of personal data,
    so they (and the message, which quotes the first) are kept sealed too."""
    StagedRow.objects.filter(job=job).delete()
    kind = kinds.get(job.kind)
    kept: list[dict[str, object]] = [p.as_dict() for p in problems[:MAX_PROBLEMS_KEPT]]
    if kind.sealed:
        sealed = sealing.payload_seal(
            kind, job.id, REFUSAL_ROW, {"problems": kept, "message": message}
        )
        kept, message = [sealed], ""
    _update(
        job,
        state=JobState.REFUSED,
        phase="refused",
        content=b"",
        result={"fields": dict(fields)},  # the refusal's fields, for the API's error body
        problems=kept,
        problem_count=len(problems),
        message=message,
    )


def _refusal_kept(job: ImportJob) -> tuple[list[dict[str, Any]], str]:
    kind = kinds.get(job.kind)
    if kind.sealed and job.problems:
        opened = sealing.payload_open(kind, job.id, REFUSAL_ROW, job.problems[0])
        return opened["problems"], opened["message"]
    return job.problems, job.message


def job_problems(job: ImportJob) -> list[Problem]:
    """The problems kept for a refused job (the first MAX_PROBLEMS_KEPT)."""
    return [Problem(**p) for p in _refusal_kept(job)[0]]


def job_refusal(job: ImportJob) -> ImportRefused:
    """A refused job as the refusal the importer would have raised."""
    message = _refusal_kept(job)[1]
    problems = job_problems(job) or [Problem(0, "", "", message)]
    return ImportRefused(problems, message or None, fields=job.result.get("fields") or None)


def jobs_stalled(after: timedelta) -> list[ImportJob]:
    """Jobs started but silent for longer than `after`: their runner died."""
    cutoff = timezone.now() - after
    started = ImportJob.objects.filter(state__in=[JobState.CHECKING, JobState.WRITING])
    return list(started.filter(heartbeat_at__lt=cutoff))


def job_fail(job: ImportJob, reason: str) -> None:
    """Give up on a job (e.g. after too many attempts); what it wrote stays written, what it
    kept to write (the file, the staged rows) is dropped."""
    StagedRow.objects.filter(job=job).delete()
    _update(job, state=JobState.FAILED, phase="failed", content=b"", message=reason)
