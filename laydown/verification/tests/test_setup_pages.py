"""Witnesses and observer delegations from the pages, with no CLI (issue 21)."""

from __future__ import annotations

import datetime as dt

import pytest

from laydown import tlog
from laydown.accounts import services as accounts
from laydown.ledger.models import LogWitness
from laydown.testing import kinds_logged, log_size, signed_in, user_with_role
from laydown.verification.models import Accreditation

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_a_witness_by_key_and_url_and_sees_its_status() -> None:
    client = signed_in(user_with_role("admin1", "admin"))
    _skey, vkey = tlog.generate_cosignature_key("witness.example.org/nordland")
    done = client.post(
        "/verification/witnesses/", {"vkey": vkey, "url": "http://127.0.0.1:9/witness"}
    )
    assert done.status_code == 302, done.content.decode()[:1500]
    assert LogWitness.objects.get().name == "witness.example.org/nordland"
    assert kinds_logged()[-1] == "ledger.witness_added"
    pushed = client.post("/verification/witnesses/push/", follow=True)
    assert "unreachable" in pushed.content.decode()
    page = client.get("/verification/witnesses/").content.decode()
    assert "witness.example.org/nordland" in page and "unreachable" in page
    before = log_size()
    signing_key = tlog.generate_key("not-a-witness")[1]
    refused = client.post("/verification/witnesses/", {"vkey": signing_key, "url": "http://x.org"})
    assert refused.status_code == 400 and log_size() == before
    manager = signed_in(user_with_role("mgr", "programme_manager"))
    assert manager.get("/verification/witnesses/").status_code == 403


def test_a_delegation_member_is_accredited_and_revoked_from_the_page() -> None:
    accounts.org_create(
        actor=accounts.SYSTEM, code="nordland", name="Nordland", kind="observer_delegation"
    )
    user_with_role("ingrid", "observer", org="nordland")
    client = signed_in(user_with_role("admin1", "admin"))
    page = client.get("/verification/accreditations/").content.decode()
    assert "Nordland" in page and "ingrid" in page
    _skey, vkey = tlog.generate_key("nordland.example/ingrid")
    today = dt.datetime.now(dt.UTC).date()
    form = {
        "observer": "ingrid",
        "vkey": vkey,
        "sites": "",
        "valid_from": today.isoformat(),
        "valid_until": (today + dt.timedelta(days=90)).isoformat(),
    }
    done = client.post("/verification/accreditations/", form)
    assert done.status_code == 302, done.content.decode()[:1500]
    accreditation = Accreditation.objects.get()
    wrong = client.post("/verification/accreditations/", {**form, "valid_until": "2000-01-01"})
    assert wrong.status_code == 400 and "ends before it begins" in wrong.content.decode()
    client.post(f"/verification/accreditations/{accreditation.code}/revoke/", {"reason": "left"})
    accreditation.refresh_from_db()
    assert accreditation.revoked_at is not None
