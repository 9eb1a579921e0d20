"""A KoBoToolbox XLSX export of the demobilization registration form is imported as a
participants file: its personal data go to the vault as any import's do, every problem is
named by its row and the export's own column, and imported again it creates nothing new."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from laydown.field.models import Submission
from laydown.ledger.models import Record
from laydown.people.models import Participant
from laydown.testing import FAST_HASHERS, log_size, signed_in, user_with_role

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = FIXTURES / "registration-kobo.xlsx"
BAD = FIXTURES / "registration-kobo-bad.xlsx"
NAMES = ("Hovhannes Grigoryan", "Lusine Mkrtchyan", "Norashen", "+37491555123")


@pytest.fixture
def registrar() -> str:
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        user_with_role("reg", "registrar", "region:north")
    return "reg"


def _upload(path: Path) -> io.BytesIO:
    f = io.BytesIO(path.read_bytes())
    f.name = path.name
    return f


def test_a_kobo_export_is_registered_once_with_its_personal_data_in_the_vault(
    registrar: str,
) -> None:
    out = io.StringIO()
    call_command("people", "import", str(GOOD), "--as", registrar, stdout=out)
    assert "Imported 2 participants" in out.getvalue()
    assert Participant.objects.count() == 2
    assert {p.category for p in Participant.objects.all()} == {"combatant", "associated"}
    kinds = list(Record.objects.values_list("kind", flat=True))
    assert kinds.count("people.registered") == 2 and kinds.count("vault.written") >= 2
    log = b"\n".join(bytes(body) for body in Record.objects.values_list("body", flat=True))
    log += json.dumps([r.data for r in Record.objects.all()], ensure_ascii=False).encode()
    assert not [n for n in NAMES if n.encode() in log]  # names, phone, village: in the vault only
    received = Submission.objects.order_by("received_at")
    assert {str(s.id) for s in received} == {
        "8d2f4a61-3c9e-4b7a-9e15-2a6c0b4d7e01",
        "8d2f4a61-3c9e-4b7a-9e15-2a6c0b4d7e02",
    }
    assert {s.form for s in received} == {"people.registration"}

    size = log_size()
    out = io.StringIO()
    call_command("people", "import", str(GOOD), "--as", registrar, stdout=out)
    assert "Imported 0 participants" in out.getvalue() and "Skipped 2 rows" in out.getvalue()
    assert Participant.objects.count() == 2 and log_size() == size


def test_every_problem_of_a_kobo_export_is_told_by_row_and_its_own_column(
    registrar: str,
) -> None:
    size = log_size()
    err = io.StringIO()
    with pytest.raises(CommandError, match="problems .* nothing was imported"):
        call_command("people", "import", str(BAD), "--as", registrar, stderr=err)
    lines = err.getvalue().splitlines()
    assert "row 2, born '1985-13-01': not a date" in lines
    assert any(line.startswith("row 3, sex 'female': ") for line in lines)
    assert any(line.startswith("row 4, region 'south': ") for line in lines)
    assert any(line.startswith("row 4, _uuid '5e1d2c3b-") for line in lines)
    assert log_size() == size and not Participant.objects.exists()
    assert not Submission.objects.exists()


def test_the_import_page_takes_a_kobo_export(registrar: str) -> None:
    from laydown.accounts.models import User

    client = signed_in(User.objects.get(username=registrar))
    refused = client.post(reverse("people:import"), {"file": _upload(BAD)})
    assert refused.status_code == 400 and "female" in refused.content.decode()
    done = client.post(reverse("people:import"), {"file": _upload(GOOD)}, follow=True)
    assert "2 participants imported" in done.content.decode()
    again = client.post(reverse("people:import"), {"file": _upload(GOOD)}, follow=True)
    assert "2 rows of the export were skipped" in again.content.decode()
    assert Participant.objects.count() == 2
