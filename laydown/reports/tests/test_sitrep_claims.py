"""The situation report answers each claim: figures link to their records (weapons, lots,
materiel), a date means the same day in the pages and the API, inspections do not add lots to
the weapons found."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from laydown.arms import services as arms
from laydown.fixtures import ARMS_CLERK
from laydown.ledger import clock
from laydown.reports import selectors
from laydown.reports.periods import Period
from laydown.testing import bearer, signed_in, token_for, user_with_role
from laydown.verification import services as verification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

LATE = dt.datetime(2026, 11, 20, 23, 30, tzinfo=dt.UTC)  # the last half hour of a UTC day
LOT = {
    "type": "cartridge",
    "calibre": "7.62x39mm",
    "quantity": 700,
    "unit": "rounds",
    "hazard_division": "1.4",
    "compatibility_group": "S",
    "condition": "serviceable",
}


def test_collected_to_is_the_last_day_included_in_the_pages_and_the_api(
    collect: Any, sites: Any
) -> None:
    with clock.simulated(LATE):
        item = collect(serial="LATE-1")
        lot = arms.lot_collect(actor=ARMS_CLERK, site=sites["depot-a"], **LOT)
        materiel = arms.materiel_collect(
            actor=ARMS_CLERK, site=sites["depot-a"], type="radio", description="VHF", quantity=1
        )
    user = user_with_role("mgr", "programme_manager")
    page, api = signed_in(user), Client()
    secret = token_for(user, ["arms.read"])
    for last, expected in (("2026-11-20", True), ("2026-11-19", False)):
        query = f"collected_from=2026-11-19&collected_to={last}"
        for url, tag in (
            ("/arms/items/", item.tag),
            ("/arms/lots/", lot.tag),
            ("/arms/materiel/", materiel.tag),
        ):
            html = page.get(f"{url}?{query}").content.decode()
            assert (tag in html) is expected, (url, last)
        found = api.get(f"/api/v1/arms/items?{query}", headers=bearer(secret)).json()
        assert ([i["tag"] for i in found["items"]] == [item.tag]) is expected


def test_the_sitrep_links_lots_and_materiel_to_their_lists(collect: Any, sites: Any) -> None:
    arms.lot_collect(actor=ARMS_CLERK, site=sites["depot-a"], **LOT)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    html = signed_in(user_with_role("mgr", "programme_manager")).get("/reports/sitrep/?days=5")
    text = html.content.decode()
    assert html.status_code == 200
    assert f'/arms/lots/?collected_from={today}&amp;collected_to={today}"' in text
    assert "/arms/materiel/?collected_from=" in text and 'id="projects"' in text
    assert 'id="visits"' in text


def test_inspection_figures_keep_weapons_and_lots_apart(
    manager: Any, make_observer: Any, collect: Any, cosign: Any, sites: Any
) -> None:
    for _ in range(4):
        collect()
    arms.lot_collect(actor=ARMS_CLERK, site=sites["depot-a"], **LOT)
    arms.lot_collect(actor=ARMS_CLERK, site=sites["depot-a"], **LOT)
    observer = make_observer()
    cosign()
    today = dt.datetime.now(dt.UTC).date()
    planned = verification.inspection_plan(
        actor=manager,
        sites=["depot-a"],
        planned_for=today,
        team=[observer.principal.pseudonym],
        sample_count=3,
    )
    opened = verification.inspection_open(
        actor=observer.principal, code=planned.code, nonce="figures-apart"
    )
    lines = [verification.FindingIn(tag=t, result="found") for t in opened.sample]
    lines += [verification.FindingIn(tag=t, result="found", counted=700) for t in opened.lots]
    verification.inspection_record_many(actor=observer.principal, code=opened.code, findings=lines)
    (row,) = selectors.inspections(Period(today, today))
    assert (row["sample"], row["found"], row["lots"], row["lots_counted"]) == (3, 3, 2, 2)
