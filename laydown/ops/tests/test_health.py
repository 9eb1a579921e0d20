"""/healthz and /readyz: public, never cached, answered before host checks; readiness fails,
naming the check, without the database, with a migration pending or without a key."""

from __future__ import annotations

import pytest
from django.db import DatabaseError
from django.test import Client, override_settings

from laydown.ledger import keys
from laydown.ops import health
from laydown.vault import crypto


def test_healthz_answers_without_the_database() -> None:
    response = Client().get("/healthz")  # no django_db mark: any query would raise
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@override_settings(ALLOWED_HOSTS=["laydown.example.org"], SECURE_SSL_REDIRECT=True)
@pytest.mark.django_db  # the 400 page shows the programme's heading, read from the database
def test_a_probe_by_ip_address_over_plain_http_is_answered() -> None:
    response = Client(HTTP_HOST="10.0.0.7:8000").get("/healthz")
    assert response.status_code == 200
    assert Client(HTTP_HOST="10.0.0.7:8000").get("/").status_code in (301, 400)


@pytest.mark.django_db
def test_readyz_reports_each_check() -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ready"] is True
    assert body["checks"] == {"database": "ok", "migrations": "ok", "keys": "ok"}
    assert body["jobs"] == {
        "queued": 0,
        "running": 0,
        "oldest_queued_seconds": None,
        "last_job_heartbeat": None,
    }
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_reports_waiting_tasks_and_fails_on_them_only_when_told(settings) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    five_minutes_ago = timezone.now() - timedelta(seconds=300)
    task = DBTaskResult.objects.create(  # as the database backend queues one
        args_kwargs={"args": [], "kwargs": {}},
        task_path="laydown.jobs.tasks.import_job_run",
        queue_name="default",
        backend_name="default",
        run_after=five_minutes_ago,
    )
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=five_minutes_ago)
    body = Client().get("/readyz").json()
    assert body["ready"] is True
    assert body["jobs"]["queued"] == 1
    assert 299 <= body["jobs"]["oldest_queued_seconds"] <= 400
    settings.LAYDOWN_READY_NEEDS_WORKER = True
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"].endswith("is `laydown worker` running?")


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_does_not_answer(monkeypatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise DatabaseError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", refuse)
    monkeypatch.setattr(health, "_migrated", True)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unreachable"


@pytest.mark.django_db
def test_readyz_is_503_while_a_migration_is_pending(monkeypatch) -> None:
    from django.db.migrations.recorder import MigrationRecorder

    monkeypatch.setattr(health, "_migrated", False)
    MigrationRecorder.Migration.objects.filter(app="ledger").order_by("-id").first().delete()
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "1 not applied: run `laydown migrate`"
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_readyz_is_503_without_a_readable_key(tmp_path) -> None:
    with override_settings(DATA_DIR=tmp_path, LAYDOWN_LOG_KEY_FILE=tmp_path / "log.key"):
        keys.log_signer.cache_clear()
        crypto.master_key.cache_clear()
        try:
            response = Client().get("/readyz")
        finally:
            keys.log_signer.cache_clear()
            crypto.master_key.cache_clear()
    assert response.status_code == 503
    assert response.json()["checks"]["keys"].startswith("log key unreadable")
    assert str(tmp_path) not in response.content.decode()
