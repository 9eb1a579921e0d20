"""Services added for the pages: changing a project, adding a commitment to a meeting, files
checked by their content; and replay rebuilds what they wrote."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from laydown.access.permissions import Principal
from laydown.assistance import files, services
from laydown.assistance.models import Commitment, Project
from laydown.assistance.tests.base import snapshot, today
from laydown.core.errors import ValidationError
from laydown.ledger import replay
from laydown.ledger.models import Record
from laydown.testing import log_size

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture
def project(orgs: Any, places: Any, icrc_staff: Principal) -> Project:
    return services.project_create(
        actor=icrc_staff,
        organisation=orgs["icrc"],
        name="Clinic roof",
        sector="health",
        place="XA010101",
        budget=1000,
        currency="EUR",
    )


@pytest.fixture
def meeting(orgs: Any, places: Any, manager: Principal) -> Any:
    return services.meeting_record(
        actor=manager,
        organisation=orgs["operator"],
        title="Dialogue",
        date=today() - dt.timedelta(days=3),
        place="XA010101",
        topics=["land"],
        outcomes="",
        participants=[{"side": "community", "organisation": "Council"}],
    )


def test_a_project_change_keeps_what_is_not_given_and_records_the_reason(
    project: Project, icrc_staff: Principal
) -> None:
    changed = services.project_update(
        actor=icrc_staff, project=project, budget=1500, reason="bigger roof"
    )
    assert (changed.budget, changed.name, changed.currency) == (1500, "Clinic roof", "EUR")
    record = Record.objects.order_by("-index").first()
    assert record is not None and record.kind == "assistance.project_updated"
    assert record.data["reason"] == "bigger roof"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"currency": "dollars"}, "currency"),
        ({"place": "XA999999"}, "place"),
        ({"sector": "space"}, "sector"),
    ],
)
def test_a_bad_project_change_names_its_field_and_writes_nothing(
    project: Project, icrc_staff: Principal, change: dict[str, str], field: str
) -> None:
    before = log_size()
    with pytest.raises(ValidationError) as refused:
        services.project_update(actor=icrc_staff, project=project, **{"reason": "x", **change})
    assert field in refused.value.fields
    assert log_size() == before and Project.objects.get().budget == 1000


def test_another_partner_may_not_change_the_project(
    project: Project, relief_staff: Principal
) -> None:
    before = log_size()
    with pytest.raises(PermissionDenied):
        services.project_update(actor=relief_staff, project=project, budget=1, reason="mine")
    assert log_size() == before


def test_a_commitment_added_later_is_open_and_numbered_after_the_others(
    meeting: Any, manager: Principal
) -> None:
    added = services.commitment_add(
        actor=manager,
        meeting=meeting,
        text="Survey the land",
        owner_side="government",
        owner="Cadastre",
        due=today() + dt.timedelta(days=7),
    )
    assert added.code == "CM-000001" and added.status == "open" and added.meeting == meeting


def test_only_managers_add_commitments(meeting: Any, icrc_staff: Principal) -> None:
    before = log_size()
    with pytest.raises(PermissionDenied):
        services.commitment_add(
            actor=icrc_staff,
            meeting=meeting,
            text="x",
            owner_side="community",
            owner="x",
            due=today(),
        )
    assert log_size() == before and not Commitment.objects.exists()


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "empty or too large"), (b"GIF89a....", "wrong type"), (b"%PDF-1.4", "wrong type")],
)
def test_photos_are_checked_by_their_content(data: bytes, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        files.file_store(data=data, field="photos")
    assert refused.value.fields == {"photos": reason}


def test_a_photo_is_kept_by_its_hash_and_a_report_may_be_a_pdf() -> None:
    digest = files.file_store(data=PNG)
    assert files.file_path(digest).read_bytes() == PNG
    assert files.file_store(data=b"%PDF-1.4 x", kinds=files.DOCUMENT_KINDS)


def test_replay_rebuilds_changed_projects_and_added_commitments(
    project: Project, meeting: Any, icrc_staff: Principal, manager: Principal
) -> None:
    services.project_update(actor=icrc_staff, project=project, name="Clinic", reason="short")
    services.project_progress(
        actor=icrc_staff,
        project=project,
        date=today(),
        status="under_way",
        percent_complete=20,
        photo_files=[PNG],
    )
    services.commitment_add(
        actor=manager,
        meeting=meeting,
        text="Survey",
        owner_side="government",
        owner="Cadastre",
        due=today(),
    )
    before = snapshot()
    replay.ledger_replay()
    assert snapshot() == before
