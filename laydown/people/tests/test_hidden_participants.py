"""A participant one may not see looks exactly like one that does not exist (page and API),
the refusal is still on record, and the ID card decrypts nothing on a mere GET."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from laydown.access.web import principal_for_user
from laydown.ledger.models import Record
from laydown.people import services
from laydown.people.models import Refusal
from laydown.people.tests.base import CHILD_OFFICER, YES, register, unmasked
from laydown.testing import FAST_HASHERS, bearer, signed_in, token_for, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_hashers")]
MISSING = "p-000000000000"


@pytest.fixture
def fast_hashers():
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


def test_a_child_is_a_404_like_a_missing_participant_to_a_manager_on_pages_and_the_api() -> None:
    child = register(CHILD_OFFICER, name="Ani Sargsyan", born="2012-01-01", category="child")
    manager = user_with_role("mgr", "programme_manager")
    client = signed_in(manager)
    page = client.get(reverse("people:person", args=[child.pk]))
    missing = client.get(reverse("people:person", args=[MISSING]))
    assert page.status_code == missing.status_code == 404 and unmasked(page) == unmasked(missing)
    secret = token_for(manager, ["people.read"])
    api = client.get(f"/api/v1/people/participants/{child.pk}", headers=bearer(secret))
    none = client.get(f"/api/v1/people/participants/{MISSING}", headers=bearer(secret))
    assert api.status_code == none.status_code == 404 and api.json() == none.json()
    assert api.json()["error"]["message"] == "No participant you may see."
    assert "18" not in api.content.decode() and "child" not in api.content.decode().lower()
    assert Refusal.objects.filter(subject=child.pk, actor=manager.pseudonym).count() == 2


def test_the_id_card_get_reads_nothing_and_the_post_records_one_id_card_read() -> None:
    registrar = user_with_role("reg", "registrar", "region:north")
    actor = principal_for_user(registrar)
    p = register(actor)
    p = services.participant_screen(actor=actor, participant=p, answers=YES, decision="eligible")
    services.id_cards_issue(actor=actor, participants=[p])
    client = signed_in(registrar)
    before = Record.objects.count()
    shown = client.get(reverse("people:card", args=[p.pk]))
    assert shown.status_code == 200
    page = shown.content.decode()
    assert "Show the ID card to print it" in page and 'method="post"' in page
    assert "Aram Petrosyan" not in page and Record.objects.count() == before
    printed = client.post(reverse("people:card", args=[p.pk]))
    assert printed.status_code == 200 and "Aram Petrosyan" in printed.content.decode()
    [read] = Record.objects.filter(index__gt=before - 1).order_by("index")[:]
    assert read.kind == "vault.read" and read.data["purpose"] == "ID card"


def test_the_id_card_post_needs_the_csrf_token() -> None:
    registrar = user_with_role("reg", "registrar", "region:north")
    p = register(principal_for_user(registrar))
    client = signed_in(registrar)
    client.handler.enforce_csrf_checks = True
    before = Record.objects.count()
    assert client.post(reverse("people:card", args=[p.pk])).status_code == 403
    assert Record.objects.count() == before
