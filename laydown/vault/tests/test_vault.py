from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from laydown.core.errors import ValidationError
from laydown.ledger import selectors
from laydown.ledger.models import Record
from laydown.vault import selectors as vault_selectors
from laydown.vault import services
from laydown.vault.models import Entry, SubjectKey
from laydown.vault.tests.base import ACTION, CLERK, IDENTITY, REGISTRAR, TODAY, write

pytestmark = pytest.mark.django_db


def test_personal_data_is_encrypted_at_rest_and_absent_from_the_ledger() -> None:
    write()
    ciphertext = bytes(Entry.objects.get().ciphertext)
    assert "Петросян".encode() not in ciphertext and b"Petrosyan" not in ciphertext
    bodies = b"".join(bytes(b) for b in Record.objects.values_list("body", flat=True))
    assert "Петросян".encode() not in bodies and b"Petrosyan" not in bodies
    assert b"p-0001" in bodies  # the pseudonym is what the log names


def test_every_read_is_a_record_with_its_purpose() -> None:
    write()
    data = services.vault_read(
        principal=REGISTRAR,
        action=ACTION,
        subject="p-0001",
        categories=["identity"],
        purpose="ID card printing",
    )
    assert data == {"identity": IDENTITY}
    read = Record.objects.get(kind="vault.read")
    assert read.data == {
        "subject": "p-0001",
        "categories": ["identity"],
        "purpose": "ID card printing",
    }
    assert read.actor == "u-registrar"


def test_a_role_without_the_action_can_neither_read_nor_write() -> None:
    write()
    size = selectors.log_size()
    with pytest.raises(PermissionDenied):
        services.vault_read(
            principal=CLERK, action=ACTION, subject="p-0001", categories=["identity"], purpose="x"
        )
    with pytest.raises(PermissionDenied):
        write(principal=CLERK)
    assert selectors.log_size() == size


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"legal_basis": "because"}, "legal_basis"),
        ({"purpose": "  "}, "purpose"),
        ({"retain_until": dt.date(2020, 1, 1)}, "retain_until"),
    ],
)
def test_writes_need_a_legal_basis_a_purpose_and_a_future_retention_date(override, field) -> None:
    with pytest.raises(ValidationError) as error:
        write(**override)
    assert field in error.value.fields
    assert not Entry.objects.exists()


def test_erasure_destroys_the_key_and_later_reads_fail() -> None:
    write()
    services.vault_erase(principal=REGISTRAR, action=ACTION, subject="p-0001", reason="request")
    key = SubjectKey.objects.get()
    assert key.wrapped_key is None and key.erased_at is not None
    assert not Entry.objects.exists()
    with pytest.raises(services.SubjectErased):
        services.vault_read(
            principal=REGISTRAR,
            action=ACTION,
            subject="p-0001",
            categories=["identity"],
            purpose="x",
        )
    assert Record.objects.filter(kind="vault.erased").count() == 1
    assert vault_selectors.vault_matches(field="name", normalised_value="aram petrosyan") == []


def test_blind_indexes_find_duplicates_without_decrypting() -> None:
    write("p-0001")
    write("p-0002", blind_indexes={"name": "aram petrosyan", "born": "1991-01-01"})
    write("p-0003", blind_indexes={"name": "anna hakobyan"})
    assert vault_selectors.vault_matches(field="name", normalised_value="aram petrosyan") == [
        "p-0001",
        "p-0002",
    ]
    assert vault_selectors.vault_matches(field="born", normalised_value="1990-04-02") == ["p-0001"]


def test_purge_expired_erases_subjects_past_retention() -> None:
    write("p-0001")
    write("p-0002", retain_until=TODAY + dt.timedelta(days=1))
    erased = services.vault_purge_expired(today=TODAY + dt.timedelta(days=30))
    assert erased == ["p-0002"]
    assert SubjectKey.objects.get(subject="p-0002").wrapped_key is None
    assert SubjectKey.objects.get(subject="p-0001").wrapped_key is not None
    call_command("vault", "purge-expired")  # nothing expired today: runs and erases nothing
    assert SubjectKey.objects.filter(wrapped_key=None).count() == 1
