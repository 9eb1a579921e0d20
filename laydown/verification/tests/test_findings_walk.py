"""Inspections at the speed of a walk: all findings of a sample on one page, saved in one
request as one batch of records; the team is chosen among accredited observers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from laydown.accounts.models import User
from laydown.arms import services as arms
from laydown.arms.models import Item
from laydown.core.errors import ValidationError
from laydown.fixtures import ARMS_MANAGER
from laydown.ledger.models import Checkpoint
from laydown.testing import bearer, log_size, post_json, signed_in, token_for
from laydown.verification import services
from laydown.verification.models import Finding, Inspection

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def _opened(manager: Any, make_observer: Any, collect: Any, cosign: Any, n: int = 12) -> Any:
    for _ in range(n):
        collect()
    lot_fields = {
        "type": "cartridge",
        "calibre": "7.62x39mm",
        "quantity": 500,
        "unit": "rounds",
        "hazard_division": "1.4",
        "compatibility_group": "S",
        "condition": "serviceable",
    }
    arms.lot_collect(actor=ARMS_MANAGER, site=collect().site, **lot_fields)
    observer = make_observer()
    cosign()
    inspection = services.inspection_plan(
        actor=manager,
        sites=["depot-a"],
        planned_for=dt.date(2026, 11, 30),
        team=[observer.principal.pseudonym],
        sample_count=10,
    )
    services.inspection_open(
        actor=observer.principal, code=inspection.code, nonce="walk-through-depot-a"
    )
    return observer, Inspection.objects.get(code=inspection.code)


def test_all_findings_are_saved_in_one_request_as_one_batch(
    manager: Any, make_observer: Any, collect: Any, cosign: Any
) -> None:
    observer, inspection = _opened(manager, make_observer, collect, cosign)
    client = signed_in(User.objects.get(pseudonym=observer.principal.pseudonym))
    url = f"/verification/inspections/{inspection.code}/findings/"
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    first = inspection.sample[0]
    serial = arms_serial(first)
    assert f'name="result-{first}"' in html and serial in html and "Kalashnikov AKM" in html
    assert f'name="counted-{inspection.lots[0]}"' in html and "500" in html
    form: dict[str, Any] = {f"result-{tag}": "found" for tag in inspection.sample}
    form[f"result-{inspection.sample[1]}"] = "mismatch"
    form[f"mismatches-{inspection.sample[1]}"] = ["serial"]
    form[f"result-{inspection.lots[0]}"] = "found"
    form[f"counted-{inspection.lots[0]}"] = "500"
    size, checkpoints = log_size(), Checkpoint.objects.count()
    done = client.post(url, form)
    assert done.status_code == 302, done.content.decode()[:3000]
    assert log_size() == size + 11 and Checkpoint.objects.count() == checkpoints + 1
    assert Finding.objects.filter(inspection=inspection).count() == 11
    services.inspection_close(actor=observer.principal, code=inspection.code)


def arms_serial(tag: str) -> str:
    return Item.objects.get(tag=tag).serial


def test_every_bad_line_is_shown_and_nothing_is_saved(
    manager: Any, make_observer: Any, collect: Any, cosign: Any
) -> None:
    observer, inspection = _opened(manager, make_observer, collect, cosign)
    client = signed_in(User.objects.get(pseudonym=observer.principal.pseudonym))
    url = f"/verification/inspections/{inspection.code}/findings/"
    a, b = inspection.sample[:2]
    lot = inspection.lots[0]
    form = {
        f"result-{a}": "mismatch",  # names nothing that differs
        f"result-{b}": "found",
        f"result-{lot}": "found",  # no count
    }
    size = log_size()
    refused = client.post(url, form)
    html = refused.content.decode()
    assert refused.status_code == 400 and log_size() == size
    assert "Lines to correct: 2." in html
    assert 'value="mismatch" checked' in html  # what was entered is kept
    assert Finding.objects.count() == 0


def test_the_service_refuses_a_stranger_on_the_team_and_duplicate_lines(
    manager: Any, make_observer: Any, collect: Any, cosign: Any
) -> None:
    observer, inspection = _opened(manager, make_observer, collect, cosign)
    with pytest.raises(ValidationError) as caught:
        services.inspection_plan(
            actor=manager,
            sites=["depot-a"],
            planned_for=dt.date(2026, 12, 1),
            team=["not-an-observer"],
            sample_count=3,
        )
    assert "team" in caught.value.fields
    tag = inspection.sample[0]
    line = services.FindingIn(tag=tag, result="found")
    with pytest.raises(ValidationError):
        services.inspection_record_many(
            actor=observer.principal, code=inspection.code, findings=[line, line]
        )


def test_the_plan_form_offers_accredited_observers_by_name(
    manager: Any, make_observer: Any, sites: Any
) -> None:
    observer = make_observer()
    client = signed_in(User.objects.get(username="manager"))
    html = client.get("/verification/inspections/new/").content.decode()
    assert 'type="checkbox" name="team"' in html
    assert f'value="{observer.principal.pseudonym}"' in html and "observer — Nordland" in html
    response = client.post(
        "/verification/inspections/new/",
        {
            "sites": "depot-a",
            "planned_for": "2026-12-01",
            "team": [observer.principal.pseudonym],
            "sample_count": 3,
        },
    )
    assert response.status_code == 302
    assert Inspection.objects.get().team == [observer.principal.pseudonym]


def test_the_api_records_a_batch(
    manager: Any, make_observer: Any, collect: Any, cosign: Any
) -> None:
    observer, inspection = _opened(manager, make_observer, collect, cosign)
    user = User.objects.get(pseudonym=observer.principal.pseudonym)
    secret = token_for(user, ["verification.inspect", "verification.read"])
    url = f"/api/v1/verification/inspections/{inspection.code}/findings/batch"
    bad = post_json(
        Client(),
        url,
        {"findings": [{"tag": inspection.lots[0], "result": "found"}]},
        headers=bearer(secret),
    )
    assert (
        bad.status_code == 422 and f"{inspection.lots[0]}.counted" in bad.json()["error"]["fields"]
    )
    lines = [{"tag": t, "result": "found"} for t in inspection.sample]
    good = post_json(Client(), url, {"findings": lines}, headers=bearer(secret))
    assert good.status_code == 200, good.content
    assert Finding.objects.count() == len(inspection.sample)
