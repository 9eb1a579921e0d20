"""Imports as background jobs: checked whole, written in batches while others register, and
resumed after a crash without writing a row twice."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from laydown.accounts.models import User
from laydown.arms import import_job, services
from laydown.arms.models import AmmoLot, Item, Site
from laydown.arms.tests.base import CLERK, LOT_FIELDS, csv_bytes, good_rows
from laydown.core.imports import ImportRefused
from laydown.fixtures import ITEM_FIELDS
from laydown.jobs import kinds
from laydown.jobs import services as jobs
from laydown.jobs.models import ImportJob, JobState, StagedRow
from laydown.testing import log_size, signed_in, user_with_role
from laydown.testing.ledger import assert_log_is_whole
from laydown.testing.threads import race


def _serials(prefix: str, n: int, site: str = "cp-north") -> bytes:
    rows = good_rows(n, site)
    for i, row in enumerate(rows):
        row[4] = f"{prefix}{i:06d}"
    return csv_bytes(rows)


@pytest.mark.django_db(transaction=True)
def test_two_large_imports_and_twenty_registrations_at_once_all_land_once(
    sites: dict[str, Site],
) -> None:
    rows = 5000  # three batches each: the registrations get the log between them
    size = log_size()

    def imported(prefix: str) -> Any:
        return jobs.job_run_here(
            actor=CLERK,
            kind=import_job.KIND,
            name=f"{prefix}.csv",
            content=_serials(prefix, rows),
            progress=lambda *_: None,
        )

    def registered(n: int) -> Any:
        return services.item_collect(
            actor=CLERK, site=sites["cp-north"], serial=f"ONE{n:03d}", **ITEM_FIELDS
        )

    results = race(
        lambda: imported("IMPA"),
        lambda: imported("IMPB"),
        *[lambda n=n: registered(n) for n in range(20)],
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert results[0]["count"] == results[1]["count"] == rows  # type: ignore[index]
    for prefix, expected in (("IMPA", rows), ("IMPB", rows), ("ONE", 20)):
        assert Item.objects.filter(serial__startswith=prefix).count() == expected
    assert Item.objects.values("serial").distinct().count() == 2 * rows + 20
    assert log_size() == size + 2 * rows + 20
    assert_log_is_whole(log_size())
    assert not StagedRow.objects.exists()
    assert set(ImportJob.objects.values_list("state", flat=True)) == {JobState.DONE}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_import_killed_mid_way_is_resumed_by_the_worker_without_a_row_twice(
    sites: dict[str, Site],
    subprocess_env: dict[str, str],
    laydown_cmd: list[str],
    tmp_path: Path,
) -> None:
    rows = 20_000
    path = tmp_path / "items.csv"
    path.write_bytes(_serials("KILL", rows))
    size = log_size()
    with subprocess.Popen(
        [*laydown_cmd, "import", "items", str(path)],
        env=subprocess_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as cli:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            job = ImportJob.objects.first()
            if job is not None and job.state == JobState.WRITING and job.rows_written >= 2000:
                break
            time.sleep(0.02)
        cli.send_signal(signal.SIGKILL)
    job = ImportJob.objects.get()
    assert job.state == JobState.WRITING and 0 < job.rows_written < rows, "not killed mid-way"
    assert Item.objects.count() == job.rows_written  # each batch whole, or not at all

    call_command("worker", "--batch", "--resume-after", "0")

    job.refresh_from_db()
    assert job.state == JobState.DONE and job.attempts == 2
    assert job.result["count"] == rows
    assert Item.objects.count() == rows
    assert Item.objects.values("serial").distinct().count() == rows
    assert log_size() == size + rows
    assert_log_is_whole(log_size())


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_import_sent_from_the_page_is_run_by_the_worker_and_followed_on_its_page(
    sites: dict[str, Site],
) -> None:
    user = user_with_role("clerk", "collection_clerk")
    client = signed_in(user)
    response = client.post(
        "/arms/import/",
        {"file": _upload("items.csv", _serials("PAGE", 30))},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/jobs/{job.id}/")
    assert job.state == JobState.QUEUED and not Item.objects.exists()  # not run in the request
    waiting = client.get(response["Location"])
    assert waiting.status_code == 200 and b'id="job-status"' in waiting.content
    progress = client.get(f"/arms/import/progress/{job.id}.json").json()
    assert progress["state"] == "queued"

    call_command("worker", "--batch")

    job.refresh_from_db()
    assert job.state == JobState.DONE and job.user_id == user.pk
    assert Item.objects.filter(serial__startswith="PAGE").count() == 30
    assert client.get(f"/arms/import/progress/{job.id}.json").json()["state"] == "done"
    done = client.get(f"/arms/import/jobs/{job.id}/")
    assert done.status_code == 302 and "/arms/items/" in done["Location"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_refused_import_shows_every_problem_on_its_page_and_writes_nothing(
    sites: dict[str, Site],
) -> None:
    client = signed_in(user_with_role("clerk", "collection_clerk"))
    content = _serials("BAD", 3).replace(b"1980", b"1492")
    client.post("/arms/import/", {"file": _upload("items.csv", content)})
    job = ImportJob.objects.get()
    size = log_size()
    call_command("worker", "--batch")
    job.refresh_from_db()
    assert job.state == JobState.REFUSED and job.problem_count == 3
    assert bytes(job.content) == b""  # the file is not kept once refused
    page = client.get(f"/arms/import/jobs/{job.id}/")
    assert page.status_code == 400
    assert [(p.row, p.column) for p in page.context["problems"]] == [
        (2, "year"),
        (3, "year"),
        (4, "year"),
    ]
    assert log_size() == size and not Item.objects.exists()


def _russian(username: str) -> Any:
    """A signed-in clerk who reads Laydown in Russian."""
    user = user_with_role(username, "collection_clerk")
    user.language = "ru"
    user.save()
    return signed_in(user)


def _problems_in(language: str, content: bytes) -> list[str]:
    with translation.override(language), pytest.raises(ImportRefused) as refused:
        jobs.job_run_here(
            actor=CLERK,
            kind=import_job.KIND,
            name="items.csv",
            content=content,
            progress=lambda *_: None,
        )
    return [p.reason for p in refused.value.problems]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_import_refused_by_the_worker_gives_its_problems_in_its_users_language(
    sites: dict[str, Site],
) -> None:
    content = _serials("RU", 2).replace(b"1980", b"1492")
    client = _russian("clerk")
    client.post("/arms/import/", {"file": _upload("items.csv", content)})
    job = ImportJob.objects.get()
    assert job.params["language"] == "ru"
    call_command("worker", "--batch")  # no language of its own: the job's
    job.refresh_from_db()
    russian, english = _problems_in("ru", content), _problems_in("en", content)
    assert russian != english
    assert job.state == JobState.REFUSED and [p["reason"] for p in job.problems] == russian


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_import_that_raises_goes_on_from_its_last_batch_and_gives_up_in_its_users_language(
    monkeypatch: pytest.MonkeyPatch, sites: dict[str, Site]
) -> None:
    items = kinds.get(import_job.KIND)
    written: list[int] = []

    def broken(actor: Any, entries: Sequence[Any]) -> kinds.Result:
        if written:  # the second batch: a bug
            raise RuntimeError("a bug in a batch")
        written.append(len(entries))
        return items.write(actor, entries)

    monkeypatch.setitem(kinds._KINDS, import_job.KIND, replace(items, write=broken, batch=2))
    client = _russian("clerk")
    client.post("/arms/import/", {"file": _upload("items.csv", _serials("RAISE", 5))})
    call_command("worker", "--batch")
    job = ImportJob.objects.get()
    assert job.state == JobState.WRITING and job.rows_written == 2 and job.attempts == 1
    call_command("worker", "--batch", "--resume-after", "0")  # run again: raises again
    job.refresh_from_db()
    assert job.state == JobState.WRITING and job.rows_written == 2 and job.attempts == 2
    assert Item.objects.count() == 2  # the first batch, once

    ImportJob.objects.filter(pk=job.pk).update(
        attempts=jobs.MAX_ATTEMPTS, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    assert jobs.jobs_resume_stalled() == []
    job.refresh_from_db()
    with translation.override("ru"):
        russian = jobs._stopped(jobs.MAX_ATTEMPTS)
    assert not russian.isascii()  # translated
    assert job.state == JobState.FAILED and job.message == russian
    page = client.get(reverse("jobs:list")).content.decode()
    assert escape(russian) in page


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_import_whose_user_was_deactivated_fails_in_their_language_not_queued_for_ever(
    sites: dict[str, Site],
) -> None:
    client = _russian("clerk")
    client.post("/arms/import/", {"file": _upload("items.csv", _serials("GONE", 3))})
    User.objects.filter(username="clerk").update(is_active=False)
    call_command("worker", "--batch")
    job = ImportJob.objects.get()
    with translation.override("ru"):
        russian = translation.gettext(
            "The user who sent this import no longer exists or is inactive."
        )
    assert job.state == JobState.FAILED and job.attempts == 1 and job.message == russian
    assert not russian.isascii() and not Item.objects.exists()


@pytest.mark.django_db
def test_a_job_is_seen_only_by_the_user_who_sent_it(sites: dict[str, Site]) -> None:
    client = signed_in(user_with_role("clerk", "collection_clerk"))
    other = User.objects.create(username="other", pseudonym="u-other")
    job = ImportJob.objects.create(kind=import_job.KIND, user_id=other.pk, name="x.csv")
    assert client.get(f"/arms/import/jobs/{job.id}/").status_code == 404
    assert client.get(f"/arms/import/progress/{job.id}.json").json()["state"] == "waiting"
    assert client.get("/arms/import/jobs/not-a-uuid/").status_code == 404


def _upload(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


LOTS_FILE = (
    ",".join(["site", *LOT_FIELDS])
    + "\n"
    + "\n".join(
        ",".join(["cp-north", *map(str, (LOT_FIELDS | {"lot_number": f"IMP-{n}"}).values())])
        for n in range(3)
    )
)


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="PostgreSQL's row locks (an import's and a registration's); SQLite has one writer",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("what", ["items", "lots"])
def test_an_import_and_a_registration_between_its_tags_and_its_records_both_land(
    sites: dict[str, Site], monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    """An import takes the log head before the tag counter, as a registration does: the other
    order let a registration take the log head while the import held the counter, each then
    waiting for the other (PostgreSQL: 'deadlock detected', one of them failed)."""
    allocate = services.allocate_tags
    import_holds_counter = threading.Event()
    registration_backend: list[int] = []

    def allocate_then_wait(prefix: str, count: int = 1) -> list[str]:
        tags = allocate(prefix, count)
        import_holds_counter.set()
        deadline = time.monotonic() + 20
        while not _waiting_for_a_lock(registration_backend):  # the registration is blocked
            assert time.monotonic() < deadline, "the registration never waited for a lock"
            time.sleep(0.01)
        return tags

    def imported() -> Any:
        kind, content = (
            (import_job.KIND, _serials("IMPC", 3))
            if what == "items"
            else (import_job.LOTS.name, LOTS_FILE.encode())
        )
        return jobs.job_run_here(
            actor=CLERK, kind=kind, name="i.csv", content=content, progress=lambda *_: None
        )

    def registered() -> Any:
        assert import_holds_counter.wait(20)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            registration_backend.append(cursor.fetchone()[0])
        if what == "items":
            return services.item_collect(
                actor=CLERK, site=sites["cp-north"], serial="ONE-C", **ITEM_FIELDS
            )
        lot = LOT_FIELDS | {"lot_number": "REG-1"}
        return services.lot_collect(actor=CLERK, site=sites["cp-north"], **lot)

    monkeypatch.setattr(services, "allocate_tags", allocate_then_wait)
    results = race(imported, registered)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[0]["count"] == 3  # type: ignore[index]
    assert (Item if what == "items" else AmmoLot).objects.count() == 4
    assert_log_is_whole(log_size())


def _waiting_for_a_lock(backend: list[int]) -> bool:
    if not backend:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", backend)
        waiting: int = cursor.fetchone()[0]
    return waiting > 0
