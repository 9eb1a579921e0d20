from __future__ import annotations

import pytest

from laydown.people import selectors, services
from laydown.people.tests.base import REGISTRAR, YES, register
from laydown.testing import principal

pytestmark = pytest.mark.django_db
EVERYWHERE = principal("u-registrar-all", ("registrar", "programme"))


def add(count: int, *, region: str, category: str = "combatant", eligible: int = 0) -> None:
    for n in range(count):
        p = register(
            EVERYWHERE,
            name=f"{region} {category} {'abcdefghij'[n]}",
            born=f"19{70 + n}-01-01",
            region=region,
            category=category,
        )
        if n < eligible:
            services.participant_screen(
                actor=EVERYWHERE, participant=p, answers=YES, decision="eligible"
            )


def test_a_group_of_fewer_than_five_is_shown_as_under_five() -> None:
    add(7, region="north", eligible=6)
    add(2, region="north", category="associated")
    add(6, region="south")
    table = selectors.aggregates()
    rows = {(r["region"], r["category"]): r for r in table["rows"]}
    assert rows[("north", "associated")]["registered"] == "<5"
    assert rows[("north", "combatant")]["registered"] == "7"
    assert rows[("north", "combatant")]["eligible"] == "6"
    # with the total (15) shown, one hidden cell could be recovered: the next smallest hides too
    assert rows[("south", "combatant")]["registered"] == "x"
    assert table["totals"]["registered"] == "15"


def test_totals_under_five_are_suppressed_too() -> None:
    add(3, region="east")
    assert selectors.aggregates()["totals"]["registered"] == "<5"
    assert REGISTRAR  # region-bound registrars see the same aggregates: they name no one
