"""Large exports as background jobs: above LAYDOWN_EXPORT_INLINE_MAX rows the request makes a
job (no file), the job makes the same file the page would have given, for its user only, with
the list's scope, recorded once in the ledger (a dataset export too); the worker runs it; old
files are removed; a job beats while it builds its file; one that raises fails at once."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

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


@pytest.fixture
def nine_items(sites: dict[str, Site], collect: Callable[..., Item]) -> None:
    """Nine items in the registry: four at depot-a, five at cp-north."""
    for _ in range(4):
        collect()  # depot-a
    for _ in range(5):
        collect(site=sites["cp-north"])


def _exported() -> int:
    return Record.objects.filter(kind="ledger.list_exported").count()


def test_a_large_list_export_is_a_job_whose_file_is_the_inline_one(
    small_inline: None, settings: Any, nine_items: None
) -> None:
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


def test_a_long_list_export_job_writes_its_csv_a_line_at_a_time_as_the_page_would_give_it(
    small_inline: None, settings: Any, monkeypatch: pytest.MonkeyPatch, sites: dict[str, Site]
) -> None:
    """The job's CSV is never one string in memory: each line goes to the file as it is made
    (memory bounded whatever the rows), and the file is the page's export byte for byte."""
    from laydown.arms import importer
    from laydown.testing import principal

    rows = [["site", "category", "make", "model", "serial", "year", "condition"]] + [
        ["cp-north", "sa_assault_rifle", "Kalashnikov", "AKM", f"=LONG{n:05d}", 1980, "unsafe"]
        for n in range(2500)
    ]
    content = "".join(f"{','.join(map(str, row))}\n" for row in rows).encode()
    importer.items_import(
        actor=principal("u-clerk", ("collection_clerk", "programme")), name="i.csv", content=content
    )
    written: list[int] = []
    chunks = exports._chunks
    monkeypatch.setattr(
        exports, "_chunks", lambda answer: (written.append(len(c)) or c for c in chunks(answer))
    )
    clerk = signed_in(user_with_role("clerk", "collection_clerk"))
    assert clerk.get(f"{ITEMS}&format=csv").status_code == 302
    job = ImportJob.objects.get(kind=EXPORT)
    assert job.state == JobState.DONE and job.rows_written == 2500
    assert len(written) == 2501 and max(written) < 400  # the header, then a row at a time
    made = clerk.get(reverse("jobs:export_download", kwargs={"job": job.id})).getvalue()
    assert made.count(b"\n") == 2501 and b"'=LONG02499" in made
    assert _exported() == 1
    written.clear()
    settings.LAYDOWN_EXPORT_INLINE_MAX = 10_000
    inline = clerk.get(f"{ITEMS}&format=csv")
    assert inline.status_code == 200 and inline.content == made
    assert _exported() == 2


def test_nobody_else_downloads_an_export_not_even_an_administrator(
    small_inline: None, nine_items: None
) -> None:
    signed_in(user_with_role("clerk", "collection_clerk")).get(f"{ITEMS}&format=xlsx")
    job = ImportJob.objects.get(kind=EXPORT)
    url = reverse("jobs:export_download", kwargs={"job": job.id})
    for other in (user_with_role("other", "collection_clerk"), user_with_role("adm", "admin")):
        client = signed_in(other)
        assert client.get(url).status_code == 404
        assert url not in client.get(reverse("jobs:list")).content.decode()
    missing = reverse("jobs:export_download", kwargs={"job": uuid.uuid4()})
    assert signed_in(User.objects.get(username="clerk")).get(missing).status_code == 404


def test_the_job_applies_the_users_scope(small_inline: None, nine_items: None) -> None:
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


def test_a_large_dataset_export_is_a_job_too(small_inline: None, nine_items: None) -> None:
    manager = signed_in(user_with_role("mgr", "programme_manager"))
    url = reverse("reports:export", kwargs={"dataset": "items", "fmt": "csv"})
    answer = manager.get(url)
    assert answer.status_code == 302
    job = ImportJob.objects.get(kind=EXPORT)
    assert job.state == JobState.DONE and job.name == "laydown-items.csv"
    made = manager.get(reverse("jobs:export_download", kwargs={"job": job.id})).getvalue()
    assert made.count(b"\n") == 10


def test_a_run_cut_short_leaves_no_file_and_old_files_are_removed(
    small_inline: None, settings: Any, nine_items: None
) -> None:
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
    small_inline: None, settings: Any, nine_items: None
) -> None:
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


# Dataset exports (/reports/export/) are recorded in the ledger as list exports are.


def _dataset_url(dataset: str, fmt: str) -> str:
    return reverse("reports:export", kwargs={"dataset": dataset, "fmt": fmt})


