"""A KoBoToolbox CSV export (semicolon-separated) of the distribution form is imported as a
distributions file on the import page: a date-time's date taken, its submissions noted, and
imported again it creates nothing new."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from laydown.access.permissions import Principal
from laydown.accounts.models import Organisation
from laydown.assistance.models import Distribution
from laydown.assistance.tests.base import DISTRIBUTION, today
from laydown.field.models import Submission
from laydown.testing import signed_in, user_with_role

IDS = ("3f9a0c11-7b2e-4d5f-8a6b-1c2d3e4f5a01", "3f9a0c11-7b2e-4d5f-8a6b-1c2d3e4f5a02")
GROUPS = ("girls", "boys", "women", "men", "older_women", "older_men")


def _export(day: dt.date, sector: str = DISTRIBUTION["sector"]) -> bytes:
    """A KoBo CSV export of Laydown's assistance.distribution XLSForm: `;`, quoted, KoBo's own
    columns; the form has no `partner` (the sender's own) nor `reached_total` (the sum)."""
    header = [
        "start", "end", "date", "place", "sector", "activity", "commodity", "item", "unit",
        "quantity_planned", "quantity_delivered", "over_delivery_reason", *GROUPS,
        "reached_disabled", "meta/instanceID", "_id", "_uuid",
        "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by",
        "__version__", "_tags", "_index",
    ]  # fmt: skip
    lines = [";".join(f'"{h}"' for h in header)]
    for n, sid in enumerate(IDS, start=1):
        when = f"{day.isoformat()}T10:0{n}:00.000+04:00"
        values = [
            when, when, when, DISTRIBUTION["place"], sector, DISTRIBUTION["activity"],
            DISTRIBUTION["commodity"], DISTRIBUTION["item"], DISTRIBUTION["unit"],
            DISTRIBUTION["quantity_planned"], DISTRIBUTION["quantity_delivered"], "",
            *(DISTRIBUTION[g] for g in GROUPS), 0, f"uuid:{sid}", 41000 + n, sid,
            f"{day.isoformat()}T07:0{n}:30", "", "", "submitted_via_web", "staff", "v1", "", n,
        ]  # fmt: skip
        lines.append(";".join(f'"{v}"' for v in values))
    return ("\n".join(lines) + "\n").encode()


def _client(actor: Principal) -> Any:
    org = Organisation.objects.get(pk=actor.organisation_id).code
    return signed_in(user_with_role("web-staff", "partner_staff", org=org))


def _post(client: Any, content: bytes) -> Any:
    upload = SimpleUploadedFile("distribution.csv", content, content_type="text/csv")
    return client.post(
        reverse("assistance:import"), {"kind": "distributions", "file": upload}, follow=True
    )


def test_a_kobo_export_of_distributions_is_imported_once(
    places: Any, icrc_staff: Principal
) -> None:
    client = _client(icrc_staff)
    day = today() - dt.timedelta(days=2)
    refused = _post(client, _export(day, sector="cooking"))
    assert refused.status_code == 400
    problems = refused.context["result"]["problems"]
    assert [(p.row, p.column, p.value) for p in problems] == [
        (2, "sector", "cooking"),
        (3, "sector", "cooking"),
    ]
    assert not Distribution.objects.exists() and not Submission.objects.exists()

    done = _post(client, _export(day))
    assert "2 rows imported" in done.content.decode()
    assert [d.date for d in Distribution.objects.all()] == [day, day]
    assert {str(s.id) for s in Submission.objects.all()} == set(IDS)
    assert {s.form for s in Submission.objects.all()} == {"assistance.distribution"}

    again = _post(client, _export(day))
    assert "2 rows of the export were skipped" in again.content.decode()
    assert Distribution.objects.count() == 2
