from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from laydown.core.errors import ValidationError
from laydown.ledger.models import Record
from laydown.people import selectors, services
from laydown.people.models import Participant, Refusal
from laydown.people.tests.base import (
    AUDITOR,
    CHILD_OFFICER,
    MANAGER,
    PARTNER,
    REGISTRAR,
    REGISTRAR_SOUTH,
    TODAY,
    png,
    register,
)
from laydown.vault.models import Entry

pytestmark = pytest.mark.django_db


def test_registration_puts_personal_data_in_the_vault_and_a_pseudonym_in_the_ledger() -> None:
    p = register(photo=png(1))
    assert p.pseudonym.startswith("p-") and len(p.pseudonym) == 14
    assert (p.category, p.region, p.status, p.dependants) == ("combatant", "north", "registered", 2)
    categories = set(Entry.objects.filter(subject=p.pk).values_list("category", flat=True))
    assert categories == {"identity", "contact", "photo", "profile", "health"}
    bodies = b"".join(bytes(b) for b in Record.objects.values_list("body", flat=True))
    # the birth date as written ("1990-..."): hex digests elsewhere may well hold "1990"
    assert b"Petrosyan" not in bodies and b"Norashen" not in bodies and b"1990-" not in bodies
    assert b"Northern Brigade" not in bodies
    assert p.pk.encode() in bodies


def test_a_registrar_of_another_region_is_refused_and_the_refusal_is_recorded() -> None:
    p = register()
    with pytest.raises(PermissionDenied, match="for this participant") as caught:
        services.personal_data_read(
            actor=REGISTRAR_SOUTH, participant=p, categories=["identity"], purpose="checking"
        )
    refusal = Refusal.objects.get()
    assert (refusal.actor, refusal.subject, refusal.action) == (
        "u-registrar-south",
        p.pk,
        "people.personal_data",
    )
    assert "recorded" in refusal.reason and "north" not in str(caught.value)
    assert selectors.participant_search(principal=REGISTRAR_SOUTH).rows == []
    assert [r.pk for r in selectors.participant_search(principal=REGISTRAR).rows] == [p.pk]


def test_a_registrar_cannot_register_in_a_region_it_does_not_cover() -> None:
    with pytest.raises(PermissionDenied):
        register(REGISTRAR_SOUTH, region="north")
    assert not Participant.objects.exists()
    assert Refusal.objects.count() == 1


def test_a_partner_asking_for_vault_data_is_refused_recorded_and_told_why() -> None:
    p = register()
    size = Record.objects.count()
    with pytest.raises(PermissionDenied, match="Refused"):
        services.personal_data_read(
            actor=PARTNER, participant=p, categories=["identity"], purpose="distribution"
        )
    assert Refusal.objects.filter(actor="u-partner", subject=p.pk).exists()
    assert Record.objects.count() == size  # nothing read, nothing written
    assert selectors.participant_search(principal=PARTNER).rows == []


def test_reading_personal_data_records_the_purpose() -> None:
    p = register()
    data = services.personal_data_read(
        actor=REGISTRAR, participant=p, categories=["identity"], purpose="home visit"
    )
    assert data["identity"]["name"] == "Aram Petrosyan"
    read = Record.objects.filter(kind="vault.read").last()
    assert read.data["purpose"] == "home visit" and read.data["subject"] == p.pk


def test_health_data_needs_its_own_action() -> None:
    p = register()
    with pytest.raises(PermissionDenied):
        services.personal_data_read(
            actor=MANAGER, participant=p, categories=["health"], purpose="curious"
        )
    data = services.personal_data_read(
        actor=MANAGER, participant=p, categories=["identity"], purpose="duplicate check"
    )
    assert "health" not in data


def test_children_follow_a_separate_workflow_seen_only_by_child_protection() -> None:
    with pytest.raises(PermissionDenied, match="region north"):
        register(name="Ani Sargsyan", born="2012-01-01", category="child")
    child = register(CHILD_OFFICER, name="Ani Sargsyan", born="2012-01-01", category="child")
    assert child.is_child and child.status == "child_protection"
    assert selectors.participant_search(principal=MANAGER).rows == []
    assert selectors.participant_search(principal=AUDITOR).rows == []
    assert [r.pk for r in selectors.participant_search(principal=CHILD_OFFICER).rows] == [child.pk]
    with pytest.raises(PermissionDenied, match="for this participant") as caught:
        services.personal_data_read(
            actor=MANAGER, participant=child, categories=["identity"], purpose="x"
        )
    assert "18" not in str(caught.value) and "child" not in str(caught.value)


def test_a_person_under_18_cannot_be_registered_as_a_combatant() -> None:
    with pytest.raises(ValidationError) as caught:
        services.person_check(
            name="Ani",
            born="2012-01-01",
            sex="f",
            category="combatant",
            region="north",
            today=TODAY,
        )
    assert caught.value.fields == {"category": "under 18"}


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("name", "", "required"),
        ("name", "1234", "no letters"),
        ("born", "02/04/1990", "not a date"),
        ("born", "2030-01-01", "out of range"),
        ("sex", "q", "unknown value"),
        ("region", "North Region!", "bad code"),
        ("dependants", "-1", "out of range"),
        ("category", "general", "unknown value"),
    ],
)
def test_bad_registration_fields_are_named_with_the_reason(field, value, reason) -> None:
    fields = {
        "name": "Aram",
        "born": "1990-01-01",
        "sex": "m",
        "category": "combatant",
        "region": "north",
        field: value,
    }
    with pytest.raises(ValidationError) as caught:
        services.person_check(**fields, today=TODAY)
    assert caught.value.fields == {field: reason}


def test_a_photo_must_be_an_image() -> None:
    with pytest.raises(ValidationError, match="JPEG or PNG"):
        register(photo=b"GIF89a....")
