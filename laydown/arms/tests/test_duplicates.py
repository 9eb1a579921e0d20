"""Duplicates: a serial seen before with the same make and model is flagged, whatever its look."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laydown.arms.models import CustodyEvent, Item
from laydown.arms.normalise import mixed_scripts, normalise_serial
from laydown.arms.services import DuplicateSuspected
from laydown.ledger.models import Record
from laydown.testing import log_size


@pytest.mark.parametrize(
    "printed,typed",
    [
        ("AK-123456", "ak 123 456"),
        ("AK-123456", "АК.123456"),  # Cyrillic А and К
        ("OB 1021", "0B-1O21"),  # letter O and digit 0 read alike
        ("IL-1", "1L1"),  # letter I and digit 1 read alike
        ("ΑΒ-77", "AB77"),  # Greek capitals
        ("Օ-55", "O55"),  # Armenian capital Oh
        ("ＡＫ１２", "AK12"),  # full-width characters
    ],
)
def test_look_alike_serials_normalise_to_the_same_form(printed: str, typed: str) -> None:
    assert normalise_serial(printed) == normalise_serial(typed)


def test_genuinely_different_serials_stay_different() -> None:
    assert normalise_serial("AK-123456") != normalise_serial("AK-123457")
    assert normalise_serial("S5") != normalise_serial("55")


@given(st.text(alphabet="AKOIBXaoik0123456789 -.АКОВХаокΑΚΟΙ", max_size=20))
def test_normalising_is_idempotent(serial: str) -> None:
    once = normalise_serial(serial)
    assert normalise_serial(once) == once


def test_mixed_scripts_are_detected_but_digits_and_one_script_are_fine() -> None:
    assert mixed_scripts("AК-1")  # Latin A, Cyrillic К
    assert mixed_scripts("ΑK")  # Greek Alpha, Latin K
    assert not mixed_scripts("АК-1")
    assert not mixed_scripts("123-456")
    assert not mixed_scripts("")


pytestmark = pytest.mark.django_db


def test_a_look_alike_serial_of_the_same_make_and_model_is_flagged(collect: Any) -> None:
    first = collect(serial="AK-123456", make="Kalashnikov", model="AKM")
    size = log_size()
    with pytest.raises(DuplicateSuspected) as caught:
        collect(serial="ак 123 456", make="KALASHNIKOV", model="akm")
    assert caught.value.code == "duplicate"
    assert caught.value.tags == [first.tag]
    assert first.tag in caught.value.message
    assert caught.value.fields == {"serial": "possible duplicate"}
    assert log_size() == size and Item.objects.count() == 1


def test_the_same_serial_of_another_model_is_not_flagged(collect: Any) -> None:
    collect(serial="123456", model="AKM")
    collect(serial="123456", model="AK-74")
    assert Item.objects.count() == 2


def test_a_confirmed_duplicate_is_registered_with_its_reason_recorded(collect: Any) -> None:
    first = collect(serial="AK-123456")
    second = collect(serial="AK123456", confirm_duplicate_reason="Different receiver markings")
    assert second.duplicate_reason == "Different receiver markings"
    event = CustodyEvent.objects.get(item=second, kind="arms.duplicate_confirmed")
    assert event.details == {"duplicate_of": [first.tag], "reason": "Different receiver markings"}
    record = Record.objects.get(index=event.record_index)
    assert record.data["reason"] == "Different receiver markings"


def test_an_item_without_serial_is_never_a_duplicate(collect: Any) -> None:
    collect(serial="", markings="serial ground off")
    collect(serial="", markings="serial ground off")
    assert Item.objects.count() == 2


INVISIBLE_VARIANTS = [
    "ZQ558\u200b306",  # zero-width space
    "ZQ558\u200d306",  # zero-width joiner
    "ZQ5\u00ad58306",  # soft hyphen
    "ZQ55\u206083\u200606",  # word joiner
    "\ufeffZQ558306",  # byte-order mark
    "ZQ558306\u180e",  # Mongolian vowel separator
    "ZQ558306\u0307",  # combining dot above
    "Z\u0307Q558306",  # combining dot composing into Ż
    "ＺＱ５５８３０６",  # full width
]


@pytest.mark.parametrize("variant", INVISIBLE_VARIANTS)
def test_a_serial_hidden_by_invisible_characters_is_flagged_as_a_duplicate(
    collect: Any, variant: str
) -> None:
    collect(serial="ZQ558306", make="Kalashnikov", model="AKM")
    size = log_size()
    with pytest.raises(DuplicateSuspected):
        collect(serial=variant, make="Kalashnikov", model="AKM")
    assert log_size() == size


def test_a_make_hidden_by_a_zero_width_space_still_matches(collect: Any) -> None:
    collect(serial="ZQ558306", make="Kalashnikov", model="AKM")
    with pytest.raises(DuplicateSuspected):
        collect(serial="ZQ558306", make="Kalash\u200bnikov", model="A\u00adKM")


def test_a_serial_with_a_bidi_override_is_refused_naming_the_field(collect: Any) -> None:
    from laydown.core.errors import ValidationError

    size = log_size()
    with pytest.raises(ValidationError) as refused:
        collect(serial="ZQ558306\u202d", make="Kalashnikov", model="AKM")
    assert "serial" in refused.value.fields
    with pytest.raises(ValidationError) as refused:
        collect(markings="star \u202eworra")
    assert "markings" in refused.value.fields
    assert log_size() == size


def test_an_import_flags_a_serial_hidden_by_invisible_characters(collect: Any, sites) -> None:
    from laydown.arms import importer
    from laydown.arms.tests.base import MANAGER

    collect(serial="ZQ558306", make="Kalashnikov", model="AKM")
    header = "site,category,make,model,serial,condition\n"
    row = "depot-a,sa_assault_rifle,Kalashnikov,AKM,ZQ558\u200b306,serviceable\n"
    with pytest.raises(importer.ImportRefused) as refused:
        importer.items_import(actor=MANAGER, name="i.csv", content=(header + row).encode())
    assert refused.value.problems
