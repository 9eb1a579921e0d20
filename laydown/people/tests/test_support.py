from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from laydown.core.errors import ValidationError
from laydown.ledger.models import Record
from laydown.people import entitlements, services
from laydown.people.models import PaymentLine
from laydown.people.tests.base import MANAGER, REGISTRAR, YES, register

pytestmark = pytest.mark.django_db


def eligible_with_card(**fields):
    p = register(**fields)
    p = services.participant_screen(
        actor=REGISTRAR, participant=p, answers=YES, decision="eligible"
    )
    services.id_cards_issue(actor=REGISTRAR, participants=[p])
    p.refresh_from_db()
    return p


def test_the_rules_give_instalments_by_category_and_dependants() -> None:
    assert entitlements.instalment_amount(category="combatant", dependants=2) == 80_000
    assert entitlements.instalment_amount(category="combatant", dependants=9) == 100_000
    assert entitlements.instalment_amount(category="child", dependants=0) == 0
    assert entitlements.instalments_due(category="associated", paid=6) == 0


def test_an_approved_payment_list_is_frozen() -> None:
    a = eligible_with_card()
    cycle = services.payment_cycle_draft(actor=MANAGER, cycle="2026-06")
    assert [(line.participant_id, line.amount) for line in cycle.lines.all()] == [(a.pk, 80_000)]
    with pytest.raises(PermissionDenied):
        services.payment_cycle_approve(actor=REGISTRAR, cycle=cycle)
    cycle = services.payment_cycle_approve(actor=MANAGER, cycle=cycle)
    assert cycle.status == "approved"
    eligible_with_card(name="Vardan Hakobyan", born="1980-01-01")  # arrives after approval
    with pytest.raises(ValidationError, match="frozen"):
        services.payment_cycle_draft(actor=MANAGER, cycle="2026-06")
    with pytest.raises(ValidationError, match="already approved"):
        services.payment_cycle_approve(actor=MANAGER, cycle=cycle)
    assert list(cycle.lines.values_list("participant", flat=True)) == [a.pk]
    approved = Record.objects.get(kind="people.cycle_approved").data
    assert approved["lines"] == 1 and approved["total"] == 80_000 and len(approved["digest"]) == 64


def test_each_payment_is_recorded_once() -> None:
    a = eligible_with_card()
    cycle = services.payment_cycle_draft(actor=MANAGER, cycle="2026-06")
    with pytest.raises(ValidationError, match="approved list only"):
        services.payments_record(actor=REGISTRAR, cycle=cycle, references={a.pk: "MT-1"})
    cycle = services.payment_cycle_approve(actor=MANAGER, cycle=cycle)
    assert services.payments_record(actor=REGISTRAR, cycle=cycle, references={a.pk: "MT-1"}) == 1
    line = PaymentLine.objects.get()
    assert (line.reference, line.paid_by) == ("MT-1", "u-registrar")
    with pytest.raises(ValidationError, match="already paid"):
        services.payments_record(actor=REGISTRAR, cycle=cycle, references={a.pk: "MT-2"})
    with pytest.raises(ValidationError, match="not on the list"):
        services.payments_record(actor=REGISTRAR, cycle=cycle, references={"p-000000000000": "x"})


def test_the_next_cycle_pays_the_next_instalment_and_skips_revoked_people() -> None:
    a = eligible_with_card()
    b = eligible_with_card(name="Vardan Hakobyan", born="1980-01-01", dependants=0)
    services.payment_cycle_approve(
        actor=MANAGER, cycle=services.payment_cycle_draft(actor=MANAGER, cycle="2026-06")
    )
    services.participant_revoke(actor=MANAGER, participant=b, reason="fraud")
    july = services.payment_cycle_draft(actor=MANAGER, cycle="2026-07")
    assert list(july.lines.values_list("participant", "instalment")) == [(a.pk, 2)]


def test_a_bad_cycle_code_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        services.payment_cycle_draft(actor=MANAGER, cycle="June")
    assert caught.value.fields == {"cycle": "bad month"}


def test_referrals_are_followed_up() -> None:
    a = register()
    ref = services.referral_create(
        actor=REGISTRAR, participant=a, kind="jobs", service="Vocational school North"
    )
    ref = services.referral_follow_up(actor=REGISTRAR, referral=ref, status="accepted", note="ok")
    assert ref.status == "accepted" and ref.follow_ups.count() == 1
    with pytest.raises(ValidationError):
        services.referral_create(actor=REGISTRAR, participant=a, kind="cinema", service="x")
