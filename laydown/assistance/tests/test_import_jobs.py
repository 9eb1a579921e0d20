"""The places, distributions and households imports as background jobs: queued by the page,
run by the real worker, followed on their page; a households file (names, phones,
documents) is kept sealed while it waits and dropped when the job ends."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from laydown.access.permissions import Principal
from laydown.accounts.models import Organisation
from laydown.assistance import import_job
from laydown.assistance.models import Distribution, Household, Place
from laydown.assistance.tests.base import (
    VAULT,
    csv_bytes,
    distribution_rows,
    household_rows,
    today,
)
from laydown.jobs.models import ImportJob, JobState, StagedRow
from laydown.testing import signed_in, user_with_role


def _client(actor: Principal) -> Any:
    role = "programme_manager" if actor.pseudonym == "u-manager" else "partner_staff"
    org = Organisation.objects.get(pk=actor.organisation_id).code
    return signed_in(user_with_role(f"web-{actor.pseudonym}", role, org=org))


def _post(client: Any, kind: str, content: bytes, **fields: str) -> Any:
    upload = SimpleUploadedFile(f"{kind}.csv", content, content_type="text/csv")
    return client.post(reverse("assistance:import"), {"kind": kind, "file": upload, **fields})


def _run_by_the_worker(client: Any, response: Any) -> ImportJob:
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/jobs/{job.id}/")
    assert job.state == JobState.QUEUED
    waiting = client.get(response["Location"])
    assert waiting.status_code == 200 and b'id="job-status"' in waiting.content
    progress = client.get(reverse("assistance:import_progress", args=[job.id])).json()
    assert progress["state"] == "queued"
    call_command("worker", "--batch")
    job.refresh_from_db()
    assert job.state == JobState.DONE, (job.state, job.message, job.problems)
    assert bytes(job.content) == b"" and not StagedRow.objects.exists()
    done = client.get(reverse("assistance:import_job", args=[job.id]))
    assert done.status_code == 302 and done["Location"] == reverse("assistance:import")
    return job


def _raw_jobs() -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM jobs_importjob")
        kept = [bytes(content) for (content,) in cursor.fetchall()]
        cursor.execute("SELECT CAST(params AS TEXT) FROM jobs_importjob")
        kept += [text.encode() for (text,) in cursor.fetchall()]
        cursor.execute("SELECT CAST(payload AS TEXT) FROM jobs_stagedrow")
        kept += [text.encode() for (text,) in cursor.fetchall()]
    return b"\n".join(kept)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_places_file_is_run_by_the_worker(manager: Principal) -> None:
    client = _client(manager)
    rows = [
        {"pcode": "XB01", "name": "Eastmark", "level": "region", "parent": ""},
        {"pcode": "XB0101", "name": "Lowfield", "level": "district", "parent": "XB01"},
    ]
    job = _run_by_the_worker(client, _post(client, "places", csv_bytes(rows)))
    assert job.result == {"count": 2} and Place.objects.get(pcode="XB0101").parent_id


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_distributions_file_is_run_by_the_worker(places: Any, icrc_staff: Principal) -> None:
    client = _client(icrc_staff)
    content = csv_bytes(distribution_rows(5))
    job = _run_by_the_worker(client, _post(client, "distributions", content))
    assert job.result == {"count": 5}
    assert Distribution.objects.filter(organisation__code="icrc").count() == 5


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_households_file_waits_sealed_and_is_run_by_the_worker(
    places: Any, icrc_staff: Principal
) -> None:
    client = _client(icrc_staff)
    retain = (today() + dt.timedelta(days=365)).isoformat()
    response = _post(
        client, "households", csv_bytes(household_rows(4)), retain_until=retain, **VAULT
    )
    raw = _raw_jobs()
    assert b"Import Head" not in raw and b"ID000001" not in raw and b"+99 00001" not in raw
    assert VAULT["purpose"].encode() in raw  # the terms are kept beside the file, in clear
    job = _run_by_the_worker(client, response)
    assert job.result == {"count": 4} and Household.objects.count() == 4


@pytest.mark.django_db
def test_a_refused_file_shows_its_problems_and_keeps_nothing(places: Any, icrc_staff: Any) -> None:
    client = _client(icrc_staff)
    rows = household_rows(2)
    rows[1] = {**rows[1], "members": "f/18-59; x"}
    retain = (today() + dt.timedelta(days=365)).isoformat()
    response = _post(client, "households", csv_bytes(rows), retain_until=retain, **VAULT)
    assert response.status_code == 400
    assert [(p.row, p.column) for p in response.context["result"]["problems"]] == [(3, "members")]
    job = ImportJob.objects.get(kind=import_job.HOUSEHOLDS)
    assert job.state == JobState.REFUSED and bytes(job.content) == b""
    assert not Household.objects.exists() and not StagedRow.objects.exists()
