"""An ODK Central export of the weapon hand-in form is imported as an items file: on the import
page, by the command and as a job; every problem is named by its row and the export's own
column; imported again (or sent by a device before), its submissions create nothing new."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from laydown.arms import import_job
from laydown.arms.models import Item, Site
from laydown.arms.tests.base import CLERK
from laydown.core.imports import ImportRefused
from laydown.field.models import Submission
from laydown.jobs import services as jobs
from laydown.jobs.models import ImportJob, JobState
from laydown.testing import log_size, signed_in, user_with_role
from laydown.testing.ledger import assert_log_is_whole

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = (FIXTURES / "weapons-central.csv").read_bytes()
BAD = (FIXTURES / "weapons-central-bad.csv").read_bytes()
IDS = {
    "6b1c2f3e-2f4d-4a7e-9c1b-0d9e4f6a7b11",
    "0f3a9d57-8e21-4b6c-a4f0-5d2b7c9e1a22",
    "c47e2b90-1d3f-4e8a-bb25-7f6a1c0d3e33",
}

# A weapon a device sent itself, which the export brings too (its second row)
SENT_ID = "0f3a9d57-8e21-4b6c-a4f0-5d2b7c9e1a22"
SENT = {
    "site": "cp-north",
    "category": "sa_revolver_pistol",
    "make": "Makarov",
    "model": "PM",
    "serial": "БА 1234",
    "condition": "unserviceable",
}


def _run(content: bytes, name: str = "weapons.csv") -> dict[str, object]:
    return jobs.job_run_here(
        actor=CLERK, kind=import_job.KIND, name=name, content=content, progress=lambda *_: None
    )


def test_a_central_export_is_imported_once_whatever_the_number_of_imports(
    sites: dict[str, Site],
) -> None:
    result = _run(GOOD)
    assert result["count"] == 3 and "skipped" not in result
    items = {i.serial: i for i in Item.objects.all()}
    assert set(items) == {"KT-190455", "БА 1234", ""}
    akm = items["KT-190455"]
    assert (akm.category, akm.make, akm.model, akm.year) == (
        "sa_assault_rifle",
        "Kalashnikov",
        "AKM",
        1975,
    )
    assert akm.markings == "star, 1975 arsenal mark" and akm.handed_in_by == "p-0042"
    assert akm.photos == []  # the export names its photo's file; it does not hold it
    received = {str(s.id): s for s in Submission.objects.all()}
    assert set(received) == IDS
    first = received["6b1c2f3e-2f4d-4a7e-9c1b-0d9e4f6a7b11"]
    assert first.form == "arms.weapon" and first.status == "accepted"
    assert (
        first.device_at is not None
        and first.device_at.isoformat() == "2026-11-02T09:04:47.029000+00:00"
    )

    size = log_size()
    again = _run(GOOD)
    assert again == {"skipped": 3}
    assert Item.objects.count() == 3 and Submission.objects.count() == 3 and log_size() == size
    assert_log_is_whole(log_size())


def test_a_submission_a_device_sent_before_is_skipped(sites: dict[str, Site]) -> None:
    from laydown.field import services as field

    field.submission_run(actor=CLERK, form="arms.weapon", submission=SENT_ID, payload=SENT)
    result = _run(GOOD)
    assert result["count"] == 2 and result["skipped"] == 1
    assert Item.objects.filter(serial="БА 1234").count() == 1
    assert Submission.objects.get(id=uuid.UUID(SENT_ID)).result["tag"].startswith("LD-")


def test_every_problem_of_an_export_is_told_by_row_and_its_own_column(
    sites: dict[str, Site],
) -> None:
    size = log_size()
    with pytest.raises(ImportRefused) as refused:
        _run(BAD, "bad.csv")
    assert ImportJob.objects.get().state == JobState.REFUSED
    found = {(p.row, p.column, p.value) for p in refused.value.problems}
    assert found == {
        (3, "category", "flamethrower"),
        (4, "site", "cp-south"),
        (4, "year", "1492"),
        (5, "KEY", "uuid:1a2b3c4d-0000-4000-8000-000000000001"),
        (6, "condition", "broken"),
        (6, "KEY", "not-an-id"),
    }
    assert not Item.objects.exists() and not Submission.objects.exists()
    assert log_size() == size


def _upload(content: bytes, name: str = "weapons.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_the_import_page_takes_an_export_and_says_what_it_skipped(
    sites: dict[str, Site],
) -> None:
    client: Client = signed_in(user_with_role("clerk", "collection_clerk", "programme"))
    refused = client.post("/arms/import/", {"file": _upload(BAD, "bad.csv")})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "category" in html and "flamethrower" in html and "not-an-id" in html
    done = client.post("/arms/import/", {"file": _upload(GOOD)}, follow=True)
    assert done.status_code == 200 and Item.objects.count() == 3
    assert "3 items imported" in done.content.decode()
    again = client.post("/arms/import/", {"file": _upload(GOOD)}, follow=True)
    page = again.content.decode()
    assert "3 rows of the export were skipped" in page and Item.objects.count() == 3


def test_the_command_imports_an_export_and_lists_its_problems(
    sites: dict[str, Site], tmp_path: Path
) -> None:
    user_with_role("clerk", "collection_clerk", "programme")
    good, bad = tmp_path / "weapons.csv", tmp_path / "bad.csv"
    good.write_bytes(GOOD)
    bad.write_bytes(BAD)
    err = io.StringIO()
    with pytest.raises(CommandError, match="6 problems"):
        call_command("import", "items", str(bad), "--as", "clerk", stderr=err)
    assert "row 3, category 'flamethrower': " in err.getvalue()
    out = io.StringIO()
    call_command("import", "items", str(good), "--as", "clerk", stdout=out)
    assert "Imported 3 items" in out.getvalue()
    out = io.StringIO()
    call_command("import", "items", str(good), "--as", "clerk", stdout=out)
    assert "Imported no item." in out.getvalue() and "Skipped 3 rows" in out.getvalue()
    assert Item.objects.count() == 3


def test_a_device_sending_a_submission_an_export_brought_gets_its_earlier_answer(
    sites: dict[str, Site],
) -> None:
    from laydown.field import services as field

    _run(GOOD)
    size = log_size()
    outcome = field.submission_run(
        actor=CLERK,
        form="arms.weapon",
        submission=SENT_ID,
        payload=SENT,
    )
    assert outcome.replayed and outcome.status == "accepted"
    assert Item.objects.filter(serial="БА 1234").count() == 1 and log_size() == size
