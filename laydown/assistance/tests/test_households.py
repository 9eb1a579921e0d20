"""Households: personal data in the vault only, duplicate check with a recorded manager override."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from laydown.assistance import services
from laydown.assistance.models import Household
from laydown.ledger.models import Record
from laydown.testing import log_size

pytestmark = pytest.mark.django_db


def test_personal_data_is_in_the_vault_and_the_ledger_names_the_household_by_pseudonym(
    register, icrc_staff
) -> None:
    household = register(head_name="Elif Varden", document="AB-123")
    assert household.code.startswith("h-") and household.size == 3
    bodies = b"".join(bytes(b) for b in Record.objects.values_list("body", flat=True))
    assert b"Varden" not in bodies and b"AB-123" not in bodies
    assert household.code.encode() in bodies
    data = services.household_personal_data(
        actor=icrc_staff, household=household, purpose="verify identity at distribution"
    )
    assert data["head_name"] == "Elif Varden"
    read = Record.objects.order_by("-index").first()
    assert read.kind == "vault.read" and b"verify identity" in bytes(read.body)


def test_a_suspected_duplicate_is_refused_naming_the_earlier_household(register) -> None:
    first = register(head_name="Lev Korsak", document="X-1")
    before = log_size()
    with pytest.raises(services.DuplicateSuspected) as refused:
        register(head_name="LEV  korsak", document="X-2", phone="")
    assert refused.value.households == [first.code]
    assert first.code in refused.value.message
    assert log_size() == before and Household.objects.count() == 1


def test_partner_staff_cannot_override_a_duplicate(register) -> None:
    register(document="SAME-1")
    before = log_size()
    with pytest.raises(PermissionDenied):
        register(document="SAME-1", override_reason="twins' households")
    assert log_size() == before


def test_a_manager_overrides_a_duplicate_with_a_recorded_reason(register, manager) -> None:
    first = register(document="SAME-2")
    second = register(
        actor=manager, document="SAME-2", override_reason="document shared by two brothers"
    )
    assert second.duplicate_of == [first.code]
    assert second.duplicate_override_reason == "document shared by two brothers"
    assert second.duplicate_override_by == "u-manager"


@pytest.mark.parametrize(
    "field,variant",
    [
        ("document", "DOC-\u200b00001"),
        ("document", "\ufeffDOC-00001"),
        ("head_name", "Head Num\u00adber 1"),
        ("phone", "+1 555 ٠٠٠١"),  # Arabic-Indic digits
    ],
)
def test_a_household_retyped_with_invisible_characters_is_a_suspected_duplicate(
    register, field: str, variant: str
) -> None:
    register()
    with pytest.raises(services.DuplicateSuspected):
        register(**{"head_name": "Someone Else", "phone": "", "document": "", field: variant})


def test_a_head_name_with_a_bidi_override_is_refused_and_nothing_is_written(register) -> None:
    from laydown.core.errors import ValidationError

    size = log_size()
    with pytest.raises(ValidationError) as refused:
        register(head_name="Zorana \u202eanaroZ")
    assert "head_name" in refused.value.fields
    assert log_size() == size and not Household.objects.exists()
