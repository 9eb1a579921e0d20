"""Large exports as background jobs: a list's "export this list" (laydown.core.listing) or a
dataset export of more than LAYDOWN_EXPORT_INLINE_MAX rows is not made inside the web request.
The request keeps what it asked for (its path and query string, the user, the language and
time zone) as an export job (`ImportJob` of kind EXPORT) and goes to the jobs page; the worker
then calls the same view for that user with a request built like the page's, so the list's own
filter, scope and permission checks apply as they did on the page (and its ledger record,
`ledger.list_exported`, is written when the file is made, once). The view tells the job how
far it is as it reads and writes rows, each time the job's heartbeat: a long XLSX is not
taken for a dead runner. The file is written under a temporary name in
LAYDOWN_DATA_DIR/exports and renamed when whole: a job killed mid-way (or whose database went
away) is run again by the resume step and leaves no half file to download; a job whose view
raises anything else fails at once, with a message for its user in the language they asked
in (an export only reads, so a run again would fail the same way). Only the job's user may
download it; files are removed LAYDOWN_EXPORT_RETENTION_DAYS after they are made
(laydown.jobs.periodic).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.test import RequestFactory
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from laydown.accounts.models import User
from laydown.core.listing import Exported
from laydown.jobs.models import EXPORT, FINISHED, LANGUAGE, ImportJob, JobState

PART = ".part"
PROGRESS_EVERY = 1000
BEAT_EVERY = 10.0  # seconds: at most this long without a heartbeat while the file is copied
RECORDED = "recorded"  # in an export job's result: its ledger record is written
RAISED = gettext_noop(
    "The export stopped on an error and made no file. Ask for it again; if it stops again, "
    "tell your administrator."
)
_FILENAME = re.compile(r'filename="?([^";]+)"?')
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
logger = logging.getLogger(__name__)


def export_dir() -> Path:
    return Path(settings.DATA_DIR) / "exports"


def file_path(job: ImportJob) -> Path | None:
    """Where a finished export's file is, or None (not made, or removed after retention)."""
    stored = str(job.result.get("file", ""))
    if job.kind != EXPORT or job.state != JobState.DONE or not stored:
        return None
    path = export_dir() / stored
    return path if path.is_file() else None


def export_defer(request: HttpRequest, exported: Exported) -> HttpResponse | None:
    """Registered with laydown.core.listing: an export of more rows than the setting allows
    becomes a job of the signed-in user, and the answer goes to the jobs page."""
    if exported.rows <= settings.LAYDOWN_EXPORT_INLINE_MAX or not request.user.is_authenticated:
        return None
    from laydown.jobs import tasks

    job = ImportJob.objects.create(
        kind=EXPORT,
        user_id=request.user.pk,
        name=f"{exported.name}.{exported.fmt}"[:255],
        params={
            "path": request.path,
            "query": request.META.get("QUERY_STRING", ""),
            LANGUAGE: translation.get_language() or settings.LANGUAGE_CODE,
            "time_zone": timezone.get_current_timezone_name(),
            "list": exported.name,
            "format": exported.fmt,
        },
        total=exported.rows,
    )
    tasks.export_job_run.enqueue(str(job.id))
    messages.info(
        request,
        _(
            "This export has %(n)d rows: the worker is making the file. "
            "Download it here when it is ready."
        )
        % {"n": exported.rows},
    )
    return redirect("jobs:list")


def _update(job: ImportJob, **fields: Any) -> None:
    fields["heartbeat_at"] = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def _fail(job: ImportJob, reason: str) -> ImportJob:
    _update(job, state=JobState.FAILED, phase="failed", message=reason)
    return job


def _chunks(answer: Any) -> Iterable[bytes]:
    if getattr(answer, "streaming", False):
        for chunk in answer.streaming_content:
            yield chunk if isinstance(chunk, bytes) else str(chunk).encode()
    else:
        yield answer.content


def export_run(job_id: uuid.UUID) -> ImportJob:
    """Make the job's file (again, if a run before was cut short); return the job. Whatever
    it says to its user (why it failed) is in the language the export was asked in."""
    job = ImportJob.objects.get(pk=job_id)
    if job.finished:
        return job
    with translation.override(job.language):
        return _run(job)


