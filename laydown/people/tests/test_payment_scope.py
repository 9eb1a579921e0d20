"""Payment lines are personal to a region: a registrar of one region neither reads nor records
the payment lines of participants in another; drafting and approving a cycle's list (which
covers every region) needs a programme-wide grant."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from laydown.core.errors import ValidationError
from laydown.people import selectors, services
from laydown.people.tests.base import MANAGER, REGISTRAR, REGISTRAR_SOUTH, YES, register
from laydown.testing import principal

pytestmark = pytest.mark.django_db

MANAGER_NORTH = principal("u-manager-north", ("programme_manager", "region:north"))


def eligible_with_card(actor, **fields):
    p = register(actor, **fields)
    p = services.participant_screen(actor=actor, participant=p, answers=YES, decision="eligible")
    services.id_cards_issue(actor=actor, participants=[p])
    p.refresh_from_db()
    return p


@pytest.fixture
def cycle():
    north = eligible_with_card(REGISTRAR)
    south = eligible_with_card(
        REGISTRAR_SOUTH, name="Vardan Hakobyan", born="1980-01-01", region="south"
    )
    drafted = services.payment_cycle_draft(actor=MANAGER, cycle="2026-06")
    return services.payment_cycle_approve(actor=MANAGER, cycle=drafted), north, south


def test_a_registrar_lists_only_the_payment_lines_of_their_region(cycle) -> None:
    found, north, south = cycle
    lines = selectors.cycle_lines(found, 1, principal=REGISTRAR).rows
    assert [line.participant_id for line in lines] == [north.pk]
    everywhere = selectors.cycle_lines(found, 1, principal=MANAGER).rows
    assert {line.participant_id for line in everywhere} == {north.pk, south.pk}


def test_a_registrar_cannot_record_a_payment_for_another_region(cycle) -> None:
    found, _north, south = cycle
    with pytest.raises(ValidationError, match="not on the list"):
        services.payments_record(actor=REGISTRAR, cycle=found, references={south.pk: "MT-9"})
    assert (
        services.payments_record(actor=REGISTRAR_SOUTH, cycle=found, references={south.pk: "MT-9"})
        == 1
    )


@pytest.mark.parametrize("actor", [REGISTRAR, MANAGER_NORTH])
def test_drafting_and_approving_a_list_of_every_region_needs_a_programme_wide_grant(
    actor,
) -> None:
    eligible_with_card(REGISTRAR)
    with pytest.raises(PermissionDenied):
        services.payment_cycle_draft(actor=actor, cycle="2026-07")
    drafted = services.payment_cycle_draft(actor=MANAGER, cycle="2026-07")
    with pytest.raises(PermissionDenied):
        services.payment_cycle_approve(actor=MANAGER_NORTH, cycle=drafted)


def test_the_cycle_api_shows_a_registrar_only_their_regions_lines(cycle, client) -> None:
    from laydown.access.web import principal_for_user
    from laydown.testing import bearer, token_for, user_with_role

    found, north, south = cycle
    registrar = user_with_role("reg-n", "registrar", "region:north")
    secret = token_for(registrar, ["people.payment"])
    assert principal_for_user(registrar)
    body = client.get(f"/api/v1/people/cycles/{found.pk}", headers=bearer(secret)).json()
    assert [line["participant"] for line in body["lines"]] == [north.pk]
    assert south.pk not in str(body)


def test_a_suspected_duplicate_in_another_region_is_counted_not_named() -> None:
    north = register(REGISTRAR)
    south = register(REGISTRAR_SOUTH, region="south")  # same name and birth date: flagged
    for p in (north, south):
        whole = selectors.person_file(p)
        assert len(whole.flags) == 1  # without a reader: everything (replay, managers' tools)
    mine = selectors.person_file(north, REGISTRAR)
    assert mine.flags == [] and mine.flags_elsewhere == 1
    assert south.pk not in str(mine)
    managers = selectors.person_file(north, MANAGER)
    assert len(managers.flags) == 1 and managers.flags_elsewhere == 0


def test_the_person_page_of_a_registrar_does_not_name_a_duplicate_elsewhere(client) -> None:
    from laydown.access.web import principal_for_user
    from laydown.testing import signed_in, user_with_role

    registrar = user_with_role("reg-north", "registrar", "region:north")
    north = register(principal_for_user(registrar))
    south = register(REGISTRAR_SOUTH, region="south")
    page = signed_in(registrar).get(f"/people/{north.pk}/").content.decode()
    assert south.pk not in page and "outside your scope" in page
