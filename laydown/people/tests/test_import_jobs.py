"""The participants import as a background job: run by the real worker, its file and its
staged rows sealed at rest (a raw read of the jobs tables finds no name) and dropped when the
job ends."""

from __future__ import annotations

import io

import pytest
from cryptography.exceptions import InvalidTag
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from laydown.access.web import principal_for_user
from laydown.jobs import kinds, runner, sealing
from laydown.jobs.models import ImportJob, JobState, StagedRow
from laydown.jobs.services import import_submit
from laydown.people import import_job
from laydown.people.models import Participant
from laydown.testing import signed_in, user_with_role

NAME = "Siranush Zakaryan"
PHONE = "+37491555123"
BODY = (
    "name,born,sex,category,region,dependants,phone,village\n"
    f"{NAME},1990-01-01,f,combatant,north,2,{PHONE},Dilijan\n"
    "Aram Petrosyan,1985-03-03,m,combatant,north,0,,\n"
)


def _upload(body: str = BODY) -> io.BytesIO:
    f = io.BytesIO(body.encode())
    f.name = "people.csv"
    return f


def _jobs_tables_raw() -> bytes:
    """Every byte the jobs tables hold for the file and the staged rows, read with SQL."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, content, CAST(problems AS TEXT), message FROM jobs_importjob")
        kept = [
            name.encode() + bytes(content) + problems.encode() + message.encode()
            for name, content, problems, message in cursor.fetchall()
        ]
        cursor.execute("SELECT CAST(payload AS TEXT) FROM jobs_stagedrow")
        kept += [payload.encode() for (payload,) in cursor.fetchall()]
    return b"\n".join(kept)


def _plain(raw: bytes) -> list[str]:
    return [secret for secret in (NAME, PHONE, "Dilijan") if secret.encode() in raw]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_queued_import_keeps_no_name_readable_and_the_worker_imports_it() -> None:
    user = user_with_role("reg", "registrar", "region:north")
    client = signed_in(user)
    response = client.post(reverse("people:import"), {"file": _upload()})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/jobs/{job.id}/")
    assert job.state == JobState.QUEUED and not Participant.objects.exists()
    raw = _jobs_tables_raw()
    assert len(raw) > len(BODY) and _plain(raw) == []  # the file is there, sealed
    waiting = client.get(response["Location"])
    assert waiting.status_code == 200 and b'id="job-status"' in waiting.content
    progress = client.get(reverse("people:import_progress", args=[job.id])).json()
    assert progress["state"] == "queued"

    call_command("worker", "--batch")

    job.refresh_from_db()
    assert job.state == JobState.DONE and job.result == {"count": 2}
    assert Participant.objects.count() == 2
    assert bytes(job.content) == b"" and not StagedRow.objects.exists()  # erased at the end
    done = client.get(reverse("people:import_job", args=[job.id]))
    assert done.status_code == 302 and done["Location"] == reverse("people:list")


@pytest.mark.django_db
def test_staged_rows_are_sealed_and_dropped_when_the_job_fails() -> None:
    user = user_with_role("reg", "registrar", "region:north")
    actor = principal_for_user(user)
    job = ImportJob.objects.create(kind=import_job.KIND, user_id=user.pk, name="people.csv")
    kind = kinds.get(import_job.KIND)
    job.content = sealing.content_seal(kind, job.id, BODY.encode())
    job.save()
    # the check and staging step alone, as a worker does before it writes the first batch
    runner._check_and_stage(job, kind, actor, lambda *_a: None)
    assert job.state == JobState.WRITING and StagedRow.objects.count() == 2
    raw = _jobs_tables_raw()
    assert _plain(raw) == [] and b"sealed" in raw
    # a row moved to another number (or job) does not open
    row = StagedRow.objects.get(number=1)
    with pytest.raises(InvalidTag):
        sealing.payload_open(kind, job.id, 0, row.payload)
    runner.job_fail(job, "given up")
    assert not StagedRow.objects.exists() and bytes(ImportJob.objects.get().content) == b""


@pytest.mark.django_db
def test_a_refused_file_is_dropped_and_its_problems_shown() -> None:
    client = signed_in(user_with_role("reg", "registrar", "region:north"))
    body = BODY.replace("north,2", "south,2")
    response = client.post(reverse("people:import"), {"file": _upload(body)})
    assert response.status_code == 400 and "your grants do not cover" in response.content.decode()
    job = ImportJob.objects.get()
    assert job.state == JobState.REFUSED and bytes(job.content) == b""
    assert not Participant.objects.exists() and not StagedRow.objects.exists()


@pytest.mark.django_db
def test_a_refused_files_problems_quote_personal_data_only_sealed_and_the_page_opens_them() -> None:
    client = signed_in(user_with_role("reg", "registrar", "region:north"))
    body = BODY.replace(f"{NAME},1990-01-01", f"{NAME},1990-13-45")
    response = client.post(reverse("people:import"), {"file": _upload(body)})
    assert response.status_code == 400
    assert "1990-13-45" in response.content.decode()  # shown to its sender
    job = ImportJob.objects.get()
    assert job.state == JobState.REFUSED and job.problem_count >= 1
    raw = _jobs_tables_raw()
    assert _plain(raw) == [] and b"1990-13-45" not in raw  # kept sealed, the message too
    assert [p.column for p in runner.job_problems(job)] == ["born"]


@pytest.mark.django_db
def test_an_unsealed_kind_is_not_sealed_and_a_sealed_one_is() -> None:
    user = user_with_role("reg", "registrar", "region:north")
    job = import_submit(
        actor=principal_for_user(user), kind=import_job.KIND, name="p.csv", content=b"x"
    )  # refused at once (no header) by the immediate backend: nothing kept
    assert job.state == JobState.REFUSED and bytes(job.content) == b""
    assert kinds.get(import_job.KIND).sealed and not kinds.get("arms.items").sealed