def _run(job: ImportJob) -> ImportJob:
    _update(job, attempts=job.attempts + 1, state=JobState.WRITING, phase="export", done=0)
    user = None
    if job.user_id is not None:
        user = User.objects.filter(pk=job.user_id, is_active=True).first()
    if user is None:
        return _fail(job, _("The user who asked for this export no longer exists or is inactive."))
    path = str(job.params.get("path", ""))
    try:
        match = resolve(path)
    except Resolver404:
        return _fail(job, _("This export's page no longer exists."))
    request = RequestFactory().get(f"{path}?{job.params.get('query', '')}")
    # The user's second factor was checked on the request that asked for the export.
    user.is_verified = lambda: True  # type: ignore[attr-defined]
    request.user = user

    def progress(done: int, total: int) -> None:  # each call the job's heartbeat too
        _update(job, done=done, total=max(total, done))

    def noted() -> None:
        _update(job, result={**job.result, RECORDED: True})

    request.export_progress = progress  # type: ignore[attr-defined]
    # The ledger records a list export once: a run again after one cut short does not.
    request.export_recorded = bool(job.result.get(RECORDED))  # type: ignore[attr-defined]
    request.export_noted = noted  # type: ignore[attr-defined]
    folder = export_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # Each attempt its own temporary file: a runner taken for dead and the one that resumed
    # it never write into the same file.
    part = folder / f"{job.id}-{job.attempts}{PART}"
    try:
        with timezone.override(str(job.params.get("time_zone"))):
            answer = match.func(request, *match.args, **match.kwargs)
            if answer.status_code != 200:
                part.unlink(missing_ok=True)
                return _fail(
                    job,
                    _("The export's page answered %(status)d.") % {"status": answer.status_code},
                )
            _write(job, answer, part)
    except Http404:
        part.unlink(missing_ok=True)
        return _fail(job, _("This export's page no longer exists."))
    except PermissionDenied as exc:
        part.unlink(missing_ok=True)
        return _fail(job, str(exc) or _("You may no longer see this list."))
    except (InterfaceError, OperationalError):
        # The database went away or refused for a while (a lost connection, a lock timeout,
        # a serialization failure): as a runner killed, left to the resume step, which runs
        # the job again when its heartbeat is old (at most MAX_ATTEMPTS times).
        part.unlink(missing_ok=True)
        raise
    except Exception:  # noqa: BLE001 - ends the job: the operator has the traceback in the log
        # An export only reads: an error other than the database's comes again on every run,
        # so the user is told now (and may ask again) instead of after every retry.
        part.unlink(missing_ok=True)
        logger.exception("export job %s failed", job.id)
        return _fail(job, _(RAISED))
    given = _FILENAME.search(answer.get("Content-Disposition", ""))
    name = _SAFE.sub("-", given.group(1)) if given else job.name
    stored = f"{job.id}-{name}"
    part.replace(folder / stored)  # whole, or not there at all
    _update(
        job,
        state=JobState.DONE,
        phase="done",
        name=name[:255],
        done=job.total,
        rows_written=job.total,
        result={**job.result, "file": stored},
    )
    return job


@contextmanager
def _closing_file(answer: Any) -> Iterator[None]:
    """Close a FileResponse's file (a dataset's XLSX, built in a temporary file) when done.
    Not answer.close(): it sends request_finished, which closes the worker's database
    connection."""
    try:
        yield
    finally:
        opened = getattr(answer, "file_to_stream", None)
        if opened is not None:
            opened.close()


def _write(job: ImportJob, answer: Any, part: Path) -> None:
    """Write the view's answer into `part`. A streamed text (a dataset's CSV, HXL, GeoJSON, a
    list's CSV) is made as it is written: its lines (about a row each) move the count on; any
    answer beats at least every BEAT_EVERY seconds, so a long copy is not taken for a dead
    runner."""
    counts_lines = getattr(answer, "streaming", False) and not isinstance(answer, FileResponse)
    lines, next_at, beat_at = 0, PROGRESS_EVERY, time.monotonic() + BEAT_EVERY
    with part.open("wb") as out, _closing_file(answer):
        for chunk in _chunks(answer):
            out.write(chunk)
            if counts_lines:
                lines += chunk.count(b"\n")
            if lines >= next_at or time.monotonic() >= beat_at:
                _update(job, done=min(lines, job.total) if counts_lines else job.done)
                next_at, beat_at = lines + PROGRESS_EVERY, time.monotonic() + BEAT_EVERY


def export_file_of(user_id: int | None, job_id: uuid.UUID) -> tuple[ImportJob, Path] | None:
    """The user's own finished export job and its file, or None: an export holds what its
    user could see, so nobody else (not an administrator either) downloads it."""
    job = ImportJob.objects.filter(pk=job_id, kind=EXPORT, user_id=user_id).first()
    if job is None or user_id is None:
        return None
    path = file_path(job)
    return (job, path) if path is not None else None


def exports_purge(*, older_than: timedelta) -> int:
    """Remove the export files made longer ago than `older_than`, and any file whose job is
    gone or failed (a half file of a run cut short); return how many files went."""
    folder = export_dir()
    if not folder.is_dir():
        return 0
    cutoff = timezone.now() - older_than
    jobs = ImportJob.objects.filter(kind=EXPORT).alias(last=Coalesce("heartbeat_at", "created_at"))
    keep = {str(j.result.get("file")) for j in jobs.filter(state=JobState.DONE, last__gte=cutoff)}
    running = {str(pk) for pk in jobs.exclude(state__in=FINISHED).values_list("pk", flat=True)}
    removed = 0
    for path in folder.iterdir():
        if path.name in keep or path.name[:36] in running:
            continue
        path.unlink(missing_ok=True)
        removed += 1
    jobs.filter(state=JobState.DONE, last__lt=cutoff).update(result={})
    return removed