def _records() -> list[dict[str, Any]]:
    return [r.data for r in Record.objects.filter(kind="ledger.list_exported").order_by("index")]


def test_every_dataset_export_made_at_once_is_a_ledger_record(
    settings: Any, nine_items: None
) -> None:
    settings.LAYDOWN_EXPORT_INLINE_MAX = 100
    manager = signed_in(user_with_role("mgr", "programme_manager"))
    asked = [
        ("items", "csv"),
        ("items", "hxl"),
        ("lots", "xlsx"),
        ("sites", "geojson"),
        ("collected-by-day", "csv"),
    ]
    bodies = {}
    for dataset, fmt in asked:
        answer = manager.get(_dataset_url(dataset, fmt))
        assert answer.status_code == 200
        bodies[dataset, fmt] = answer.getvalue()
    assert not ImportJob.objects.exists()
    days = bodies["collected-by-day", "csv"].count(b"\n") - 1  # less the header
    assert days >= 1
    assert _records() == [
        {"list": "laydown-items", "format": "csv", "filter": "", "rows": 9},
        {"list": "laydown-items", "format": "hxl", "filter": "", "rows": 9},
        {"list": "laydown-lots", "format": "xlsx", "filter": "", "rows": 0},
        {"list": "laydown-sites", "format": "geojson", "filter": "", "rows": Site.objects.count()},
        {"list": "laydown-collected-by-day", "format": "csv", "filter": "", "rows": days},
    ]
    actors = set(Record.objects.filter(kind="ledger.list_exported").values_list("actor", flat=True))
    assert len(actors) == 1 and actors.pop() not in ("", "anonymous")


def test_a_refused_dataset_export_is_not_recorded(
    sites: dict[str, Site], collect: Callable[..., Item]
) -> None:
    collect()
    observer = signed_in(user_with_role("obs", "observer"))
    assert observer.get(_dataset_url("items", "csv")).status_code == 403
    assert _records() == []


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_dataset_export_job_is_recorded_once_also_when_the_worker_resumes_it(
    small_inline: None, settings: Any, nine_items: None
) -> None:
    manager = signed_in(user_with_role("mgr", "programme_manager"))
    assert manager.get(_dataset_url("items", "xlsx")).status_code == 302
    job = ImportJob.objects.get(kind=EXPORT)
    assert job.state == JobState.QUEUED and _records() == []  # recorded when the file is made
    call_command("worker", "--batch")
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.result.get(exports.RECORDED) is True
    assert _records() == [{"list": "laydown-items", "format": "xlsx", "filter": "", "rows": 9}]

    # A run killed mid-way after its record: resumed, the file made anew, not recorded again.
    ImportJob.objects.filter(pk=job.pk).update(
        state=JobState.WRITING, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    call_command("worker", "--batch", "--resume-after", "0")
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.attempts == 2 and exports.file_path(job)
    assert len(_records()) == 1
    assert not list(Path(settings.DATA_DIR, "exports").glob("*.part"))


# An export job beats while it builds its file, so no worker takes it for dead.


def _beats_watched(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bool, int]]:
    """As each XLSX row is written, whether the job is alive (not stalled) and how far it
    says it is; then its heartbeat is set an hour back, as if each row took that long."""
    from laydown.core import spreadsheet
    from laydown.jobs.runner import jobs_stalled
    from laydown.jobs.services import STALLED_AFTER

    seen: list[tuple[bool, int]] = []
    xlsx_row = spreadsheet.xlsx_row

    def watched(sheet: Any, values: Any) -> list[Any]:
        job = ImportJob.objects.get(kind=EXPORT)
        seen.append((job.pk not in {j.pk for j in jobs_stalled(STALLED_AFTER)}, job.done))
        ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
        return xlsx_row(sheet, values)

    monkeypatch.setattr(spreadsheet, "xlsx_row", watched)
    return seen


def _longest_silence(seen: list[tuple[bool, int]]) -> int:
    longest = run = 0
    for alive, _done in seen:
        run = 0 if alive else run + 1
        longest = max(longest, run)
    return longest


def test_an_xlsx_dataset_job_beats_and_shows_its_progress_as_it_builds(
    small_inline: None, monkeypatch: pytest.MonkeyPatch, nine_items: None
) -> None:
    from laydown.reports import exports as datasets

    monkeypatch.setattr(datasets, "CHUNK", 2)
    seen = _beats_watched(monkeypatch)
    manager = signed_in(user_with_role("mgr", "programme_manager"))
    assert manager.get(_dataset_url("items", "xlsx")).status_code == 302
    job = ImportJob.objects.get(kind=EXPORT)
    assert job.state == JobState.DONE and job.rows_written == 9
    assert len(seen) == 10  # the header and nine rows
    assert _longest_silence(seen) <= 2  # never more than a chunk of rows without a beat
    assert [done for _alive, done in seen] == [0, 0, 0, 2, 2, 4, 4, 6, 6, 8]


