from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from laydown.core.errors import ValidationError
from laydown.ledger.models import Record
from laydown.people import services
from laydown.people.models import DuplicateFlag
from laydown.people.normalise import name_key
from laydown.people.tests.base import MANAGER, REGISTRAR, YES, png, register
from laydown.vault.models import BlindIndex

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "spelling",
    ["Арам Петросян", "Արամ Պետրոսյան", "PETROSIAN Aram", "Aram Petrossian", "Aram  Petrosyan."],
)
def test_names_in_latin_cyrillic_and_armenian_give_one_key(spelling) -> None:
    assert name_key(spelling) == name_key("Aram Petrosyan")


def test_different_names_give_different_keys() -> None:
    assert name_key("Aram Petrosyan") != name_key("Armen Petrosyan")
    assert name_key("Gayane Mkrtchyan") != name_key("Anna Mkrtchyan")


def test_a_registration_in_another_script_with_the_same_birth_date_is_flagged() -> None:
    first = register(name="Aram Petrosyan")
    second = register(name="Արամ Պետրոսյան")
    third = register(name="Арам Петросян", born="1985-01-01")  # another birth date
    flag = DuplicateFlag.objects.get(participant=second)
    assert (flag.other, flag.matched, flag.status) == (first.pk, ["name_born", "name_year"], "open")
    assert not DuplicateFlag.objects.filter(participant=third).exists()


def test_the_same_photo_is_flagged_whatever_the_name() -> None:
    first = register(name="Aram Petrosyan", photo=png(7))
    second = register(name="Vardan Hakobyan", born="1970-02-02", photo=png(7))
    assert DuplicateFlag.objects.get(participant=second).matched == ["photo"]
    assert DuplicateFlag.objects.get(participant=second).other == first.pk


def test_no_raw_values_are_kept_for_matching() -> None:
    register(name="Aram Petrosyan", photo=png(7))
    digests = list(BlindIndex.objects.values_list("digest", flat=True))
    assert digests and all(len(d) == 64 for d in digests)
    assert not any("aram" in d or "1990" in d for d in digests)


def test_a_suspected_duplicate_waits_for_a_manager_and_the_decision_is_recorded() -> None:
    register()
    second = register(name="Арам Петросян")
    flag = DuplicateFlag.objects.get(participant=second)
    with pytest.raises(ValidationError, match="manager must decide"):
        services.participant_screen(
            actor=REGISTRAR, participant=second, answers=YES, decision="eligible"
        )
    with pytest.raises(PermissionDenied):
        services.duplicate_decide(actor=REGISTRAR, flag=flag, decision="distinct", reason="x")
    with pytest.raises(ValidationError, match="A value is required") as refused:
        services.duplicate_decide(actor=MANAGER, flag=flag, decision="same", reason="")
    assert refused.value.fields == {"reason": "required"}
    services.duplicate_decide(
        actor=MANAGER, flag=flag, decision="same", reason="same person, photos compared"
    )
    second.refresh_from_db()
    assert second.status == "duplicate"
    decided = Record.objects.get(kind="people.duplicate_decided")
    assert decided.data == {
        "flag": flag.pk,
        "decision": "same",
        "reason": "same person, photos compared",
    }
    assert decided.actor == "u-manager"


def test_people_found_distinct_can_go_on() -> None:
    register()
    second = register(name="Арам Петросян")
    flag = DuplicateFlag.objects.get(participant=second)
    services.duplicate_decide(actor=MANAGER, flag=flag, decision="distinct", reason="twins")
    second = services.participant_screen(
        actor=REGISTRAR, participant=second, answers=YES, decision="eligible"
    )
    assert second.status == "eligible"
