"""Large exports as background jobs: above LAYDOWN_EXPORT_INLINE_MAX rows the request makes a
job (no file), the job makes the same file the page would have given, for its user only, with
the list's scope, recorded once in the ledger; the worker runs it; old files are removed."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from laydown.accounts.models import User
from laydown.arms.models import Item, Site
from laydown.jobs import exports
from laydown.jobs.models import EXPORT, ImportJob, JobState
from laydown.ledger.models import Record
from laydown.testing import signed_in, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]
ITEMS = "/arms/items/?sort=tag"


@pytest.fixture
def small_inline(settings: Any, tmp_path: Path) -> None:
    settings.LAYDOWN_EXPORT_INLINE_MAX = 3
    settings.DATA_DIR = tmp_path


def _register(collect: Callable[..., Item], sites: dict[str, Site]) -> None:
    for _ in range(4):
        collect()  # depot-a
    for _ in range(5):
        collect(site=sites["cp-north"])


def _exported() -> int:
    return Record.objects.filter(kind="ledger.list_exported").count()


def test_a_large_list_export_is_a_job_whose_file_is_the_inline_one(
    small_inline: None, settings: Any, sites: dict[str, Site], collect: Callable[..., Item]
) -> None:
    _register(collect, sites)
    clerk = signed_in(user_with_role("clerk", "collection_clerk"))
    answer = clerk.get(f"{ITEMS}&format=csv")
    assert answer.status_code in (302, 303) and answer["Location"] == reverse("jobs:list")
    assert "Content-Disposition" not in answer
    job = ImportJob.objects.get(kind=EXPORT)
    assert job.state == JobState.DONE and job.rows_written == job.total == 9
    assert _exported() == 1  # recorded once, when the file was made

    page = clerk.get(reverse("jobs:list")).content.decode()
    url = reverse("jobs:export_download", kwargs={"job": job.id})
    assert url in page and "9 rows exported" in page and "Export" in page
    download = clerk.get(url)
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    made = download.getvalue()

    settings.LAYDOWN_EXPORT_INLINE_MAX = 100
    inline = clerk.get(f"{ITEMS}&format=csv")
    assert inline.status_code == 200 and inline.content == made
    assert made.count(b"\n") == 10  # the header and nine rows
    assert not list(Path(settings.DATA_DIR, "exports").glob("*.part"))


def test_nobody_else_downloads_an_export_not_even_an_administrator(
    small_inline: None, sites: dict[str, Site], collect: Callable[..., Item]
) -> None:
    _register(collect, sites)
    signed_in(user_with_role("clerk", "collection_clerk")).get(f"{ITEMS}&format=xlsx")
    job = ImportJob.objects.get(kind=EXPORT)
    url = reverse("jobs:export_download", kwargs={"job": job.id})
    for other in (user_with_role("other", "collection_clerk"), user_with_role("adm", "admin")):
        client = signed_in(other)
        assert client.get(url).status_code == 404
        assert url not in client.get(reverse("jobs:list")).content.decode()
    missing = reverse("jobs:export_download", kwargs={"job": uuid.uuid4()})
    assert signed_in(User.objects.get(username="clerk")).get(missing).status_code == 404


def test_the_job_applies_the_users_scope(
    small_inline: None, sites: dict[str, Site], collect: Callable[..., Item]
) -> None:
    _register(collect, sites)
    northern = user_with_role("northern", "collection_clerk", scope="site:cp-north")
    client = signed_in(northern)
    assert client.get(f"{ITEMS}&format=csv").status_code == 302
    job = ImportJob.objects.get(kind=EXPORT)
    assert job.state == JobState.DONE and job.rows_written == 5
    made = client.get(reverse("jobs:export_download", kwargs={"job": job.id})).getvalue()
    lines = made.decode().splitlines()[1:]
    assert len(lines) == 5 and all("cp-north" in line for line in lines)
    assert "depot-a" not in made.decode()


def test_a_small_export_stays_a_download_and_makes_no_job(
    small_inline: None, sites: dict[str, Site], collect: Callable[..., Item]
) -> None:
    collect()
    answer = signed_in(user_with_role("clerk", "collection_clerk")).get(f"{ITEMS}&format=csv")
    assert answer.status_code == 200 and not ImportJob.objects.exists()


def test_a_large_dataset_export_is_a_job_too(
    small_inline: None, sites: dict[str, Site], collect: Callable[..., Item]
) -> None:
    _register(collect, sites)
    manager = signed_in(user_with_role("mgr", "programme_manager"))
    url = reverse("reports:export", kwargs={"dataset": "items", "fmt": "csv"})
    answer = manager.get(url)
    assert answer.status_code == 302
    job = ImportJob.objects.get(kind=EXPORT)
    assert job.state == JobState.DONE and job.name == "laydown-items.csv"
    made = manager.get(reverse("jobs:export_download", kwargs={"job": job.id})).getvalue()
    assert made.count(b"\n") == 10


def test_a_run_cut_short_leaves_no_file_and_old_files_are_removed(
    small_inline: None, settings: Any, sites: dict[str, Site], collect: Callable[..., Item]
) -> None:
    _register(collect, sites)
    client = signed_in(user_with_role("clerk", "collection_clerk"))
    client.get(f"{ITEMS}&format=csv")
    job = ImportJob.objects.get(kind=EXPORT)
    folder = Path(settings.DATA_DIR, "exports")
    half = folder / f"{uuid.uuid4()}{exports.PART}"  # a run killed mid-way: no job done
    half.write_bytes(b"tag,cat")
    assert exports.exports_purge(older_than=timedelta(days=7)) == 1
    assert not half.exists() and exports.file_path(job) is not None

    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(days=8))
    job.refresh_from_db()
    assert exports.exports_purge(older_than=timedelta(days=7)) == 1
    assert not os.listdir(folder)
    url = reverse("jobs:export_download", kwargs={"job": job.id})
    assert client.get(url).status_code == 404
    assert "file removed" in client.get(reverse("jobs:list")).content.decode()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_makes_the_file_of_a_job_it_resumes(
    small_inline: None, settings: Any, sites: dict[str, Site], collect: Callable[..., Item]
) -> None:
    _register(collect, sites)
    client = signed_in(user_with_role("clerk", "collection_clerk"))
    assert client.get(f"{ITEMS}&format=csv").status_code == 302
    job = ImportJob.objects.get(kind=EXPORT)
    assert job.state == JobState.QUEUED  # waiting for the worker
    call_command("worker", "--batch")
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.rows_written == 9 and _exported() == 1

    # A run killed mid-way (state writing, a half file): resumed, the file made anew.
    ImportJob.objects.filter(pk=job.pk).update(
        state=JobState.WRITING,
        heartbeat_at=timezone.now() - timedelta(hours=1),
        result={exports.RECORDED: True},
    )
    Path(settings.DATA_DIR, "exports", f"{job.id}-2{exports.PART}").write_bytes(b"tag,cat")
    call_command("worker", "--batch", "--resume-after", "0")
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.attempts == 2
    assert exports.file_path(job) is not None
    assert _exported() == 1  # recorded by the first run, not again
    assert not list(Path(settings.DATA_DIR, "exports").glob("*.part"))
