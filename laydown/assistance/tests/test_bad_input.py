"""The issue's "Bad input": each refused with a clear message, and nothing partial stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from laydown.assistance import services
from laydown.assistance.models import Distribution, Household
from laydown.assistance.tests.base import MEMBERS, VAULT, today
from laydown.core.errors import ValidationError
from laydown.testing import log_size
from laydown.vault.models import Entry, SubjectKey

pytestmark = pytest.mark.django_db


def test_it_refuses_delivering_more_than_planned_without_a_reason(distribute) -> None:
    before = log_size()
    with pytest.raises(ValidationError) as refused:
        distribute(quantity_planned=100, quantity_delivered=120)
    assert "over_delivery_reason" in refused.value.fields
    assert "120 delivered is more than the 100 planned" in refused.value.message
    assert log_size() == before and not Distribution.objects.exists()


def test_it_accepts_delivering_more_than_planned_with_a_reason(distribute) -> None:
    row = distribute(
        quantity_planned=100, quantity_delivered=120, over_delivery_reason="extra families"
    )
    assert row.over_delivery_reason == "extra families"


def test_it_refuses_people_reached_that_do_not_add_up_to_the_disaggregation(distribute) -> None:
    before = log_size()
    with pytest.raises(ValidationError) as refused:
        distribute(reached_total=250)
    assert refused.value.fields == {"reached_total": "does not add up"}
    assert "People reached (250) must equal" in refused.value.message
    assert "(210)" in refused.value.message
    assert log_size() == before and not Distribution.objects.exists()


def test_it_refuses_more_people_with_disabilities_than_people_reached(distribute) -> None:
    with pytest.raises(ValidationError) as refused:
        distribute(reached_disabled=211)
    assert "reached_disabled" in refused.value.fields


def test_it_refuses_a_distribution_dated_in_the_future(distribute) -> None:
    before = log_size()
    tomorrow = today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        distribute(date=tomorrow)
    assert refused.value.fields == {"date": "in the future"}
    assert tomorrow.isoformat() in refused.value.message
    assert log_size() == before and not Distribution.objects.exists()


def test_a_partner_cannot_record_for_another_partner(distribute, orgs, relief_staff) -> None:
    before = log_size()
    with pytest.raises(PermissionDenied, match="another organisation"):
        distribute(actor=relief_staff, organisation=orgs["icrc"])
    assert log_size() == before


def test_a_partner_cannot_correct_another_partners_distribution(distribute, relief_staff) -> None:
    row = distribute()
    before = log_size()
    with pytest.raises(PermissionDenied, match="another organisation"):
        services.distribution_correct(
            actor=relief_staff, distribution=row, reason="typo", quantity_delivered=1
        )
    row.refresh_from_db()
    assert row.quantity_delivered == 4800 and log_size() == before


def test_a_partner_cannot_register_households_for_another_partner(register, relief_staff) -> None:
    before = log_size()
    with pytest.raises(PermissionDenied):
        register(actor=relief_staff)
    assert log_size() == before and not SubjectKey.objects.exists()


def test_a_vault_read_without_a_purpose_is_refused_and_not_recorded(register, icrc_staff) -> None:
    household = register()
    before = log_size()
    for purpose in ("", "   "):
        with pytest.raises(ValidationError) as refused:
            services.household_personal_data(actor=icrc_staff, household=household, purpose=purpose)
        assert refused.value.fields == {"purpose": "required"}
        assert "State why" in refused.value.message
    assert log_size() == before


def test_another_partner_cannot_read_a_households_personal_data(register, relief_staff) -> None:
    household = register()
    before = log_size()
    with pytest.raises(PermissionDenied):
        services.household_personal_data(
            actor=relief_staff, household=household, purpose="curiosity"
        )
    assert log_size() == before


def test_a_household_with_an_invalid_member_stores_nothing(register) -> None:
    before = log_size()
    with pytest.raises(ValidationError) as refused:
        register(members=[*MEMBERS, {"sex": "x", "age_group": "18-59"}])
    assert refused.value.fields == {"members.3.sex": "unknown value"}
    assert log_size() == before and not Household.objects.exists() and not Entry.objects.exists()


def test_a_household_with_a_bad_legal_basis_stores_nothing(register) -> None:
    before = log_size()
    with pytest.raises(ValidationError) as refused:
        register(legal_basis="because")
    assert "legal_basis" in refused.value.fields
    assert log_size() == before and not Household.objects.exists() and not Entry.objects.exists()


def test_vault_settings_used_by_the_tests_are_valid() -> None:
    assert VAULT["legal_basis"] in ("vital_interest", "consent")
