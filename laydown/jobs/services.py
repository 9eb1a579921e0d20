"""Submitting an import as a background job, and resuming the jobs whose runner died."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from laydown.access.permissions import Principal
from laydown.jobs import kinds, runner, sealing, tasks
from laydown.jobs.models import EXPORT, FINISHED, LANGUAGE, ImportJob, JobState

MAX_ATTEMPTS = 5
STALLED_AFTER = timedelta(minutes=2)


def import_submit(
    *,
    actor: Principal,
    kind: str,
    name: str,
    content: bytes,
    job_id: str = "",
    params: kinds.Params | None = None,
) -> ImportJob:
    """Keep the file as a job and queue it; return the job (finished already if the task
    backend runs tasks at once). `job_id` is the id the page made for its progress bar. The
    job keeps the language it is asked in (the page's): its problems and why it failed are
    in it when the worker runs it."""
    registered = kinds.get(kind)  # an unknown kind is a bug: fail before anything is kept
    if actor.user_id is None:  # the worker acts as the job's user: it must have one
        raise PermissionDenied(_("Only a signed-in user can send an import to the worker."))
    try:
        wanted = uuid.UUID(job_id) if job_id else uuid.uuid4()
    except ValueError:
        wanted = uuid.uuid4()
    try:
        with transaction.atomic():
            job = _job_create(registered, wanted, actor, name, content, params)
    except IntegrityError:  # the page sent the same id twice (a resubmitted form)
        job = _job_create(registered, uuid.uuid4(), actor, name, content, params)
    tasks.import_job_run.enqueue(str(job.id))
    job.refresh_from_db()
    return job


def _job_create(
    kind: kinds.ImportKind,
    job_id: uuid.UUID,
    actor: Principal,
    name: str,
    content: bytes,
    params: kinds.Params | None = None,
) -> ImportJob:
    kept = sealing.content_seal(kind, job_id, content)
    language = translation.get_language() or settings.LANGUAGE_CODE
    return ImportJob.objects.create(
        id=job_id,
        kind=kind.name,
        user_id=actor.user_id,
        name=name[:255],
        content=kept,
        params={**(params or {}), LANGUAGE: language},
    )


def jobs_resume_stalled(after: timedelta = STALLED_AFTER) -> list[ImportJob]:
    """Queue again the jobs whose runner went silent (killed, machine restarted); give up on
    those tried MAX_ATTEMPTS times. Returns the jobs queued again."""
    resumed = []
    for job in runner.jobs_stalled(after):
        if job.attempts >= MAX_ATTEMPTS:
            # For its user, in the language the job was asked in.
            with translation.override(job.language):
                runner.job_fail(job, _stopped(job.attempts))
            continue
        again = tasks.export_job_run if job.kind == EXPORT else tasks.import_job_run
        again.enqueue(str(job.id))
        resumed.append(job)
    return resumed


def _stopped(attempts: int) -> str:
    return ngettext(
        "The worker stopped after %(n)d attempt: the job never finished.",
        "The worker stopped after %(n)d attempts: the job never finished.",
        attempts,
    ) % {"n": attempts}


def job_run_here(
    *, actor: Principal, kind: str, name: str, content: bytes, progress: runner.Progress
) -> kinds.Result:
    """Run an import in this process (the CLI), the same staged way as the worker: its
    result, or the ImportRefused the importer would raise. A run cut short (Ctrl-C) is a
    stalled job that `laydown worker` goes on with."""
    job = _job_create(kinds.get(kind), uuid.uuid4(), actor, name, content)
    done = runner.job_run(job.id, lambda _job: actor, progress)
    if done.state == JobState.REFUSED:
        raise runner.job_refusal(done)
    result: kinds.Result = done.result
    return result


def jobs_purge_finished(*, older_than: timedelta) -> tuple[int, int]:
    """Delete the import jobs finished (done, refused, failed) longer ago than `older_than`,
    with their staged rows, and the queue's finished task results as old; return how many of
    each. The records an import wrote are in the log: only its operational trace goes."""
    from django.db.models.functions import Coalesce
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - older_than
    old_jobs = ImportJob.objects.alias(last=Coalesce("heartbeat_at", "created_at")).filter(
        state__in=FINISHED, last__lt=cutoff
    )
    jobs, _ = old_jobs.delete()
    results, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return jobs, results
