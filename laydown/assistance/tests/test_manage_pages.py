"""Assistance form pages: projects and progress, dialogue and commitments, monitoring visits,
partner profiles, recipient lists and receipts, monitoring notes and complaints. Each refusal
says why next to the field it names (or is a 403/404) and writes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from laydown.assistance import services
from laydown.assistance.models import (
    Commitment,
    Complaint,
    DistributionRecipient,
    Meeting,
    PartnerProfile,
    Project,
    Visit,
)
from laydown.assistance.tests.base import today
from laydown.testing import log_size, signed_in, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64


def png(name: str = "photo.png", data: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


@pytest.fixture
def icrc_client(orgs: Any, places: Any) -> Client:
    return signed_in(user_with_role("icrc-user", "partner_staff", org="icrc"))


@pytest.fixture
def relief_client(orgs: Any) -> Client:
    return signed_in(user_with_role("relief-user", "partner_staff", org="relief"))


@pytest.fixture
def manager_client(orgs: Any, places: Any) -> Client:
    return signed_in(user_with_role("manager-user", "programme_manager", org="operator"))


def day(offset: int) -> str:
    return (today() + dt.timedelta(days=offset)).isoformat()


def refused_at(response: Any, field: str, text: str) -> None:
    """A 400 whose form shows `text` beside `field`."""
    assert response.status_code == 400, response.status_code
    errors = response.context["form"].errors
    assert field in errors and text in " ".join(errors[field]), errors.as_data()
    assert text in response.content.decode()


# ---- infrastructure projects ---------------------------------------------------------------

PROJECT = {
    "partner": "icrc",
    "name": "Millford water main",
    "sector": "water",
    "place": "XA010101",
    "budget": "250000",
    "currency": "usd",
    "status": "planned",
    "percent_complete": "0",
}


def test_partner_staff_create_a_project_change_it_and_record_progress_with_photos(
    icrc_client: Client,
) -> None:
    created = icrc_client.post(reverse("assistance:project_new"), PROJECT)
    project = Project.objects.get()
    assert created.status_code == 302 and created["Location"].endswith(f"{project.code}/")
    assert project.currency == "USD" and project.organisation.code == "icrc"
    edit = reverse("assistance:project_edit", args=[project.code])
    assert icrc_client.get(edit).status_code == 200
    changed = icrc_client.post(
        edit,
        {**PROJECT, "budget": "300000", "place": "XA010102", "reason": "second pipe added"},
    )
    assert changed.status_code == 302
    project.refresh_from_db()
    assert project.budget == 300000 and project.place_id == "XA010102"
    progress = reverse("assistance:project_progress", args=[project.code])
    moved = icrc_client.post(
        progress,
        {
            "date": day(-1),
            "status": "under_way",
            "percent_complete": "40",
            "note": "trench dug",
            "photos": [png("a.png"), png("b.png", PNG + b"b")],
        },
    )
    assert moved.status_code == 302
    project.refresh_from_db()
    step = project.progress.get()
    assert project.percent_complete == 40 and step.photos == [
        hashlib.sha256(PNG).hexdigest(),
        hashlib.sha256(PNG + b"b").hexdigest(),
    ]
    page = icrc_client.get(reverse("assistance:project_detail", args=[project.code]))
    assert b"trench dug" in page.content and b"Record progress" in page.content


def test_a_photo_that_is_not_an_image_is_refused_beside_the_photos(icrc_client: Client) -> None:
    icrc_client.post(reverse("assistance:project_new"), PROJECT)
    project = Project.objects.get()
    before = log_size()
    response = icrc_client.post(
        reverse("assistance:project_progress", args=[project.code]),
        {
            "date": day(-1),
            "status": "under_way",
            "percent_complete": "10",
            "photos": [SimpleUploadedFile("x.png", b"MZ not a picture")],
        },
    )
    refused_at(response, "photos", "not one of: JPEG, PNG, WEBP")
    assert log_size() == before and not project.progress.exists()


def test_a_completed_project_must_be_100_percent_and_the_form_says_so(icrc_client: Client) -> None:
    icrc_client.post(reverse("assistance:project_new"), PROJECT)
    project = Project.objects.get()
    before = log_size()
    response = icrc_client.post(
        reverse("assistance:project_progress", args=[project.code]),
        {"date": day(-1), "status": "completed", "percent_complete": "90"},
    )
    refused_at(response, "percent_complete", "100% complete")
    assert log_size() == before


def test_another_partners_project_forms_are_404_and_write_nothing(
    icrc_client: Client, relief_client: Client
) -> None:
    icrc_client.post(reverse("assistance:project_new"), PROJECT)
    project = Project.objects.get()
    before = log_size()
    for name in ("project_edit", "project_progress", "project_detail"):
        url = reverse(f"assistance:{name}", args=[project.code])
        assert relief_client.get(url).status_code == 404, name
    progress = {"date": day(-1), "status": "under_way", "percent_complete": "50"}
    url = reverse("assistance:project_progress", args=[project.code])
    assert relief_client.post(url, progress).status_code == 404
    assert log_size() == before and Project.objects.get().percent_complete == 0


def test_a_partner_cannot_create_a_project_for_another_partner(relief_client: Client) -> None:
    before = log_size()
    response = relief_client.post(reverse("assistance:project_new"), PROJECT)
    assert response.status_code == 400 and "partner" in response.context["form"].errors
    assert log_size() == before and not Project.objects.exists()


# ---- dialogue ------------------------------------------------------------------------------

MEETING = {
    "organisation": "operator",
    "title": "Reintegration in Millford",
    "date": day(-10),
    "place": "XA010101",
    "topics": "jobs\nland",
    "participants": "government; District office; 2; deputy governor\nCommunity; Village council",
    "outcomes": "A vocational centre will open.",
}


def test_a_manager_records_a_meeting_adds_a_commitment_and_follows_it_up(
    manager_client: Client,
) -> None:
    created = manager_client.post(reverse("assistance:meeting_new"), MEETING)
    assert created.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.topics == ["jobs", "land"]
    sides = list(meeting.participants.values_list("side", "organisation", "count"))
    assert sides == [("government", "District office", 2), ("community", "Village council", 1)]
    added = manager_client.post(
        reverse("assistance:commitment_new", args=[meeting.code]),
        {
            "text": "Open the vocational centre",
            "owner_side": "government",
            "owner": "District office",
            "due": day(-1),
        },
    )
    assert added.status_code == 302
    commitment = Commitment.objects.get()
    overdue = manager_client.get(reverse("assistance:commitments"), {"overdue": "1"})
    assert b"Open the vocational centre" in overdue.content
    listed = manager_client.get(reverse("assistance:meetings"))
    assert commitment.code.encode() not in listed.content  # by text and meeting, not code
    assert b"Open the vocational centre" in listed.content
    followed = manager_client.post(
        reverse("assistance:commitment_follow_up", args=[commitment.code]),
        {"status": "done", "note": "Opened on Monday"},
    )
    assert followed.status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == "done" and commitment.updates.count() == 1
    overdue = manager_client.get(reverse("assistance:commitments"), {"overdue": "1"})
    assert b"Open the vocational centre" not in overdue.content
    page = manager_client.get(reverse("assistance:meeting_detail", args=[meeting.code]))
    assert b"Opened on Monday" in page.content and b"Add a commitment" in page.content


def test_a_bad_participant_line_is_refused_beside_the_participants(manager_client: Client) -> None:
    before = log_size()
    response = manager_client.post(
        reverse("assistance:meeting_new"), {**MEETING, "participants": "rebels; Front"}
    )
    refused_at(response, "participants", "is not one of")
    assert log_size() == before and not Meeting.objects.exists()


def test_a_commitment_due_before_its_meeting_is_refused_beside_the_due_date(
    manager_client: Client,
) -> None:
    manager_client.post(reverse("assistance:meeting_new"), MEETING)
    meeting = Meeting.objects.get()
    before = log_size()
    response = manager_client.post(
        reverse("assistance:commitment_new", args=[meeting.code]),
        {"text": "Late", "owner_side": "community", "owner": "Council", "due": day(-20)},
    )
    refused_at(response, "due", "due after its meeting")
    assert log_size() == before and not Commitment.objects.exists()


def test_partner_staff_may_read_dialogue_but_not_record_it(
    icrc_client: Client, manager_client: Client
) -> None:
    manager_client.post(reverse("assistance:meeting_new"), MEETING)
    meeting = Meeting.objects.get()
    before = log_size()
    assert icrc_client.get(reverse("assistance:meeting_detail", args=[meeting.code])).status_code
    refused = icrc_client.post(reverse("assistance:meeting_new"), MEETING)
    assert refused.status_code == 403 and b"Your roles do not allow this" in refused.content
    url = reverse("assistance:commitment_new", args=[meeting.code])
    assert icrc_client.post(url, {"text": "x"}).status_code == 403
    assert log_size() == before and Meeting.objects.count() == 1


# ---- monitoring visits ---------------------------------------------------------------------


def visit_form(**overrides: str) -> dict[str, str]:
    return {
        "organisation": "icrc",
        "purpose": "Post-distribution monitoring",
        "planned_start": day(-3),
        "planned_end": day(-1),
        "itinerary": f"XA010101; {day(-3)}; market\nXA010102; {day(-2)}",
        **overrides,
    }


def test_a_visit_is_proposed_agreed_and_done_with_findings_and_a_report(
    icrc_client: Client,
) -> None:
    created = icrc_client.post(reverse("assistance:visit_new"), visit_form())
    assert created.status_code == 302
    visit = Visit.objects.get()
    assert [s["place"] for s in visit.itinerary] == ["XA010101", "XA010102"]
    url = reverse("assistance:visit_update", args=[visit.code])
    assert icrc_client.post(url, {"status": "agreed"}).status_code == 302
    report = SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")
    done = icrc_client.post(
        url,
        {
            "status": "done",
            "findings": "Queues were long",
            "report_summary": "Shorter queues advised",
            "report": report,
        },
    )
    assert done.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "done" and visit.report_sha256 == hashlib.sha256(PDF).hexdigest()
    page = icrc_client.get(reverse("assistance:visit_detail", args=[visit.code]))
    assert b"Queues were long" in page.content


def test_a_visit_postponed_to_dates_that_end_before_they_start_is_refused(
    icrc_client: Client,
) -> None:
    icrc_client.post(reverse("assistance:visit_new"), visit_form())
    visit = Visit.objects.get()
    before = log_size()
    response = icrc_client.post(
        reverse("assistance:visit_update", args=[visit.code]),
        {"status": "postponed", "planned_start": day(20), "planned_end": day(10)},
    )
    refused_at(response, "planned_end", "ends before it starts")
    report = SimpleUploadedFile("r.pdf", b"plain text", content_type="application/pdf")
    icrc_client.post(reverse("assistance:visit_update", args=[visit.code]), {"status": "agreed"})
    refused = icrc_client.post(
        reverse("assistance:visit_update", args=[visit.code]),
        {"status": "done", "findings": "ok", "report": report},
    )
    refused_at(refused, "report", "not one of")
    assert log_size() == before + 1 and Visit.objects.get().status == "agreed"


def test_another_organisation_may_read_a_visit_but_not_change_it(
    icrc_client: Client, relief_client: Client
) -> None:
    icrc_client.post(reverse("assistance:visit_new"), visit_form())
    visit = Visit.objects.get()
    before = log_size()
    page = relief_client.get(reverse("assistance:visit_detail", args=[visit.code]))
    assert page.status_code == 200 and b"Agree, postpone" not in page.content
    url = reverse("assistance:visit_update", args=[visit.code])
    assert relief_client.get(url).status_code == 403
    refused = relief_client.post(url, {"status": "agreed"})
    assert refused.status_code == 403 and b"visiting organisation" in refused.content
    assert log_size() == before and Visit.objects.get().status == "proposed"


# ---- partner profiles ----------------------------------------------------------------------


def test_partner_staff_edit_their_own_profile_and_not_anothers(
    icrc_client: Client, relief_client: Client
) -> None:
    url = reverse("assistance:partner_edit", args=["icrc"])
    profile = {"partner_kind": "red_cross", "sectors": ["health", "wash"], "contact": "Delegation"}
    assert icrc_client.post(url, profile).status_code == 302
    saved = PartnerProfile.objects.get(organisation__code="icrc")
    assert saved.sectors == ["health", "wash"] and saved.partner_kind == "red_cross"
    assert b"Delegation" in icrc_client.get(reverse("assistance:partners")).content
    before = log_size()
    assert relief_client.get(url).status_code == 404
    assert relief_client.post(url, {**profile, "contact": "mine"}).status_code == 404
    refused = icrc_client.post(url, {**profile, "partner_kind": "army"})
    assert refused.status_code == 400 and "partner_kind" in refused.context["form"].errors
    assert log_size() == before and PartnerProfile.objects.get().contact == "Delegation"


# ---- recipient lists, receipts, monitoring notes, complaints -------------------------------


def test_households_are_listed_and_their_receipts_recorded_with_a_photo(
    icrc_client: Client, distribute: Any, register: Any
) -> None:
    row = distribute()
    first, second = register(), register()
    listed = icrc_client.post(
        reverse("assistance:distribution_recipients", args=[row.code]),
        {"households": f"{first.code}, {second.code}"},
    )
    assert listed.status_code == 302 and DistributionRecipient.objects.count() == 2
    url = reverse("assistance:distribution_receipt", args=[row.code])
    form = icrc_client.get(url)
    assert form.status_code == 200 and first.code.encode() in form.content
    received = icrc_client.post(
        url, {"household": first.code, "receipt_kind": "thumbprint", "photo": png()}
    )
    assert received.status_code == 302
    receipt = DistributionRecipient.objects.get(household=first)
    assert receipt.receipt_sha256 == hashlib.sha256(PNG).hexdigest()
    page = icrc_client.get(reverse("assistance:distribution_detail", args=[row.code]))
    assert b"1 waiting" in page.content


def test_a_receipt_photo_that_is_not_an_image_is_refused_beside_the_photo(
    icrc_client: Client, distribute: Any, register: Any
) -> None:
    row = distribute()
    household = register()
    services.recipients_list(
        actor=services_actor(icrc_client), distribution=row, households=[household.code]
    )
    before = log_size()
    response = icrc_client.post(
        reverse("assistance:distribution_receipt", args=[row.code]),
        {
            "household": household.code,
            "receipt_kind": "signature",
            "photo": SimpleUploadedFile("sig.png", b"GIF89a not accepted"),
        },
    )
    refused_at(response, "photo", "not one of")
    assert log_size() == before and DistributionRecipient.objects.get().received_at is None


def services_actor(client: Client) -> Any:
    from laydown.access.web import principal_for_user
    from laydown.accounts.models import User

    return principal_for_user(User.objects.get(pk=client.session["_auth_user_id"]))


def test_an_unknown_household_is_refused_beside_the_households(
    icrc_client: Client, distribute: Any
) -> None:
    row = distribute()
    before = log_size()
    response = icrc_client.post(
        reverse("assistance:distribution_recipients", args=[row.code]),
        {"households": "h-000000000000"},
    )
    refused_at(response, "households", "h-000000000000")
    assert log_size() == before


def test_monitoring_notes_are_added_and_a_bad_percentage_is_refused(
    icrc_client: Client, distribute: Any
) -> None:
    row = distribute()
    url = reverse("assistance:monitoring_note_new", args=[row.code])
    added = icrc_client.post(url, {"note": "Flour arrived dry", "satisfied_percent": "85"})
    assert added.status_code == 302 and row.notes.get().satisfied_percent == 85
    before = log_size()
    refused = icrc_client.post(url, {"note": "x", "satisfied_percent": "150"})
    assert refused.status_code == 400 and "satisfied_percent" in refused.context["form"].errors
    assert log_size() == before


def test_a_complaint_is_recorded_followed_up_and_closed(
    icrc_client: Client, distribute: Any
) -> None:
    row = distribute()
    new = icrc_client.get(reverse("assistance:complaint_new"), {"distribution": row.code})
    assert new.status_code == 200 and row.code.encode() in new.content
    created = icrc_client.post(
        reverse("assistance:complaint_new"),
        {
            "partner": "icrc",
            "place": "XA010101",
            "distribution": row.code,
            "channel": "hotline",
            "description": "Bags were short of weight",
        },
    )
    assert created.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.distribution_id == row.code
    url = reverse("assistance:complaint_follow_up", args=[complaint.code])
    assert icrc_client.post(url, {"status": "closed", "note": "Scales checked"}).status_code == 302
    before = log_size()
    again = icrc_client.post(url, {"status": "open", "note": "reopen"})
    refused_at(again, "status", "The complaint is closed.")
    assert log_size() == before
    listed = icrc_client.get(reverse("assistance:complaints"), {"status": "closed"})
    assert complaint.code.encode() in listed.content
    page = icrc_client.get(reverse("assistance:complaint_detail", args=[complaint.code]))
    assert b"Scales checked" in page.content


def test_another_partners_complaints_and_distributions_look_absent(
    icrc_client: Client, relief_client: Client, distribute: Any
) -> None:
    row = distribute()
    icrc_client.post(
        reverse("assistance:complaint_new"),
        {"partner": "icrc", "place": "XA010101", "channel": "hotline", "description": "late"},
    )
    complaint = Complaint.objects.get()
    before = log_size()
    for name, code in (
        ("complaint_detail", complaint.code),
        ("complaint_follow_up", complaint.code),
        ("distribution_recipients", row.code),
        ("distribution_receipt", row.code),
        ("monitoring_note_new", row.code),
    ):
        assert relief_client.get(reverse(f"assistance:{name}", args=[code])).status_code == 404
    assert (
        complaint.code.encode() not in relief_client.get(reverse("assistance:complaints")).content
    )
    refused = relief_client.post(
        reverse("assistance:complaint_new"),
        {
            "partner": "relief",
            "place": "XA010101",
            "distribution": row.code,
            "channel": "hotline",
            "description": "about their distribution",
        },
    )
    refused_at(refused, "distribution", row.code)
    assert log_size() == before and Complaint.objects.count() == 1


# ---- navigation ----------------------------------------------------------------------------


def test_the_account_nav_links_to_assistance_for_those_who_may_read_it(
    manager_client: Client, orgs: Any
) -> None:
    assert b'href="/assistance/"' in manager_client.get(reverse("assistance:index")).content
    clerk = signed_in(user_with_role("clerk", "registrar"))
    assert b'href="/assistance/"' not in clerk.get(reverse("accounts:profile")).content
