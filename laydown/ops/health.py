"""`/healthz` and `/readyz`: what a load balancer, systemd or a container runtime asks.

Both are answered by a middleware placed first, before host checks, sessions, sign-in or the
database, so that a probe by IP address works and `/healthz` touches nothing but the process.
They are public, say nothing about anybody, and are never cached.

- `/healthz`: the process is up and answers (200).
- `/readyz`: this process can serve: the database answers, every migration is applied, the
  log's signing key and the vault's master key are readable (200, else 503 naming the check).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse

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


READY_CHECKS: dict[str, Check] = {"database": database, "migrations": migrations, "keys": keys}


def readiness() -> tuple[bool, dict[str, str]]:
    results = {name: check() for name, check in READY_CHECKS.items()}
    return all(value == OK for value in results.values()), results


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
            ready, checks = readiness()
            return _answer(200 if ready else 503, {"ready": ready, "checks": checks})
        return self.get_response(request)
