from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from laydown.core.errors import ValidationError
from laydown.ledger.models import Record
from laydown.people import selectors, services
from laydown.people.models import DuplicateFlag, Refusal
from laydown.people.tests.base import MANAGER, REGISTRAR, YES, png, register
from laydown.vault.models import BlindIndex, Entry

pytestmark = pytest.mark.django_db


def test_the_access_report_shows_what_is_held_and_every_access() -> None:
    p = register(photo=png(3))
    services.personal_data_read(
        actor=MANAGER, participant=p, categories=["identity"], purpose="duplicate check"
    )
    report = selectors.access_report(actor=REGISTRAR, participant=p)
    assert report["personal"]["identity"]["name"] == "Aram Petrosyan"
    assert report["personal"]["health"] == {"conditions": ["hearing loss"]}
    assert set(report["personal"]["photo"]) == {"sha256"}
    purposes = [h.get("purpose") for h in report["history"] if h["index"] is not None]
    assert "duplicate check" in purposes and "data-subject access request" in purposes


def test_a_correction_rewrites_the_vault_and_the_duplicate_keys() -> None:
    p = register()
    services.participant_correct(
        actor=REGISTRAR,
        participant=p,
        identity={"name": "Vardan Hakobyan", "born": "1980-01-01", "sex": "m"},
        dependants=3,
        reason="misheard at registration",
    )
    p.refresh_from_db()
    assert p.dependants == 3
    data = services.personal_data_read(
        actor=REGISTRAR, participant=p, categories=["identity"], purpose="check"
    )
    assert data["identity"]["name"] == "Vardan Hakobyan"
    corrected = Record.objects.get(kind="people.corrected").data
    assert corrected["changes"] == {"dependants": 3} and corrected["vault"] == ["identity"]
    again = register(name="Վարդան Հակոբյան", born="1980-01-01")
    assert DuplicateFlag.objects.get(participant=again).other == p.pk


def test_an_erased_persons_data_is_refused_recorded_and_explained() -> None:
    p = register(photo=png(4))
    with pytest.raises(PermissionDenied):
        services.participant_erase(actor=REGISTRAR, participant=p, reason="request")
    p = services.participant_erase(actor=MANAGER, participant=p, reason="the person asked")
    assert p.erased_at is not None
    assert not Entry.objects.filter(subject=p.pk).exists()
    assert not BlindIndex.objects.filter(subject=p.pk).exists()
    with pytest.raises(PermissionDenied, match="was erased on"):
        services.personal_data_read(
            actor=REGISTRAR, participant=p, categories=["identity"], purpose="ID card"
        )
    assert Refusal.objects.filter(subject=p.pk, actor="u-registrar").exists()
    assert Record.objects.filter(kind="people.registered").exists()  # the ledger keeps its records
    with pytest.raises(PermissionDenied, match="was erased"):
        services.participant_correct(actor=REGISTRAR, participant=p, dependants=1, reason="x")


def test_an_erased_person_no_longer_matches_new_registrations() -> None:
    p = register()
    services.participant_erase(actor=MANAGER, participant=p, reason="asked")
    again = register(name="Арам Петросян")
    assert not DuplicateFlag.objects.filter(participant=again).exists()


def test_the_id_card_shows_photo_pseudonym_and_qr_but_never_the_armed_group() -> None:
    p = register(photo=png(5))
    p = services.participant_screen(
        actor=REGISTRAR, participant=p, answers=YES, decision="eligible"
    )
    services.id_cards_issue(actor=REGISTRAR, participants=[p])
    p.refresh_from_db()
    card = selectors.id_card(actor=REGISTRAR, participant=p)
    assert card["name"] == "Aram Petrosyan" and card["photo_uri"].startswith("data:image/png")
    assert card["qr"].startswith("<svg") and "Northern Brigade" not in repr(card)
    assert Record.objects.filter(kind="vault.read").last().data["purpose"] == "ID card"


def test_a_correction_must_change_something() -> None:
    p = register()
    with pytest.raises(ValidationError, match="Nothing to correct"):
        services.participant_correct(actor=REGISTRAR, participant=p, reason="none")