def test_an_xlsx_list_job_beats_as_it_builds(
    small_inline: None, monkeypatch: pytest.MonkeyPatch, nine_items: None
) -> None:
    from laydown.core import listing

    monkeypatch.setattr(listing, "PROGRESS_EVERY", 2)
    seen = _beats_watched(monkeypatch)
    client = signed_in(user_with_role("clerk", "collection_clerk"))
    assert client.get(f"{ITEMS}&format=xlsx").status_code == 302
    job = ImportJob.objects.get(kind=EXPORT)
    assert job.state == JobState.DONE and len(seen) == 10
    assert _longest_silence(seen) <= 2
    assert max(done for _alive, done in seen) == 8


# An export job that raises ends failed at once, for its user to read, with no half file.


def _items_broken_after(monkeypatch: pytest.MonkeyPatch, rows: int, error: Exception) -> None:
    from laydown.reports import exports as datasets

    items = datasets.DATASETS["items"]

    def broken() -> Any:
        for n, row in enumerate(items.rows()):
            if n == rows:
                raise error
            yield row

    monkeypatch.setitem(datasets.DATASETS, "items", replace(items, rows=broken))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_export_job_that_raises_fails_at_once_in_its_users_language(
    small_inline: None, settings: Any, monkeypatch: pytest.MonkeyPatch, nine_items: None
) -> None:
    _items_broken_after(monkeypatch, 5, RuntimeError("a bug in a row"))
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 1)  # the half file is on disk when it raises
    user = user_with_role("mgr", "programme_manager")
    user.language = "ru"
    user.save()
    manager = signed_in(user)
    assert manager.get(_dataset_url("items", "csv")).status_code == 302
    call_command("worker", "--batch")
    job = ImportJob.objects.get(kind=EXPORT)
    with translation.override("ru"):
        russian = translation.gettext(exports.RAISED)
    assert russian != exports.RAISED
    assert job.state == JobState.FAILED and job.attempts == 1 and job.message == russian
    assert exports.file_path(job) is None
    assert not os.listdir(Path(settings.DATA_DIR, "exports"))  # no half file left
    page = manager.get(reverse("jobs:list")).content.decode()
    assert escape(russian) in page and "jobs:export_download" not in page

    # Failed, not stalled: the worker's resume step does not run it again.
    call_command("worker", "--batch", "--resume-after", "0")
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.attempts == 1


@pytest.mark.worker  # queued only: the test runs the job itself
def test_an_export_job_whose_database_fails_is_left_to_the_resume_step(
    small_inline: None, settings: Any, monkeypatch: pytest.MonkeyPatch, nine_items: None
) -> None:
    from laydown.jobs.runner import jobs_stalled

    _items_broken_after(monkeypatch, 5, OperationalError("the database went away"))
    manager = signed_in(user_with_role("mgr", "programme_manager"))
    assert manager.get(_dataset_url("items", "csv")).status_code == 302
    job = ImportJob.objects.get(kind=EXPORT)
    with pytest.raises(OperationalError):
        exports.export_run(job.id)
    job.refresh_from_db()
    assert job.state == JobState.WRITING and job.message == ""
    assert [j.pk for j in jobs_stalled(timedelta(0))] == [job.pk]  # resumed when it is old
    assert not os.listdir(Path(settings.DATA_DIR, "exports"))


@pytest.mark.worker  # queued only: the test plays the runs that were cut short
def test_an_export_given_up_after_its_attempts_says_so_in_its_users_language(
    small_inline: None, nine_items: None
) -> None:
    from laydown.jobs import services

    user = user_with_role("mgr", "programme_manager")
    user.language = "ru"
    user.save()
    assert signed_in(user).get(_dataset_url("items", "csv")).status_code == 302
    job = ImportJob.objects.get(kind=EXPORT)
    ImportJob.objects.filter(pk=job.pk).update(
        state=JobState.WRITING,
        attempts=services.MAX_ATTEMPTS,
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    assert services.jobs_resume_stalled() == []
    job.refresh_from_db()
    english = f"The worker stopped after {services.MAX_ATTEMPTS} attempts: the job never finished."
    assert job.state == JobState.FAILED and job.message != english
    with translation.override("ru"):
        assert job.message == services._stopped(services.MAX_ATTEMPTS)
