"""`/healthz` and `/readyz`: what a load balancer, systemd or a container runtime asks.

Both are answered by a middleware placed first, before host checks, sessions, sign-in or the
database, so that a probe by IP address works and `/healthz` touches nothing but the process.
They are public, say nothing about anybody, and are never cached.

- `/healthz`: the process is up and answers (200).
- `/readyz`: this process can serve: the database answers, every migration is applied, the
  log's signing key and the vault's master key are readable (200, else 503 naming the check).
  It also reports the background jobs (tasks waiting for `laydown worker`, how long the
  oldest has waited, the last heartbeat of an import job); with LAYDOWN_READY_NEEDS_WORKER
  on, a task waiting longer than WORKER_LATE_SECONDS (no worker is taking them) fails it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from laydown.core.errors import ConfigurationError

Check = Callable[[], str]  # "ok", or a short reason (no path, no personal data)
OK = "ok"


def database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "unreachable"
    return OK


_migrated = False  # once applied, they stay applied for this process's code


def migrations() -> str:
    global _migrated
    if _migrated:
        return OK
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return "unknown (no database)"
    if pending:
        return f"{len(pending)} not applied: run `laydown migrate`"
    _migrated = True
    return OK


def keys() -> str:
    from laydown.ledger.keys import log_signer
    from laydown.vault.crypto import master_key

    for name, load in (("log key", log_signer), ("vault key", master_key)):
        try:
            load()
        except (ConfigurationError, OSError, ValueError):
            return f"{name} unreadable: run `laydown keys init` or check its file"
    return OK


WORKER_LATE_SECONDS = 60


def jobs() -> dict[str, object]:
    """The background queue, for information: no name, file or user, only counts and times."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from laydown.jobs.models import ImportJob

    try:
        waiting = DBTaskResult.objects.ready()
        oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        beat = ImportJob.objects.order_by("-heartbeat_at").values_list("heartbeat_at", flat=True)
        last_beat = beat.exclude(heartbeat_at=None).first()
        return {
            "queued": waiting.count(),
            "running": DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count(),
            "oldest_queued_seconds": (
                None if oldest is None else round((timezone.now() - oldest).total_seconds())
            ),
            "last_job_heartbeat": None if last_beat is None else last_beat.isoformat(),
        }
    except DatabaseError:
        return {"queued": None}


def worker(queue: dict[str, object]) -> str:
    waited = queue.get("oldest_queued_seconds")
    if isinstance(waited, int) and waited > WORKER_LATE_SECONDS:
        return f"a task has waited {waited} s: is `laydown worker` running?"
    return OK


READY_CHECKS: dict[str, Check] = {"database": database, "migrations": migrations, "keys": keys}


def readiness() -> tuple[bool, dict[str, object]]:
    checks = {name: check() for name, check in READY_CHECKS.items()}
    queue = jobs() if checks["database"] == OK and checks["migrations"] == OK else {}
    if settings.LAYDOWN_READY_NEEDS_WORKER:
        checks["worker"] = worker(queue)
    ready = all(value == OK for value in checks.values())
    return ready, {"ready": ready, "checks": checks, "jobs": queue}


def _answer(status: int, body: dict[str, object]) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


class HealthMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return _answer(200, {"status": "ok"})
        if request.path == "/readyz":
            ready, body = readiness()
            return _answer(200 if ready else 503, body)
        return self.get_response(request)
